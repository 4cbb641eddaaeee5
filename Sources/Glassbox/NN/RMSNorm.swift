import GlassboxKernels

/// Root-mean-square normalisation over the trailing `normalizedShape` dimensions, like
/// `torch.nn.RMSNorm`: `y = x / √(mean(x²) + ε) · weight`, the same in training and evaluation.
/// See ``rmsNorm(_:normalizedShape:weight:eps:)``.
///
/// Parameters (PyTorch names): `weight` shaped `normalizedShape` (ones) when `elementwiseAffine`.
public final class RMSNorm<Scalar: TensorScalar>: Layer {
    /// The trailing dimensions normalised together.
    public let normalizedShape: [Int]
    /// Added to the mean square; `nil` uses the machine epsilon of `Scalar` (PyTorch's `None`).
    public let eps: Double?
    /// `normalizedShape`, or `nil` without an elementwise affine map.
    public let weight: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults (`weight` ones, `eps` the machine epsilon).
    public init(normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true) {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
            "RMSNorm: normalizedShape \(normalizedShape) must be non-empty and positive")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, requiresGrad: true) : nil
    }

    /// `weight`, when present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        weight.map { [("weight", $0)] } ?? []
    }

    /// Normalises `input` `[*, normalizedShape]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        rmsNorm(input, normalizedShape: normalizedShape, weight: weight, eps: eps)
    }
}
