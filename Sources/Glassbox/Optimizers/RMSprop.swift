import GlassboxKernels

/// RMSprop, like `torch.optim.RMSprop`.
///
/// Per element, with `g` the gradient (negated when `maximize`):
/// ```
/// g ← g + λ·p                                 (weightDecay)
/// s ← α·s + (1 − α)·g²                        (square_avg)
/// a ← a + (1 − α)·(g − a)  if centered        (grad_avg)
/// r ← √(s − a²) if centered, else √s;  r ← r + ε
/// b ← μ·b + g/r;  p ← p − lr·b                (momentum μ > 0, momentum_buffer)
/// p ← p − lr·g/r                              (otherwise)
/// ```
public final class RMSprop<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated.
    public let parameters: [Tensor<Scalar>]
    /// The learning rate.
    public var learningRate: Double
    /// The learning rate schedulers start from.
    public var initialLearningRate: Double?
    /// Smoothing constant α.
    public var alpha: Double
    /// ε, added to the denominator.
    public var eps: Double
    /// L2 penalty λ.
    public var weightDecay: Double
    /// Momentum factor μ.
    public var momentum: Double
    /// Whether to normalise by the estimated variance (`s − a²`) instead of `s`.
    public var centered: Bool
    /// Maximise the objective instead of minimising it.
    public var maximize: Bool
    /// Per-parameter state (`square_avg`, `grad_avg`, `momentum_buffer`).
    public var state: [ParameterState<Scalar>]

    /// Creates the optimizer with PyTorch's defaults.
    public init(
        _ parameters: [Tensor<Scalar>], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        precondition(lr >= 0, "RMSprop: invalid learning rate \(lr)")
        precondition(alpha >= 0, "RMSprop: invalid alpha \(alpha)")
        precondition(eps >= 0, "RMSprop: invalid eps \(eps)")
        precondition(momentum >= 0, "RMSprop: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "RMSprop: invalid weightDecay \(weightDecay)")
        self.parameters = parameters
        self.learningRate = lr
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
        self.maximize = maximize
        self.state = Array(repeating: ParameterState(), count: parameters.count)
    }

    /// Applies one update: per parameter, the vectorised element loop of
    /// `GlassboxKernels.RMSpropUpdate` (bitwise the scalar formula above). In `Float`, the
    /// running averages are flushed to 0 below the normal range (see `flushSubnormal`).
    public func step() {
        let settings = RMSpropUpdate.Step<Scalar>(
            negativeLearningRate: Scalar(-learningRate), alpha: Scalar(alpha), oneMinusAlpha: Scalar(1 - alpha), eps: Scalar(eps),
            decay: Scalar(weightDecay), momentum: Scalar(momentum), maximize: maximize,
            flushSubnormals: Scalar.self == Float.self)
        let useMomentum = momentum > 0, centered = centered
        forEachParameterWithGradient { param, grad, state in
            let s = state.buffer("square_avg", like: param).elements
            let a = centered ? state.buffer("grad_avg", like: param).elements : nil
            let b = useMomentum ? state.buffer("momentum_buffer", like: param).elements : nil
            RMSpropUpdate.apply(
                settings, parameter: param.elements, gradient: UnsafePointer(grad.elements), squareAverage: s, gradientAverage: a,
                momentumBuffer: b, count: param.count)
        }
    }
}
