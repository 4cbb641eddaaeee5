import GlassboxKernels

/// Group normalisation over `[N, C, *]`, like `torch.nn.GroupNorm`: the `numChannels` channels
/// of each sample are split into `numGroups` groups, each normalised with its own mean and
/// biased variance, then scaled and shifted per channel. The same in training and evaluation
/// (no running statistics). See ``groupNorm(_:numGroups:weight:bias:eps:)``.
///
/// Parameters (PyTorch names): `weight` `[C]` (ones) and `bias` `[C]` (zeros) when `affine`.
public final class GroupNorm<Scalar: TensorScalar>: Layer {
    /// The number of groups (a divisor of ``numChannels``).
    public let numGroups: Int
    /// The number of channels `C`.
    public let numChannels: Int
    /// Added to the variance.
    public let eps: Double
    /// Whether the layer has `weight` and `bias`.
    public let affine: Bool
    /// `[C]`, or `nil` when not `affine`.
    public let weight: Tensor<Scalar>?
    /// `[C]`, or `nil` when not `affine`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults (`weight` ones, `bias` zeros).
    public init(numGroups: Int, numChannels: Int, eps: Double = 1e-5, affine: Bool = true) {
        precondition(
            numGroups > 0 && numChannels > 0 && numChannels % numGroups == 0,
            "GroupNorm: numChannels \(numChannels) must be a positive multiple of numGroups \(numGroups)")
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        self.affine = affine
        weight = affine ? Tensor.ones([numChannels], requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numChannels], requiresGrad: true) : nil
    }

    /// `weight`, `bias` (when `affine`).
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// Normalises `input` `[N, numChannels, *]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            input.rank >= 2 && input.shape[1] == numChannels,
            "GroupNorm: expected an input of shape [N, \(numChannels), *], got \(input.shape)")
        return groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }

    /// Normalises `input` `[N, numChannels, *]` and applies `activation` in the same pass as the
    /// affine map: `norm(x, then: .silu)` has the values of `norm(x).silu()`, with one pass over
    /// the output each way instead of two.
    public func callAsFunction(_ input: Tensor<Scalar>, then activation: FusedActivation) -> Tensor<Scalar> {
        precondition(
            input.rank >= 2 && input.shape[1] == numChannels,
            "GroupNorm: expected an input of shape [N, \(numChannels), *], got \(input.shape)")
        return groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps, activation: activation)
    }
}
