import GlassboxIO

extension ReferenceRegistry {
    /// `Conv1d`, `Conv3d`, `ConvTranspose1d`, `ConvTranspose3d`.
    static func convolutionNDBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "Conv1d": { args, train in
                let c = try ConvolutionArguments(module: "Conv1d", dimensions: 1, transposed: false, &args)
                let layer = Conv1d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", c.weightShape), requiresGrad: true),
                    bias: try c.makeBias(&args), stride: c.stride[0], padding: c.padding, dilation: c.dilation[0],
                    groups: c.groups, paddingMode: c.paddingMode)
                return .layer(layer, train: train) { shape in try c.checkInput(shape) }
            },
            "Conv3d": { args, train in
                let c = try ConvolutionArguments(module: "Conv3d", dimensions: 3, transposed: false, &args)
                let layer = Conv3d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", c.weightShape), requiresGrad: true),
                    bias: try c.makeBias(&args), stride: c.stride, padding: c.padding, dilation: c.dilation,
                    groups: c.groups, paddingMode: c.paddingMode)
                return .layer(layer, train: train) { shape in try c.checkInput(shape) }
            },
            "ConvTranspose1d": { args, train in
                let c = try ConvolutionArguments(module: "ConvTranspose1d", dimensions: 1, transposed: true, &args)
                let layer = ConvTranspose1d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", c.weightShape), requiresGrad: true),
                    bias: try c.makeBias(&args), stride: c.stride[0], padding: c.explicitPadding[0],
                    outputPadding: c.outputPadding[0], groups: c.groups, dilation: c.dilation[0])
                return .layer(layer, train: train) { shape in try c.checkInput(shape) }
            },
            "ConvTranspose3d": { args, train in
                let c = try ConvolutionArguments(module: "ConvTranspose3d", dimensions: 3, transposed: true, &args)
                let layer = ConvTranspose3d<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", c.weightShape), requiresGrad: true),
                    bias: try c.makeBias(&args), stride: c.stride, padding: c.explicitPadding,
                    outputPadding: c.outputPadding, groups: c.groups, dilation: c.dilation)
                return .layer(layer, train: train) { shape in try c.checkInput(shape) }
            },
        ]
    }

    /// Reads a convolution's `padding_mode` (every mode for convolutions, `'zeros'` only for
    /// transposed ones, as in PyTorch).
    static func convolutionPaddingMode(_ module: String, transposed: Bool, _ args: inout ReferenceArguments) throws
        -> ConvPaddingMode
    {
        let mode = ConvPaddingMode(
            rawValue: try args.choice("padding_mode", ["zeros", "reflect", "replicate", "circular"], default: "zeros"))!
        if transposed && mode != .zeros {
            throw ReferenceError.invalidArgument(module: module, name: "padding_mode", expected: "'zeros' (the only mode of transposed convolutions)")
        }
        return mode
    }
}

/// The constructor arguments of an N-d convolution layer, checked as PyTorch checks them.
struct ConvolutionArguments {
    let module: String
    let dimensions: Int
    let transposed: Bool
    let inChannels: Int
    let outChannels: Int
    let kernel: [Int]
    let stride: [Int]
    let padding: ConvPaddingND
    let dilation: [Int]
    let outputPadding: [Int]
    let groups: Int
    let bias: Bool
    let paddingMode: ConvPaddingMode

    init(module: String, dimensions: Int, transposed: Bool, _ args: inout ReferenceArguments) throws {
        self.module = module
        self.dimensions = dimensions
        self.transposed = transposed
        inChannels = try args.int("in_channels")
        outChannels = try args.int("out_channels")
        kernel = try args.intList("kernel_size", count: dimensions)
        stride = args.raw("stride") == nil ? [Int](repeating: 1, count: dimensions) : try args.intList("stride", count: dimensions)
        dilation =
            args.raw("dilation") == nil ? [Int](repeating: 1, count: dimensions) : try args.intList("dilation", count: dimensions)
        groups = try args.int("groups", default: 1)
        bias = try args.bool("bias", default: true)
        guard groups > 0 else { throw ReferenceError.invalidArgument(module: module, name: "groups", expected: "> 0") }
        for (name, value) in [("in_channels", inChannels), ("out_channels", outChannels)] {
            guard value > 0 && value % groups == 0 else {
                throw ReferenceError.invalidArgument(module: module, name: name, expected: "> 0 and divisible by groups (\(groups))")
            }
        }
        for (name, value) in [("kernel_size", kernel), ("stride", stride), ("dilation", dilation)] where !value.allSatisfy({ $0 > 0 }) {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "> 0")
        }
        if !transposed && args.isString("padding") {
            padding = try args.choice("padding", ["same", "valid"], default: "valid") == "same" ? .same : .valid
            if padding == .same && !stride.allSatisfy({ $0 == 1 }) {
                throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "'same' only with stride 1")
            }
        } else {
            let amounts =
                args.raw("padding") == nil ? [Int](repeating: 0, count: dimensions) : try args.intList("padding", count: dimensions)
            guard amounts.allSatisfy({ $0 >= 0 }) else {
                throw ReferenceError.invalidArgument(module: module, name: "padding", expected: "≥ 0")
            }
            padding = .explicit(amounts)
        }
        if transposed {
            let extra =
                args.raw("output_padding") == nil
                ? [Int](repeating: 0, count: dimensions) : try args.intList("output_padding", count: dimensions)
            let (s, d) = (stride, dilation)
            outputPadding = extra
            guard (0..<dimensions).allSatisfy({ extra[$0] >= 0 && (extra[$0] < s[$0] || extra[$0] < d[$0]) }) else {
                throw ReferenceError.invalidArgument(
                    module: module, name: "output_padding", expected: "≥ 0 and smaller than the stride or the dilation")
            }
        } else {
            outputPadding = [Int](repeating: 0, count: dimensions)
        }
        paddingMode = try ReferenceRegistry.convolutionPaddingMode(module, transposed: transposed, &args)
    }

    /// The explicit padding amounts (transposed convolutions take no strings).
    var explicitPadding: [Int] {
        if case .explicit(let p) = padding { return expandedSizes(p, count: dimensions, name: "padding", op: module) }
        return [Int](repeating: 0, count: dimensions)
    }

    /// PyTorch's weight layout.
    var weightShape: [Int] {
        transposed ? [inChannels, outChannels / groups] + kernel : [outChannels, inChannels / groups] + kernel
    }

    /// A zero bias of `[outChannels]`, or `nil` for `bias=False`.
    func makeBias<Scalar: TensorScalar>(_ args: inout ReferenceArguments) throws -> Tensor<Scalar>? {
        bias ? Tensor.zeros(try args.parameterShape("bias", [outChannels]), requiresGrad: true) : nil
    }

    /// Checks a batched or unbatched input with `inChannels` channels whose padded size fits the
    /// dilated kernel (or whose transposed output size is positive).
    func checkInput(_ shape: [Int]) throws {
        guard shape.count == dimensions + 1 || shape.count == dimensions + 2 else {
            throw ReferenceError.invalidInput(
                name: "input", problem: "has shape \(shape), expected rank \(dimensions + 2) (batched) or \(dimensions + 1)")
        }
        guard shape[shape.count - dimensions - 1] == inChannels else {
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected \(inChannels) channels")
        }
        let spatial = Array(shape.suffix(dimensions))
        if transposed {
            let pads = explicitPadding
            let sizes = (0..<dimensions).map { d -> Int in
                let span: Int = dilation[d] * (kernel[d] - 1) + outputPadding[d] + 1
                return (spatial[d] - 1) * stride[d] - 2 * pads[d] + span
            }
            guard sizes.allSatisfy({ $0 > 0 }) && spatial.allSatisfy({ $0 > 0 }) else {
                throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): the output size \(sizes) is not positive")
            }
            return
        }
        let amounts = padding.amounts(kernel: kernel, dilation: dilation)
        if let mode = paddingMode.explicitMode {
            try ReferenceRegistry.checkPadding(
                shape, padding: amounts.reversed().flatMap { [$0.before, $0.after] }, mode: mode, dimensions: dimensions)
        }
        for d in 0..<dimensions where spatial[d] + amounts[d].before + amounts[d].after < dilation[d] * (kernel[d] - 1) + 1 {
            throw ReferenceError.invalidInput(
                name: "input", problem: "has shape \(shape): the padded size is smaller than the dilated kernel")
        }
    }
}
