import GlassboxKernels

/// Local response normalisation across channels of `[N, C, *]`, like
/// `torch.nn.LocalResponseNorm`; no parameters. See
/// ``localResponseNorm(_:size:alpha:beta:k:)``.
public final class LocalResponseNorm<Scalar: TensorScalar>: Layer {
    /// The number of neighbouring channels summed.
    public let size: Int
    /// The multiplicative factor (divided by `size`).
    public let alpha: Double
    /// The exponent.
    public let beta: Double
    /// The additive constant.
    public let k: Double
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer with PyTorch's defaults.
    public init(size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) {
        precondition(size > 0, "LocalResponseNorm: size must be positive, got \(size)")
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }

    /// Normalises `input` `[N, C, *]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        localResponseNorm(input, size: size, alpha: alpha, beta: beta, k: k)
    }
}
