import GlassboxKernels

/// Adam, like `torch.optim.Adam` (with `amsgrad` optional); ``AdamW`` is the same with
/// decoupled weight decay.
///
/// Per element at step `t`, with `g` the gradient (negated when `maximize`):
/// ```
/// p ← p·(1 − lr·λ)                          (AdamW, decoupled)   or   g ← g + λ·p  (Adam)
/// m ← m + (1 − β₁)·(g − m)                   (exp_avg, torch.lerp)
/// v ← β₂·v + (1 − β₂)·g²                     (exp_avg_sq)
/// v̂ ← max(v̂, v) if amsgrad, else v            (max_exp_avg_sq)
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
/// ```
/// In `Float`, `m` and `v` are flushed to 0 where they fall below the normal range (see
/// `flushSubnormal`): otherwise the moments of parameters whose gradient stays 0 (dead
/// ReLU units) decay into the subnormals and stick there, and every later step pays for
/// subnormal arithmetic. `Double` keeps IEEE semantics.
public class Adam<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated.
    public let parameters: [Tensor<Scalar>]
    /// The learning rate.
    public var learningRate: Double
    /// The learning rate schedulers start from.
    public var initialLearningRate: Double?
    /// `(β₁, β₂)`: decay rates of the first and second moment estimates.
    public var betas: (Double, Double)
    /// ε, added to the denominator.
    public var eps: Double
    /// Weight decay λ (an L2 penalty for Adam, decoupled for AdamW).
    public var weightDecay: Double
    /// Whether to use the AMSGrad variant (the running maximum of `v`).
    public var amsgrad: Bool
    /// Maximise the objective instead of minimising it.
    public var maximize: Bool
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public let decoupledWeightDecay: Bool
    /// Per-parameter state (`exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`).
    public var state: [ParameterState<Scalar>]

    /// Creates the optimizer with PyTorch's defaults.
    public init(
        _ parameters: [Tensor<Scalar>], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        precondition(lr >= 0, "Adam: invalid learning rate \(lr)")
        precondition(eps >= 0, "Adam: invalid eps \(eps)")
        precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1, "Adam: invalid betas \(betas)")
        precondition(weightDecay >= 0, "Adam: invalid weightDecay \(weightDecay)")
        self.parameters = parameters
        self.learningRate = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupledWeightDecay = decoupledWeightDecay
        self.state = Array(repeating: ParameterState(), count: parameters.count)
    }

    /// Applies one update: per parameter, the vectorised element loop of
    /// `GlassboxKernels.AdamUpdate` (bitwise the scalar formula above).
    public func step() {
        let lrD = learningRate, (beta1D, beta2D) = betas
        let flush = Scalar.self == Float.self
        forEachParameterWithGradient { param, grad, state in
            let t = Double(state.step)
            let biasCorrection1 = 1 - _pow(beta1D, t)
            let biasCorrection2 = 1 - _pow(beta2D, t)
            let settings = AdamUpdate.Step<Scalar>(
                negativeStepSize: Scalar(-(lrD / biasCorrection1)), biasCorrection2Sqrt: Scalar(biasCorrection2.squareRoot()),
                eps: Scalar(eps), oneMinusBeta1: Scalar(1 - beta1D), beta2: Scalar(beta2D), oneMinusBeta2: Scalar(1 - beta2D),
                decay: Scalar(weightDecay), decoupled: decoupledWeightDecay, decoupledFactor: Scalar(1 - lrD * weightDecay),
                maximize: maximize, flushSubnormals: flush)
            let m = state.buffer("exp_avg", like: param).elements
            let v = state.buffer("exp_avg_sq", like: param).elements
            let vMax = amsgrad ? state.buffer("max_exp_avg_sq", like: param).elements : nil
            AdamUpdate.apply(
                settings, parameter: param.elements, gradient: UnsafePointer(grad.elements), firstMoment: m, secondMoment: v,
                maxSecondMoment: vMax, count: param.count)
        }
    }
}

/// Adam with decoupled weight decay, like `torch.optim.AdamW` (default `weightDecay` 1e-2):
/// each step first shrinks `p ← p·(1 − lr·λ)`, then applies the Adam update to the undecayed
/// gradient.
public final class AdamW<Scalar: TensorScalar>: Adam<Scalar> {
    /// Creates the optimizer with PyTorch's defaults.
    public init(
        _ parameters: [Tensor<Scalar>], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        super.init(
            parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
            maximize: maximize, decoupledWeightDecay: true)
    }
}

/// `base^exponent` in Double (Foundation-free).
func _pow(_ base: Double, _ exponent: Double) -> Double {
    LibM.pow(base, exponent)
}
