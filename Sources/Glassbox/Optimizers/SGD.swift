import GlassboxKernels

/// Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov
/// momentum, like `torch.optim.SGD`.
///
/// Per element, with `g` the gradient (negated when `maximize`):
/// ```
/// g ← g + λ·p                                   (weightDecay λ ≠ 0)
/// b ← g at the first step, else μ·b + (1 − τ)·g   (momentum μ ≠ 0, dampening τ)
/// g ← g + μ·b if nesterov, else b
/// p ← p − lr·g
/// ```
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The parameters updated.
    public let parameters: [Tensor<Scalar>]
    /// The learning rate.
    public var learningRate: Double
    /// The learning rate schedulers start from.
    public var initialLearningRate: Double?
    /// Momentum factor μ.
    public var momentum: Double
    /// Dampening τ for momentum.
    public var dampening: Double
    /// L2 penalty λ (added to the gradient).
    public var weightDecay: Double
    /// Whether to use Nesterov momentum.
    public var nesterov: Bool
    /// Maximise the objective instead of minimising it.
    public var maximize: Bool
    /// Per-parameter state (`momentum_buffer`).
    public var state: [ParameterState<Scalar>]

    /// Creates the optimizer with PyTorch's defaults (`lr` 1e-3 as in torch ≥ 2.2).
    public init(
        _ parameters: [Tensor<Scalar>], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
    ) {
        precondition(lr >= 0, "SGD: invalid learning rate \(lr)")
        precondition(momentum >= 0, "SGD: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "SGD: invalid weightDecay \(weightDecay)")
        precondition(
            !nesterov || (momentum > 0 && dampening == 0),
            "SGD: Nesterov momentum requires a momentum and zero dampening")
        self.parameters = parameters
        self.learningRate = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.maximize = maximize
        self.state = Array(repeating: ParameterState(), count: parameters.count)
    }

    /// Applies one update.
    public func step() {
        // The update loop runs in code specialised for the concrete scalar type: called from
        // another module, this generic method would otherwise run every element through
        // generic witness calls (about 40× slower).
        if Scalar.self == Float.self {
            unsafeDowncast(self, to: SGD<Float>.self).update()
        } else if Scalar.self == Double.self {
            unsafeDowncast(self, to: SGD<Double>.self).update()
        } else {
            update()
        }
    }

    /// The update, with the loop over every parameter element.
    private final func update() {
        let lr = Scalar(learningRate), mu = Scalar(momentum), decay = Scalar(weightDecay)
        let oneMinusDampening = Scalar(1 - dampening)
        let useMomentum = momentum != 0, nesterov = nesterov, maximize = maximize
        let flush = Scalar.self == Float.self  // see flushSubnormal(_:_:)
        forEachParameterWithGradient { param, grad, state in
            let p = param.elements, g = grad.elements
            let isFirst = state.buffers["momentum_buffer"] == nil
            let b = useMomentum ? state.buffer("momentum_buffer", like: param).elements : nil
            for i in 0..<param.count {
                var d = maximize ? -g[i] : g[i]
                if decay != 0 { d = d + decay * p[i] }
                if let b {
                    b[i] = flushSubnormal(isFirst ? d : b[i] * mu + oneMinusDampening * d, flush)
                    d = nesterov ? d + mu * b[i] : b[i]
                }
                p[i] = p[i] - lr * d
            }
        }
    }
}
