import GlassboxIO
import GlassboxKernels

extension ReferenceRegistry {
    /// `MaxPool1d`, `MaxPool3d`, `AvgPool1d`, `AvgPool3d`, `AdaptiveAvgPool1d`,
    /// `AdaptiveAvgPool3d`, `AdaptiveMaxPool1d/2d/3d`, `LPPool1d`, `LPPool2d`, `LPPool3d`.
    static func poolingNDBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        var builders: [String: Builder<Scalar>] = [
            "AdaptiveAvgPool1d": { args, train in
                let size = try args.adaptiveSizes("output_size", count: 1)
                guard let length = size[0] else {
                    throw ReferenceError.invalidArgument(module: "AdaptiveAvgPool1d", name: "output_size", expected: "a positive integer")
                }
                return .layer(AdaptiveAvgPool1d<Scalar>(outputSize: length), train: train) { shape in
                    try checkPooledInput(shape, dimensions: 1)
                }
            },
            "AdaptiveAvgPool3d": { args, train in
                let size = try args.adaptiveSizes("output_size", count: 3)
                return .layer(AdaptiveAvgPool3d<Scalar>(outputSize: size), train: train) { shape in
                    try checkPooledInput(shape, dimensions: 3)
                }
            },
            "LPPool1d": { args, train in
                let (p, kernel, stride, ceilMode) = try lpArguments("LPPool1d", dimensions: 1, &args)
                let layer = LPPool1d<Scalar>(normType: Scalar(p), kernelSize: kernel[0], stride: stride[0], ceilMode: ceilMode)
                return .layer(layer, train: train) { shape in
                    try checkWindows(shape, kernel: kernel, stride: stride, padding: [0], dilation: [1], ceilMode: ceilMode, windowsInside: false)
                }
            },
            "LPPool2d": { args, train in
                let (p, kernel, stride, ceilMode) = try lpArguments("LPPool2d", dimensions: 2, &args)
                let layer = LPPool2d<Scalar>(
                    normType: Scalar(p), kernelSize: (kernel[0], kernel[1]), stride: (stride[0], stride[1]), ceilMode: ceilMode)
                return .layer(layer, train: train) { shape in
                    try checkWindows(
                        shape, kernel: kernel, stride: stride, padding: [0, 0], dilation: [1, 1], ceilMode: ceilMode, windowsInside: false)
                }
            },
            "LPPool3d": { args, train in
                let (p, kernel, stride, ceilMode) = try lpArguments("LPPool3d", dimensions: 3, &args)
                let layer = LPPool3d<Scalar>(normType: Scalar(p), kernelSize: kernel, stride: stride, ceilMode: ceilMode)
                return .layer(layer, train: train) { shape in
                    try checkWindows(
                        shape, kernel: kernel, stride: stride, padding: [0, 0, 0], dilation: [1, 1, 1], ceilMode: ceilMode,
                        windowsInside: false)
                }
            },
        ]
        for dimensions in 1...3 {
            let module = "AdaptiveMaxPool\(dimensions)d"
            builders[module] = { args, train in
                let size = try args.adaptiveSizes("output_size", count: dimensions)
                if try args.bool("return_indices", default: false) {
                    throw ReferenceError.unsupported("\(module): return_indices=true is not supported (one output per case)")
                }
                return .layer(AdaptiveMaxPoolLayer<Scalar>(outputSize: size), train: train) { shape in
                    try checkPooledInput(shape, dimensions: dimensions)
                }
            }
        }
        for dimensions in [1, 3] {
            let maxModule = "MaxPool\(dimensions)d"
            builders[maxModule] = { args, train in
                let (kernel, stride, padding) = try windowArguments(maxModule, dimensions: dimensions, &args)
                let dilation = try args.raw("dilation") == nil ? [Int](repeating: 1, count: dimensions) : args.intList("dilation", count: dimensions)
                guard dilation.allSatisfy({ $0 > 0 }) else {
                    throw ReferenceError.invalidArgument(module: maxModule, name: "dilation", expected: "positive")
                }
                let ceilMode = try args.bool("ceil_mode", default: false)
                if try args.bool("return_indices", default: false) {
                    throw ReferenceError.unsupported("\(maxModule): return_indices=true is not supported (one output per case)")
                }
                let layer: any Layer<Scalar> =
                    dimensions == 1
                    ? MaxPool1d<Scalar>(kernelSize: kernel[0], stride: stride[0], padding: padding[0], dilation: dilation[0], ceilMode: ceilMode)
                    : MaxPool3d<Scalar>(kernelSize: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
                return .layer(layer, train: train) { shape in
                    try checkWindows(shape, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, windowsInside: true)
                }
            }
            let avgModule = "AvgPool\(dimensions)d"
            builders[avgModule] = { args, train in
                let (kernel, stride, padding) = try windowArguments(avgModule, dimensions: dimensions, &args)
                let ceilMode = try args.bool("ceil_mode", default: false)
                let countIncludePad = try args.bool("count_include_pad", default: true)
                let divisorOverride = dimensions == 3 ? try args.optionalInt("divisor_override") : nil
                if let divisorOverride, divisorOverride <= 0 {
                    throw ReferenceError.invalidArgument(module: avgModule, name: "divisor_override", expected: "a positive integer or null")
                }
                let layer: any Layer<Scalar> =
                    dimensions == 1
                    ? AvgPool1d<Scalar>(kernelSize: kernel[0], stride: stride[0], padding: padding[0], ceilMode: ceilMode, countIncludePad: countIncludePad)
                    : AvgPool3d<Scalar>(
                        kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                        divisorOverride: divisorOverride)
                return .layer(layer, train: train) { shape in
                    try checkWindows(
                        shape, kernel: kernel, stride: stride, padding: padding, dilation: [Int](repeating: 1, count: dimensions),
                        ceilMode: ceilMode, windowsInside: false)
                }
            }
        }
        return builders
    }

    /// `kernel_size` (required), `stride` (default: the kernel), `padding` (0; at most half the
    /// kernel), checked positive.
    private static func windowArguments(_ module: String, dimensions: Int, _ args: inout ReferenceArguments) throws
        -> ([Int], [Int], [Int])
    {
        let kernel = try args.intList("kernel_size", count: dimensions)
        let stride = try args.raw("stride") == nil || args.raw("stride") == .null ? kernel : args.intList("stride", count: dimensions)
        let padding = try args.raw("padding") == nil ? [Int](repeating: 0, count: dimensions) : args.intList("padding", count: dimensions)
        for (name, value) in [("kernel_size", kernel), ("stride", stride)] where !value.allSatisfy({ $0 > 0 }) {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "positive")
        }
        guard zip(padding, kernel).allSatisfy({ $0 >= 0 && $0 <= $1 / 2 }) else {
            throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "non-negative and at most half of kernel_size")
        }
        return (kernel, stride, padding)
    }

    /// `norm_type`, `kernel_size`, `stride`, `ceil_mode` of the LP pools.
    private static func lpArguments(_ module: String, dimensions: Int, _ args: inout ReferenceArguments) throws
        -> (Double, [Int], [Int], Bool)
    {
        let p = try args.double("norm_type", default: .nan)
        guard !p.isNaN, p != 0 else {
            throw ReferenceError.invalidArgument(module: module, name: "norm_type", expected: "a non-zero number")
        }
        let kernel = try args.intList("kernel_size", count: dimensions)
        let stride = try args.raw("stride") == nil || args.raw("stride") == .null ? kernel : args.intList("stride", count: dimensions)
        for (name, value) in [("kernel_size", kernel), ("stride", stride)] where !value.allSatisfy({ $0 > 0 }) {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "positive")
        }
        return (p, kernel, stride, try args.bool("ceil_mode", default: false))
    }

    /// Checks a batched or unbatched input (rank `dimensions + 2` or `+ 1`) with non-empty
    /// spatial sizes.
    private static func checkPooledInput(_ shape: [Int], dimensions: Int) throws {
        guard shape.count == dimensions + 1 || shape.count == dimensions + 2, shape.suffix(dimensions).allSatisfy({ $0 > 0 }) else {
            throw ReferenceError.invalidInput(
                name: "input", problem: "has shape \(shape), expected rank \(dimensions + 2) or \(dimensions + 1) with non-empty spatial sizes")
        }
    }

    /// Checks that the pooling windows fit the input: a positive output size, and (for max
    /// pooling) every window holding an input element.
    private static func checkWindows(
        _ shape: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool, windowsInside: Bool
    ) throws {
        let dimensions = kernel.count
        try checkPooledInput(shape, dimensions: dimensions)
        let spatial = Array(shape.suffix(dimensions))
        let axes = (0..<dimensions).map {
            PoolingAxis(input: spatial[$0], kernel: kernel[$0], stride: stride[$0], padding: padding[$0], dilation: dilation[$0], ceilMode: ceilMode)
        }
        guard axes.allSatisfy({ $0.output > 0 }) else {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): too small for the window (output \(axes.map(\.output)))")
        }
        if windowsInside && !axes.allSatisfy(\.everyWindowOverlapsInput) {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): a dilated window lies entirely in the padding")
        }
    }
}

extension ReferenceArguments {
    /// An adaptive pool's `output_size`: a positive integer, or a list of `count` entries each a
    /// positive integer or `null` (keep that input size).
    mutating func adaptiveSizes(_ name: String, count: Int) throws -> [Int?] {
        let invalid = ReferenceError.invalidArgument(
            module: module, name: name, expected: "a positive integer or a list of \(count) entries, each a positive integer or null")
        guard let value = raw(name), value != .null else { throw invalid }
        if let n = value.integerValue, n > 0 { return [Int?](repeating: n, count: count) }
        guard let list = value.arrayValue, list.count == count else { throw invalid }
        return try list.map { entry -> Int? in
            if entry == .null { return nil }
            guard let n = entry.integerValue, n > 0 else { throw invalid }
            return n
        }
    }
}
