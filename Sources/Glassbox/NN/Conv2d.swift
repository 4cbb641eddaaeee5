import GlassboxKernels

/// How a convolution layer pads its input, like PyTorch's `padding_mode`. With any mode but
/// `zeros` the layer pads with ``pad(_:_:mode:value:)`` first and convolves without padding, as
/// PyTorch does. Transposed convolutions take `zeros` only.
public enum ConvPaddingMode: String, Sendable {
    /// Pad with zeros (PyTorch's default, `'zeros'`).
    case zeros
    /// Mirror the input at its edges (``PaddingMode/reflect``).
    case reflect
    /// Repeat the edge elements (``PaddingMode/replicate``).
    case replicate
    /// Wrap around (``PaddingMode/circular``).
    case circular

    /// The ``PaddingMode`` of the explicit padding step, `nil` for `zeros`.
    var explicitMode: PaddingMode? {
        switch self {
        case .zeros: nil
        case .reflect: .reflect
        case .replicate: .replicate
        case .circular: .circular
        }
    }
}

/// Pads `input` in `mode` by `amounts` (`(before, after)` per spatial dimension, first to last)
/// in PyTorch's `_reversed_padding_repeated_twice` order: what a convolution layer with a
/// non-`zeros` `padding_mode` does before convolving without padding.
func convolutionModePadded<Scalar>(
    _ input: Tensor<Scalar>, _ amounts: [(before: Int, after: Int)], mode: PaddingMode
) -> Tensor<Scalar> {
    pad(input, amounts.reversed().flatMap { [$0.before, $0.after] }, mode: mode)
}

/// A 2-D convolution layer, like `torch.nn.Conv2d`: ``conv2d(_:weight:bias:stride:padding:dilation:groups:)``
/// with its own weight and bias, on `[N, inChannels, H, W]` or `[inChannels, H, W]` inputs.
///
/// Parameters (PyTorch names and layouts): `weight` `[outChannels, inChannels / groups,
/// kernelHeight, kernelWidth]`, `bias` `[outChannels]` (absent when `bias: false`). Both are
/// initialised from `U(−1/√fanIn, 1/√fanIn)` with `fanIn = inChannels / groups · kernelHeight ·
/// kernelWidth`, which is what PyTorch's `kaiming_uniform_(a=√5)` and its bias rule give.
public final class Conv2d<Scalar: TensorScalar>: Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// `(kernelHeight, kernelWidth)`.
    public let kernelSize: Size2D
    /// The stride of the window.
    public let stride: Size2D
    /// Zeros added around the input (or `.same` / `.valid`).
    public let padding: ConvPadding
    /// The spacing between kernel taps.
    public let dilation: Size2D
    /// Input and output channels are split into this many groups, convolved separately.
    public let groups: Int
    /// How the input is padded: zeros, or reflected, replicated or circular values.
    public let paddingMode: ConvPaddingMode
    /// `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`.
    public let weight: Tensor<Scalar>
    /// `[outChannels]`, or `nil` for a layer created with `bias: false`.
    public let bias: Tensor<Scalar>?
    /// Whether the module is in training mode (no effect on this layer).
    public var isTraining = true

    /// Creates a layer initialised from `generator` (weight first, then bias).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: ConvPadding = 0,
        dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, paddingMode: ConvPaddingMode = .zeros,
        generator: inout RandomGenerator
    ) {
        let (w, b) = Self.initialParameters(inChannels, outChannels, kernelSize, groups, bias, &generator)
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups,
            paddingMode: paddingMode)
    }

    /// Creates a layer initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: Size2D, stride: Size2D = 1, padding: ConvPadding = 0,
        dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, paddingMode: ConvPaddingMode = .zeros
    ) {
        let (w, b) = RandomGenerator.withGlobal {
            Self.initialParameters(inChannels, outChannels, kernelSize, groups, bias, &$0)
        }
        self.init(
            weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups,
            paddingMode: paddingMode)
    }

    private static func initialParameters(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: Size2D, _ groups: Int, _ bias: Bool,
        _ generator: inout RandomGenerator
    ) -> (Tensor<Scalar>, Tensor<Scalar>?) {
        precondition(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv2d: \(inChannels) input and \(outChannels) output channels must be positive and divisible by \(groups) groups")
        return convolutionParameters(
            weightShape: [outChannels, inChannels / groups, kernelSize.height, kernelSize.width],
            biasCount: bias ? outChannels : nil, generator: &generator)
    }

    /// Creates a layer with the given parameters (used as they are: shared, and made to
    /// require grad). `weight` is `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`.
    public init(
        weight: Tensor<Scalar>, bias: Tensor<Scalar>?, stride: Size2D = 1, padding: ConvPadding = 0,
        dilation: Size2D = 1, groups: Int = 1, paddingMode: ConvPaddingMode = .zeros
    ) {
        precondition(
            weight.rank == 4 && weight.shape.allSatisfy { $0 > 0 },
            "Conv2d: weight must be [out, in/groups, kH, kW], got \(weight.shape)")
        precondition(
            groups > 0 && weight.shape[0] % groups == 0,
            "Conv2d: \(weight.shape[0]) output channels are not divisible by \(groups) groups")
        if let bias {
            precondition(bias.shape == [weight.shape[0]], "Conv2d: bias shape \(bias.shape), expected [\(weight.shape[0])]")
            if bias.isLeaf { bias.requiresGrad = true }
        }
        if weight.isLeaf { weight.requiresGrad = true }
        self.inChannels = weight.shape[1] * groups
        self.outChannels = weight.shape[0]
        self.kernelSize = Size2D(weight.shape[2], weight.shape[3])
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.paddingMode = paddingMode
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `[N, inChannels, H, W]` → `[N, outChannels, OH, OW]` (or unbatched).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mode = paddingMode.explicitMode else {
            return conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let amounts: [(before: Int, after: Int)]
        switch padding {
        case .explicit(let h, let w): amounts = [(h, h), (w, w)]
        case .valid: amounts = [(0, 0), (0, 0)]
        case .same:
            amounts = [(kernelSize.height, dilation.height), (kernelSize.width, dilation.width)].map { k, d in
                (d * (k - 1) / 2, d * (k - 1) - d * (k - 1) / 2)
            }
        }
        return conv2d(
            convolutionModePadded(input, amounts, mode: mode), weight: weight, bias: bias, stride: stride, padding: .valid,
            dilation: dilation, groups: groups)
    }
}

/// A convolution layer's initial parameters: weight and (when `biasCount` is given) bias from
/// `U(−1/√fanIn, 1/√fanIn)`, `fanIn = weightShape[1] · kernelHeight · kernelWidth`, as
/// PyTorch's `_ConvNd.reset_parameters` computes for both `Conv2d` and `ConvTranspose2d`.
func convolutionParameters<Scalar: TensorScalar>(
    weightShape: [Int], biasCount: Int?, generator: inout RandomGenerator
) -> (Tensor<Scalar>, Tensor<Scalar>?) {
    precondition(weightShape.allSatisfy { $0 > 0 }, "convolution layer: invalid weight shape \(weightShape)")
    let fanIn = weightShape[1...].reduce(1, *)
    let bound = 1 / Scalar(fanIn).squareRoot()
    let w = Tensor<Scalar>.uniform(weightShape, low: -bound, high: bound, generator: &generator)
    let b = biasCount.map { Tensor<Scalar>.uniform([$0], low: -bound, high: bound, generator: &generator) }
    return (w, b)
}
