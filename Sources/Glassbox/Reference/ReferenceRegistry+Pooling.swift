import GlassboxIO
import GlassboxKernels

extension ReferenceRegistry {
    /// `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`, `Upsample` (mode `nearest`).
    static func poolingBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "MaxPool2d": { args, train in
                let kernel = try args.requiredIntPair("kernel_size")
                let stride = try args.intPair("stride") ?? kernel
                let padding = try args.intPair("padding") ?? (0, 0)
                let dilation = try args.intPair("dilation") ?? (1, 1)
                let ceilMode = try args.bool("ceil_mode", default: false)
                if try args.bool("return_indices", default: false) {
                    throw ReferenceError.unsupported("MaxPool2d: return_indices=true is not supported (one output per case)")
                }
                try checkPooling("MaxPool2d", kernel: kernel, stride: stride, padding: padding, dilation: dilation)
                let layer = MaxPool2d<Scalar>(kernelSize: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
                return .layer(layer, train: train) { shape in
                    try checkPoolingInput(
                        shape, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                        windowsInside: true)
                }
            },
            "AvgPool2d": { args, train in
                let kernel = try args.requiredIntPair("kernel_size")
                let stride = try args.intPair("stride") ?? kernel
                let padding = try args.intPair("padding") ?? (0, 0)
                let ceilMode = try args.bool("ceil_mode", default: false)
                let countIncludePad = try args.bool("count_include_pad", default: true)
                let divisorOverride = try args.optionalInt("divisor_override")
                try checkPooling("AvgPool2d", kernel: kernel, stride: stride, padding: padding, dilation: (1, 1))
                if let divisorOverride, divisorOverride <= 0 {
                    throw ReferenceError.invalidArgument(module: "AvgPool2d", name: "divisor_override", expected: "a positive integer or null")
                }
                let layer = AvgPool2d<Scalar>(
                    kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                    divisorOverride: divisorOverride)
                return .layer(layer, train: train) { shape in
                    try checkPoolingInput(
                        shape, kernel: kernel, stride: stride, padding: padding, dilation: (1, 1), ceilMode: ceilMode,
                        windowsInside: false)
                }
            },
            "AdaptiveAvgPool2d": { args, train in
                let size = try args.outputSizePair("output_size")
                return .layer(AdaptiveAvgPool2d<Scalar>(outputSize: size), train: train) { shape in
                    try checkImage(shape, ranks: [3, 4])
                }
            },
            "Upsample": { args, train in
                let size = try args.intPair("size")
                let scale = try args.numberPair("scale_factor")
                let mode = try args.choice(
                    "mode", ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"], default: "nearest")
                guard mode == "nearest" else {
                    throw ReferenceError.unsupported("Upsample: mode '\(mode)' is not supported (only 'nearest')")
                }
                if let alignCorners = args.raw("align_corners"), alignCorners != .null {
                    throw ReferenceError.invalidArgument(module: "Upsample", name: "align_corners", expected: "null for mode 'nearest'")
                }
                let recompute = try args.bool("recompute_scale_factor", default: false)
                let layer: Upsample<Scalar>
                switch (size, scale) {
                case (let size?, nil):
                    guard size.0 > 0 && size.1 > 0 else {
                        throw ReferenceError.invalidArgument(module: "Upsample", name: "size", expected: "positive")
                    }
                    layer = Upsample(size: size)
                case (nil, let scale?):
                    guard scale.0 > 0 && scale.1 > 0 else {
                        throw ReferenceError.invalidArgument(module: "Upsample", name: "scale_factor", expected: "positive")
                    }
                    layer = Upsample(scaleFactor: scale, recomputeScaleFactor: recompute)
                default:
                    throw ReferenceError.invalidArgument(module: "Upsample", name: "size", expected: "given, or scale_factor given (exactly one)")
                }
                return .layer(layer, train: train) { shape in
                    try checkImage(shape, ranks: [4])
                    if let scale {
                        let out = [Double(shape[2]) * scale.0, Double(shape[3]) * scale.1].map { Int($0.rounded(.down)) }
                        guard out.allSatisfy({ $0 > 0 }) else {
                            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): scale_factor \(scale) gives an empty output")
                        }
                    }
                }
            },
        ]
    }

    /// Checks positive kernel, stride and dilation and a padding of at most half the kernel.
    private static func checkPooling(
        _ module: String, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    ) throws {
        for (name, value) in [("kernel_size", kernel), ("stride", stride), ("dilation", dilation)] where value.0 <= 0 || value.1 <= 0 {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "positive")
        }
        guard padding.0 >= 0 && padding.1 >= 0 && padding.0 <= kernel.0 / 2 && padding.1 <= kernel.1 / 2 else {
            throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "non-negative and at most half of kernel_size")
        }
    }

    /// Checks a `[N, C, H, W]` (or, when allowed, `[C, H, W]`) input with non-empty planes.
    private static func checkImage(_ shape: [Int], ranks: Set<Int>) throws {
        guard ranks.contains(shape.count), shape.suffix(2).allSatisfy({ $0 > 0 }) else {
            let expected = ranks.contains(3) ? "[N, C, H, W] or [C, H, W]" : "[N, C, H, W]"
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected \(expected) with non-empty H and W")
        }
    }

    /// Checks that the pooling windows fit the input: a positive output size, and (for max
    /// pooling) every window holding an input element.
    private static func checkPoolingInput(
        _ shape: [Int], kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), ceilMode: Bool,
        windowsInside: Bool
    ) throws {
        try checkImage(shape, ranks: [3, 4])
        let axes = [
            PoolingAxis(input: shape[shape.count - 2], kernel: kernel.0, stride: stride.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode),
            PoolingAxis(input: shape[shape.count - 1], kernel: kernel.1, stride: stride.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode),
        ]
        guard axes.allSatisfy({ $0.output > 0 }) else {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): too small for the window (output \(axes.map(\.output)))")
        }
        if windowsInside && !axes.allSatisfy(\.everyWindowOverlapsInput) {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): a dilated window lies entirely in the padding")
        }
    }
}

extension ReferenceArguments {
    /// An int-or-pair argument (PyTorch's `2` or `(2, 3)`, given as a list): `nil` when absent or
    /// `null`.
    mutating func intPair(_ name: String) throws -> (Int, Int)? {
        guard let value = raw(name), value != .null else { return nil }
        if let n = value.integerValue { return (n, n) }
        guard let list = value.arrayValue, list.count == 2, let a = list[0].integerValue, let b = list[1].integerValue else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "an integer or a list of 2 integers")
        }
        return (a, b)
    }

    /// A required int-or-pair argument (`kernel_size`).
    mutating func requiredIntPair(_ name: String) throws -> (Int, Int) {
        guard let pair = try intPair(name) else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "given (an integer or a list of 2 integers)")
        }
        return pair
    }

    /// A number-or-pair argument (`scale_factor`): `nil` when absent or `null`.
    mutating func numberPair(_ name: String) throws -> (Double, Double)? {
        guard let value = raw(name), value != .null else { return nil }
        if let x = value.doubleValue, x.isFinite { return (x, x) }
        guard let list = value.arrayValue, list.count == 2, let a = list[0].doubleValue, let b = list[1].doubleValue,
            a.isFinite, b.isFinite
        else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "a number or a list of 2 numbers")
        }
        return (a, b)
    }

    /// `AdaptiveAvgPool2d`'s required `output_size`: an integer, or a list of 2 entries each a
    /// positive integer or `null` (keep that input size).
    mutating func outputSizePair(_ name: String) throws -> (Int?, Int?) {
        let invalid = ReferenceError.invalidArgument(
            module: module, name: name, expected: "a positive integer or a list of 2 entries, each a positive integer or null")
        guard let value = raw(name), value != .null else { throw invalid }
        if let n = value.integerValue, n > 0 { return (n, n) }
        guard let list = value.arrayValue, list.count == 2 else { throw invalid }
        let sizes = try list.map { entry -> Int? in
            if entry == .null { return nil }
            guard let n = entry.integerValue, n > 0 else { throw invalid }
            return n
        }
        return (sizes[0], sizes[1])
    }
}
