/// Layer normalisation over the trailing `normalizedShape` dimensions, like
/// `torch.nn.LayerNorm`: every row is normalised with its own statistics, the same in training
/// and evaluation. See ``layerNorm(_:normalizedShape:weight:bias:eps:)``.
///
/// Parameters (PyTorch names): `weight` (ones) and `bias` (zeros), both shaped
/// `normalizedShape`, when `elementwiseAffine` (`bias` only when `bias` is also true).
public final class LayerNorm<Scalar: TensorScalar>: Layer {
    /// The trailing dimensions normalised together.
    public let normalizedShape: [Int]
    /// Added to the variance.
    public let eps: Double
    /// `normalizedShape`, or `nil` without an elementwise affine map.
    public let weight: Tensor<Scalar>?
    /// `normalizedShape`, or `nil` without an affine map or with `bias: false`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults (`weight` ones, `bias` zeros).
    public init(normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
            "LayerNorm: normalizedShape \(normalizedShape) must be non-empty and positive")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, requiresGrad: true) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape, requiresGrad: true) : nil
    }

    /// Creates the layer normalising the last dimension of size `size`.
    public convenience init(_ size: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init(normalizedShape: [size], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    /// `weight`, then `bias`, where present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        [("weight", weight), ("bias", bias)].compactMap { name, t in t.map { (name, $0) } }
    }

    /// Normalises `input` `[*, normalizedShape]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}
