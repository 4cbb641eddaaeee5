import GlassboxIO

extension ReferenceRegistry {
    /// `Conv2d`, `ConvTranspose2d`.
    static func convolutionBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "Conv2d": { args, train in
                let module = "Conv2d"
                let (inChannels, outChannels, kernel, groups, bias) = try convolutionChannels(module, &args)
                let stride = try positive(module, "stride", args.size2D("stride", default: 1))
                let padding: ConvPadding
                if args.isString("padding") {
                    padding = try args.choice("padding", ["same", "valid"], default: "valid") == "same" ? .same : .valid
                    if padding == .same && stride != 1 {
                        throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "'same' only with stride 1")
                    }
                } else {
                    let size = try args.size2D("padding", default: 0)
                    guard size.height >= 0 && size.width >= 0 else {
                        throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "≥ 0")
                    }
                    padding = .explicit(height: size.height, width: size.width)
                }
                let dilation = try positive(module, "dilation", args.size2D("dilation", default: 1))
                let paddingMode = try convolutionPaddingMode(module, transposed: false, &args)
                let layer = Conv2d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [outChannels, inChannels / groups, kernel.height, kernel.width]), requiresGrad: true),
                    bias: bias ? Tensor.zeros(try args.parameterShape("bias", [outChannels]), requiresGrad: true) : nil, stride: stride, padding: padding,
                    dilation: dilation, groups: groups, paddingMode: paddingMode)
                return .layer(layer, train: train) { shape in
                    try checkImage(shape, channels: inChannels)
                    let pad = padding.resolved(kernel: kernel, dilation: dilation)
                    if let mode = paddingMode.explicitMode {
                        let (top, left) = (pad.top, pad.left)
                        try checkPadding(shape, padding: [left, pad.width - left, top, pad.height - top], mode: mode, dimensions: 2)
                    }
                    let height = shape[shape.count - 2] + pad.height, width = shape[shape.count - 1] + pad.width
                    guard height >= dilation.height * (kernel.height - 1) + 1, width >= dilation.width * (kernel.width - 1) + 1 else {
                        throw ReferenceError.invalidInput(
                            name: "input",
                            problem: "has shape \(shape): padded size (\(height), \(width)) is smaller than the dilated kernel")
                    }
                }
            },
            "ConvTranspose2d": { args, train in
                let module = "ConvTranspose2d"
                let (inChannels, outChannels, kernel, groups, bias) = try convolutionChannels(module, &args)
                let stride = try positive(module, "stride", args.size2D("stride", default: 1))
                let padding = try args.size2D("padding", default: 0)
                let outputPadding = try args.size2D("output_padding", default: 0)
                let dilation = try positive(module, "dilation", args.size2D("dilation", default: 1))
                guard padding.height >= 0 && padding.width >= 0 else {
                    throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "≥ 0")
                }
                guard outputPadding.height >= 0, outputPadding.width >= 0,
                    outputPadding.height < stride.height || outputPadding.height < dilation.height,
                    outputPadding.width < stride.width || outputPadding.width < dilation.width
                else {
                    throw ReferenceError.invalidArgument(
                        module: module, name: "output_padding", expected: "≥ 0 and smaller than the stride or the dilation")
                }
                try zerosPaddingMode(module, &args)
                let layer = ConvTranspose2d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [inChannels, outChannels / groups, kernel.height, kernel.width]), requiresGrad: true),
                    bias: bias ? Tensor.zeros(try args.parameterShape("bias", [outChannels]), requiresGrad: true) : nil, stride: stride, padding: padding,
                    outputPadding: outputPadding, groups: groups, dilation: dilation)
                return .layer(layer, train: train) { shape in
                    try checkImage(shape, channels: inChannels)
                    let (h, w) = (shape[shape.count - 2], shape[shape.count - 1])
                    let sizes = [
                        (h - 1) * stride.height - 2 * padding.height + dilation.height * (kernel.height - 1) + outputPadding.height + 1,
                        (w - 1) * stride.width - 2 * padding.width + dilation.width * (kernel.width - 1) + outputPadding.width + 1,
                    ]
                    guard sizes.allSatisfy({ $0 > 0 }) else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): the output size \(sizes) is not positive")
                    }
                }
            },
        ]
    }

    /// `in_channels`, `out_channels`, `kernel_size`, `groups`, `bias`, checked.
    private static func convolutionChannels(_ module: String, _ args: inout ReferenceArguments) throws
        -> (Int, Int, Size2D, Int, Bool)
    {
        let inChannels = try args.int("in_channels")
        let outChannels = try args.int("out_channels")
        let kernel = try positive(module, "kernel_size", args.size2D("kernel_size"))
        let groups = try args.int("groups", default: 1)
        let bias = try args.bool("bias", default: true)
        guard groups > 0 else { throw ReferenceError.invalidArgument(module: module, name: "groups", expected: "> 0") }
        for (name, value) in [("in_channels", inChannels), ("out_channels", outChannels)] {
            guard value > 0 && value % groups == 0 else {
                throw ReferenceError.invalidArgument(module: module, name: name, expected: "> 0 and divisible by groups (\(groups))")
            }
        }
        return (inChannels, outChannels, kernel, groups, bias)
    }

    /// `size`, or an error naming the argument unless both parts are positive.
    private static func positive(_ module: String, _ name: String, _ size: Size2D) throws -> Size2D {
        guard size.height > 0 && size.width > 0 else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "> 0")
        }
        return size
    }

    /// Reads `padding_mode`: only PyTorch's default `'zeros'` is implemented.
    private static func zerosPaddingMode(_ module: String, _ args: inout ReferenceArguments) throws {
        let mode = try args.choice("padding_mode", ["zeros", "reflect", "replicate", "circular"], default: "zeros")
        guard mode == "zeros" else {
            throw ReferenceError.unsupported("\(module): padding_mode '\(mode)' is not implemented (only 'zeros')")
        }
    }

    /// Checks an image input: `[N, C, H, W]` or `[C, H, W]` with `channels` channels.
    private static func checkImage(_ shape: [Int], channels: Int) throws {
        guard shape.count == 3 || shape.count == 4 else {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [N, C, H, W] or [C, H, W]")
        }
        guard shape[shape.count - 3] == channels else {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected \(channels) channels")
        }
    }
}
