import GlassboxKernels

/// A 2-D transposed convolution layer, like `torch.nn.ConvTranspose2d`:
/// ``convTranspose2d(_:weight:bias:stride:padding:outputPadding:groups:dilation:)`` with its own
/// weight and bias, on `[N, inChannels, H, W]` or `[inChannels, H, W]` inputs. With stride `s`
/// it upsamples by `s` (the generators of GANs).
///
/// Parameters (PyTorch names and layouts): `weight` `[inChannels, outChannels / groups,
/// kernelHeight, kernelWidth]`, `bias` `[outChannels]` (absent when `bias: false`). Both are
/// initialised from `U(−1/√fanIn, 1/√fanIn)` with PyTorch's `fanIn = weight.size(1) ·
/// kernelHeight · kernelWidth = outChannels / groups · kernelHeight · kernelWidth`.
public final class ConvTranspose2d<Scalar: TensorScalar>: Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// `(kernelHeight, kernelWidth)`.
    public let kernelSize: Size2D
    /// The upsampling stride.
    public let stride: Size2D
    /// `dilation·(kernel − 1) − padding` zeros are added around the input (PyTorch's meaning).
    public let padding: Size2D
    /// Extra rows and columns at the bottom and right of the output (smaller than the stride
    /// or the dilation), to reach sizes the stride skips.
    public let outputPadding: Size2D
    /// Input and output channels are split into this many groups, convolved separately.
    public let groups: Int
    /// The spacing between kernel taps.
    public let dilation: Size2D
    /// How the input is padded (zeros).
    public let paddingMode: ConvPaddingMode
    /// `[inChannels, outChannels / groups, kernelHeight, kernelWidth]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil` for a layer created with `bias: false`.
    public let bias: Tensor<Scalar>?
    /// Whether the module is in training mode (no effect on this layer).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, groups: Int = 1, bias: Bool = true, dilation: Size2D = 1,
        paddingMode: ConvPaddingMode = .zeros, generator: inout RandomGenerator
    ) {
        let (w, b) = Self.initialParameters(inChannels, outChannels, kernelSize, groups, bias, &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
            dilation: dilation, paddingMode: paddingMode)
    }

    /// Creates a layer initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, groups: Int = 1, bias: Bool = true, dilation: Size2D = 1,
        paddingMode: ConvPaddingMode = .zeros
    ) {
        let (w, b) = RandomGenerator.withGlobal {
            Self.initialParameters(inChannels, outChannels, kernelSize, groups, bias, &$0)
        }
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
            dilation: dilation, paddingMode: paddingMode)
    }

    private static func initialParameters(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: Size2D, _ groups: Int, _ bias: Bool,
        _ generator: inout RandomGenerator
    ) -> (Tensor<Scalar>, Tensor<Scalar>?) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "ConvTranspose2d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        return convolutionParameters(
            weightShape: [inChannels, outChannels / groups, kernelSize.height, kernelSize.width],
            biasCount: bias ? outChannels : nil, generator: &generator)
    }

    /// Creates a layer with the given parameters (used as they are: shared, and made to
    /// require grad). `weight` is `[inChannels, outChannels / groups, kernelHeight, kernelWidth]`.
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Size2D = 1, padding: Size2D = 0,
        outputPadding: Size2D = 0, groups: Int = 1, dilation: Size2D = 1, paddingMode: ConvPaddingMode = .zeros
    ) {
        precondition(
            weight.rank == 4 && weight.shape.allSatisfy { $0 > 0 },
            "ConvTranspose2d: weight must be [in, out/groups, kH, kW], got \(weight.shape)")
        precondition(
            groups > 0 && weight.shape[0] % groups == 0,
            "ConvTranspose2d: \(weight.shape[0]) input channels are not divisible by \(groups) groups")
        let outChannels = weight.shape[1] * groups
        if let bias {
            precondition(bias.shape == [outChannels], "ConvTranspose2d: bias shape \(bias.shape), expected [\(outChannels)]")
            if bias.isLeaf { bias.requiresGrad = true }
        }
        if weight.isLeaf { weight.requiresGrad = true }
        self.inChannels = weight.shape[0]
        self.outChannels = outChannels
        self.kernelSize = Size2D(weight.shape[2], weight.shape[3])
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
        self.dilation = dilation
        precondition(paddingMode == .zeros, "ConvTranspose2d: only paddingMode .zeros is supported, as in PyTorch")
        self.paddingMode = paddingMode
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, H, W]` → `[N, outChannels, OH, OW]` (or unbatched), with
    /// `OH = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        convTranspose2d(
            input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
            groups: groups, dilation: dilation)
    }
}
