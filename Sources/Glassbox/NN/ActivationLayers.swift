import GlassboxKernels

// Activation layers: parameter-free modules wrapping the tensor activations (whose forward and
// backward are documented on the Tensor methods and in Docs/NN.md).

/// `max(x, 0)`, like `torch.nn.ReLU`.
public final class ReLU<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/relu()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.relu() }
}

/// `x` for `x > 0`, else `negativeSlope·x`, like `torch.nn.LeakyReLU`.
public final class LeakyReLU<Scalar: TensorScalar>: Layer {
    /// The slope for negative inputs.
    public let negativeSlope: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's default slope 0.01).
    public init(negativeSlope: Scalar = 0.01) { self.negativeSlope = negativeSlope }
    /// Applies ``Tensor/leakyRelu(negativeSlope:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.leakyRelu(negativeSlope: negativeSlope)
    }
}

/// `x` for `x > 0`, else `α(eˣ − 1)`, like `torch.nn.ELU`.
public final class ELU<Scalar: TensorScalar>: Layer {
    /// α.
    public let alpha: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (α = 1 by default).
    public init(alpha: Scalar = 1) { self.alpha = alpha }
    /// Applies ``Tensor/elu(alpha:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.elu(alpha: alpha) }
}

/// Gaussian error linear unit, like `torch.nn.GELU(approximate=…)`.
public final class GELU<Scalar: TensorScalar>: Layer {
    /// Exact (`.none`, the default) or the tanh approximation.
    public let approximate: Tensor<Scalar>.GELUApproximation
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(approximate: Tensor<Scalar>.GELUApproximation = .none) { self.approximate = approximate }
    /// Applies ``Tensor/gelu(approximate:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.gelu(approximate: approximate) }
}

/// `x·σ(x)`, like `torch.nn.SiLU`.
public final class SiLU<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/silu()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.silu() }
}

/// `1/(1 + e⁻ˣ)`, like `torch.nn.Sigmoid`.
public final class Sigmoid<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/sigmoid()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.sigmoid() }
}

/// Hyperbolic tangent, like `torch.nn.Tanh`.
public final class Tanh<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/tanh()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.tanh() }
}

/// `log(1 + e^(βx))/β`, linear above `threshold`, like `torch.nn.Softplus`.
public final class Softplus<Scalar: TensorScalar>: Layer {
    /// β.
    public let beta: Scalar
    /// Above `βx > threshold` the function is the identity.
    public let threshold: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults β = 1, threshold = 20).
    public init(beta: Scalar = 1, threshold: Scalar = 20) {
        self.beta = beta
        self.threshold = threshold
    }
    /// Applies ``Tensor/softplus(beta:threshold:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.softplus(beta: beta, threshold: threshold)
    }
}

/// Softmax along `dim`, like `torch.nn.Softmax(dim=…)` (the dimension is required).
public final class Softmax<Scalar: TensorScalar>: Layer {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int) { self.dim = dim }
    /// Applies ``Tensor/softmax(dim:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.softmax(dim: dim) }
}

/// Log-softmax along `dim`, like `torch.nn.LogSoftmax(dim=…)`.
public final class LogSoftmax<Scalar: TensorScalar>: Layer {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int) { self.dim = dim }
    /// Applies ``Tensor/logSoftmax(dim:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.logSoftmax(dim: dim) }
}

/// The input unchanged, like `torch.nn.Identity`.
public final class Identity<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Returns `input`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input }
}
