import GlassboxKernels

// More activation layers (PyTorch's ReLU6, Hardtanh, Mish, SELU, …): parameter-free modules
// wrapping the tensor activations of Ops/Activations+More.swift (math in Docs/NN.md), plus
// PReLU (one learned parameter), GLU, Threshold, Softmin, Softmax2d and RReLU in eval mode.

/// `min(max(x, 0), 6)`, like `torch.nn.ReLU6`.
public final class ReLU6<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/relu6()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.relu6() }
}

/// `x` clamped to `[minVal, maxVal]`, like `torch.nn.Hardtanh(min_val, max_val)`.
public final class Hardtanh<Scalar: TensorScalar>: Layer {
    /// The lower bound (PyTorch's `min_val`).
    public let minVal: Scalar
    /// The upper bound (PyTorch's `max_val`).
    public let maxVal: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults: minVal = -1, maxVal = 1).
    public init(minVal: Scalar = -1, maxVal: Scalar = 1) { self.minVal = minVal; self.maxVal = maxVal }
    /// Applies ``Tensor/hardtanh(minVal:maxVal:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.hardtanh(minVal: minVal, maxVal: maxVal) }
}

/// `x·relu6(x + 3)/6`, like `torch.nn.Hardswish`.
public final class Hardswish<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/hardswish()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.hardswish() }
}

/// `relu6(x + 3)/6`, like `torch.nn.Hardsigmoid`.
public final class Hardsigmoid<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/hardsigmoid()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.hardsigmoid() }
}

/// `x·tanh(softplus(x))`, like `torch.nn.Mish`.
public final class Mish<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/mish()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.mish() }
}

/// Scaled ELU with PyTorch's fixed α and scale, like `torch.nn.SELU`.
public final class SELU<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/selu()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.selu() }
}

/// `max(0, x) + min(0, α(e^(x/α) − 1))`, like `torch.nn.CELU(alpha)`.
public final class CELU<Scalar: TensorScalar>: Layer {
    /// α (non-zero).
    public let alpha: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults: alpha = 1).
    public init(alpha: Scalar = 1) { self.alpha = alpha }
    /// Applies ``Tensor/celu(alpha:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.celu(alpha: alpha) }
}

/// `log σ(x)`, like `torch.nn.LogSigmoid`.
public final class LogSigmoid<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/logSigmoid()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.logSigmoid() }
}

/// `x/(1 + |x|)`, like `torch.nn.Softsign`.
public final class Softsign<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/softsign()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.softsign() }
}

/// Soft shrinkage by `λ`, like `torch.nn.Softshrink(lambd)`.
public final class Softshrink<Scalar: TensorScalar>: Layer {
    /// λ (≥ 0).
    public let lambd: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults: lambd = 0.5).
    public init(lambd: Scalar = 0.5) { self.lambd = lambd }
    /// Applies ``Tensor/softshrink(lambd:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.softshrink(lambd: lambd) }
}

/// Hard shrinkage by `λ`, like `torch.nn.Hardshrink(lambd)`.
public final class Hardshrink<Scalar: TensorScalar>: Layer {
    /// λ.
    public let lambd: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults: lambd = 0.5).
    public init(lambd: Scalar = 0.5) { self.lambd = lambd }
    /// Applies ``Tensor/hardshrink(lambd:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.hardshrink(lambd: lambd) }
}

/// `x − tanh(x)`, like `torch.nn.Tanhshrink`.
public final class Tanhshrink<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/tanhshrink()``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.tanhshrink() }
}
/// `x` where `x > threshold`, else `value`, like `torch.nn.Threshold(threshold, value)`.
public final class Threshold<Scalar: TensorScalar>: Layer {
    /// The threshold (inputs at or below it are replaced).
    public let threshold: Scalar
    /// The replacement value.
    public let value: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (both arguments are required, as in PyTorch).
    public init(threshold: Scalar, value: Scalar) {
        self.threshold = threshold
        self.value = value
    }
    /// Applies ``Tensor/threshold(_:value:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.threshold(threshold, value: value) }
}

/// Gated linear unit along `dim`, like `torch.nn.GLU(dim)`.
public final class GLU<Scalar: TensorScalar>: Layer {
    /// The dimension split in halves (negative counts from the end; PyTorch's default −1).
    public let dim: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int = -1) { self.dim = dim }
    /// Applies ``Tensor/glu(dim:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.glu(dim: dim) }
}

/// `softmax(−x)` along `dim`, like `torch.nn.Softmin(dim=…)`.
public final class Softmin<Scalar: TensorScalar>: Layer {
    /// The dimension normalised (negative counts from the end).
    public let dim: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int) { self.dim = dim }
    /// Applies ``Tensor/softmin(dim:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.softmin(dim: dim) }
}

/// Softmax over the channels of `[N, C, H, W]` or `[C, H, W]` (dimension −3), like
/// `torch.nn.Softmax2d`.
public final class Softmax2d<Scalar: TensorScalar>: Layer {
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init() {}
    /// Applies ``Tensor/softmax(dim:)`` along dimension −3 (the input must have rank 3 or 4).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(input.rank == 3 || input.rank == 4, "Softmax2d: input must be [N, C, H, W] or [C, H, W], got \(input.shape)")
        return input.softmax(dim: input.rank - 3)
    }
}

/// Parametric ReLU with learned slopes, like `torch.nn.PReLU(num_parameters, init)`.
///
/// Parameter (PyTorch name and layout): `weight` `[numParameters]`, filled with `init`
/// (0.25 by default). One slope is shared by every element, or (`numParameters = C`) one per
/// channel, dimension 1 of the input.
public final class PReLU<Scalar: TensorScalar>: Layer {
    /// The number of slopes: 1 or the number of input channels.
    public let numParameters: Int
    /// The slopes, `[numParameters]`.
    public let weight: Tensor<Scalar>
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer with every slope equal to `init` (PyTorch's defaults 1 and 0.25).
    public convenience init(numParameters: Int = 1, init initialValue: Scalar = 0.25) {
        precondition(numParameters >= 1, "PReLU: numParameters must be ≥ 1, got \(numParameters)")
        self.init(weight: Tensor.full([numParameters], value: initialValue))
    }

    /// Creates the layer with the given slopes (made to require grad).
    public init(weight: Tensor<Scalar>) {
        precondition(weight.rank == 1 && weight.count >= 1, "PReLU: weight must be [numParameters], got \(weight.shape)")
        if weight.isLeaf { weight.requiresGrad = true }
        self.numParameters = weight.count
        self.weight = weight
    }

    /// `weight`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [("weight", weight)] }

    /// Applies ``Tensor/prelu(weight:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.prelu(weight: weight) }
}

/// Randomised leaky ReLU, like `torch.nn.RReLU(lower, upper)`: in evaluation mode (and in
/// training mode when `lower == upper`) a leaky ReLU with slope `(lower + upper)/2`.
///
/// Training mode with `lower < upper` draws a random slope per element, which Glassbox does not
/// reproduce: calling the layer then is a precondition failure.
public final class RReLU<Scalar: TensorScalar>: Layer {
    /// The lower bound of the random slope (PyTorch's default 1/8).
    public let lower: Scalar
    /// The upper bound of the random slope (PyTorch's default 1/3).
    public let upper: Scalar
    /// Training mode: random slopes (unsupported unless `lower == upper`).
    public var isTraining = true
    /// Creates the layer.
    public init(lower: Scalar = Scalar(1) / 8, upper: Scalar = Scalar(1) / 3) {
        precondition(lower <= upper, "RReLU: lower \(lower) exceeds upper \(upper)")
        self.lower = lower
        self.upper = upper
    }
    /// Applies ``Tensor/leakyRelu(negativeSlope:)`` with slope `(lower + upper)/2`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            !isTraining || lower == upper,
            "RReLU: training mode with lower < upper draws random slopes, which is not supported; use eval()")
        return input.leakyRelu(negativeSlope: (lower + upper) / 2)
    }
}
