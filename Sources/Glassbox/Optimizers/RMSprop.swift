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

    /// Applies one update.
    public func step() {
        // The update loop runs in code specialised for the concrete scalar type: called from
        // another module, this generic method would otherwise run every element through
        // generic witness calls (about 40× slower).
        if Scalar.self == Float.self {
            unsafeDowncast(self, to: RMSprop<Float>.self).update()
        } else if Scalar.self == Double.self {
            unsafeDowncast(self, to: RMSprop<Double>.self).update()
        } else {
            update()
        }
    }

    /// The update, with the loop over every parameter element.
    private final func update() {
        let negativeLR = Scalar(-learningRate), alpha = Scalar(alpha), oneMinusAlpha = Scalar(1 - self.alpha)
        let eps = Scalar(eps), decay = Scalar(weightDecay), mu = Scalar(momentum)
        let useMomentum = momentum > 0, centered = centered, maximize = maximize
        let flush = Scalar.self == Float.self  // see flushSubnormal(_:_:)
        forEachParameterWithGradient { param, grad, state in
            let p = param.elements, g = grad.elements
            let s = state.buffer("square_avg", like: param).elements
            let a = centered ? state.buffer("grad_avg", like: param).elements : nil
            let b = useMomentum ? state.buffer("momentum_buffer", like: param).elements : nil
            for i in 0..<param.count {
                var d = maximize ? -g[i] : g[i]
                if decay != 0 { d = d + decay * p[i] }
                s[i] = flushSubnormal(s[i] * alpha + oneMinusAlpha * d * d, flush)
                var r: Scalar
                if let a {
                    a[i] = flushSubnormal(lerp(a[i], d, oneMinusAlpha), flush)
                    r = (s[i] - a[i] * a[i]).squareRoot()
                } else {
                    r = s[i].squareRoot()
                }
                r = r + eps
                if let b {
                    b[i] = flushSubnormal(b[i] * mu + d / r, flush)
                    p[i] = p[i] + negativeLR * b[i]
                } else {
                    p[i] = p[i] + negativeLR * (d / r)
                }
            }
        }
    }
}
