import GlassboxKernels

/// Activation functions, each a primitive with its own derivative (written with differentiable
/// operations, so second derivatives work).
extension Tensor {
    /// `max(x, 0)`. Derivative: 1 where `x > 0`, else 0.
    public func relu() -> Tensor {
        let x = self
        // The gradient is `g` where `x > 0` (or NaN), else 0, in one pass (PyTorch's
        // threshold_backward); a recorded gradient (createGraph) takes `x·[x > 0]`'s derivative.
        return Tensor.recordedFused(
            .relu, [x], outputs: [x.unaryKernel(.relu)],
            kernelBackward: { g, _ in [Tensor.binaryKernel(.reluGradient, g[0], x, name: "relu")] },
            composite: { inputs in [inputs[0] * inputs[0].unaryKernel(.positiveMask)] })[0]
    }

    /// `x` where `x > 0`, else `slope·x`.
    ///
    /// Forward and backward are one fused kernel pass each (`Elementwise.leakyRelu` in
    /// GlassboxKernels); a recorded backward (`createGraph`, as in WGAN-GP's penalty)
    /// differentiates the composite `x·f`, `f = [x > 0] + (1 − [x > 0])·slope` a constant.
    public func leakyRelu(negativeSlope slope: Scalar = 0.01) -> Tensor {
        let x = self
        let y = Tensor.empty(shape)
        Elementwise.leakyRelu(x.storage.pointer, y.storage.pointer, count: count, negativeSlope: slope)
        return Tensor.recordedFused(.leakyRelu, [x], outputs: [y]) { gradOutputs, _ in
            let dx = Tensor.empty(x.shape)
            Elementwise.leakyReluGradient(
                x.storage.pointer, gradOutputs[0].storage.pointer, dx.storage.pointer, count: x.count, negativeSlope: slope)
            return [dx]
        } composite: { inputs in
            let mask = inputs[0].unaryKernel(.positiveMask)
            let factor = withoutGrad { mask + (1 - mask) * slope }
            return [inputs[0] * factor]
        }[0]
    }

    /// `x` where `x > 0`, else `α(eˣ − 1)`. Derivative: 1, else `αeˣ`.
    public func elu(alpha: Scalar = 1) -> Tensor {
        let x = self
        let mask = x.unaryKernel(.positiveMask)
        let y = withoutGrad { mask * x + (1 - mask) * (x.exp() - 1) * alpha }
        return y.recorded(.elu, [x]) { g, _ in [g * (mask + (1 - mask) * x.exp() * alpha)] }
    }

    /// Which form of GELU to compute.
    public enum GELUApproximation: String, Sendable {
        /// `x·Φ(x)` with the exact normal CDF.
        case none
        /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
        case tanh
    }

    /// Gaussian error linear unit, exact (`approximate: .none`, PyTorch's default) or the tanh
    /// approximation.
    ///
    /// One fused kernel forward and one backward (`GELUKernel`); a recorded backward
    /// (`createGraph`) differentiates ``geluComposite(_:approximate:)`` instead, which computes
    /// the same bits with differentiable operations.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        let x = self
        let tanh = approximate == .tanh
        let y = Tensor.empty(x.shape)
        GELUKernel.forward(x.storage.pointer, y.storage.pointer, count: x.count, tanh: tanh)
        Tensor.recordedFused(tanh ? .geluTanh : .gelu, [x], outputs: [y]) { g, _ in
            precondition(g[0].count == x.count, "gelu: gradient \(g[0].shape) for input \(x.shape)")
            let dx = Tensor.empty(x.shape)
            GELUKernel.backward(x.storage.pointer, gradOutput: g[0].storage.pointer, gradInput: dx.storage.pointer, count: x.count, tanh: tanh)
            return [dx]
        } composite: { inputs in
            [Tensor.geluComposite(inputs[0], approximate: approximate)]
        }
        return y
    }

    /// GELU written with differentiable operations (the function the fused kernels compute, in
    /// the same order of operations).
    static func geluComposite(_ x: Tensor, approximate: GELUApproximation) -> Tensor {
        switch approximate {
        case .none:
            return x * ((x * Scalar(0.5).squareRoot()).erf() + 1) * 0.5
        case .tanh:
            let c = (2 / Scalar.pi).squareRoot()
            let k: Scalar = 0.044715
            return x * ((x + x * x * x * k) * c).tanh() * 0.5 + x * 0.5
        }
    }

    /// `x·σ(x)` (swish). Derivative: `σ(x)(1 + x(1 − σ(x)))`.
    ///
    /// Forward and backward are one fused kernel pass each (`SiLUKernels` in GlassboxKernels); a
    /// recorded backward (`createGraph`) differentiates the composite `x·σ(x)`.
    public func silu() -> Tensor {
        let x = self
        let y = Tensor.empty(shape)
        SiLUKernels.forward(x.storage.pointer, y.storage.pointer, count: count)
        return Tensor.recordedFused(.silu, [x], outputs: [y]) { gradOutputs, _ in
            let g = gradOutputs[0]
            let dx = Tensor.empty(x.shape)
            SiLUKernels.backward(x.storage.pointer, g.storage.pointer, dx.storage.pointer, count: x.count)
            return [dx]
        } composite: { inputs in
            [inputs[0] * inputs[0].sigmoid()]
        }[0]
    }

    /// `log(1 + e^(βx))/β`, linear where `βx > threshold` (PyTorch's defaults β = 1,
    /// threshold = 20). Derivative: `σ(βx)`.
    public func softplus(beta: Scalar = 1, threshold: Scalar = 20) -> Tensor {
        let x = self
        let linear = (x * beta).isGreater(than: threshold)
        let y = withoutGrad {
            Tensor.where(linear, x, ((x * beta).clamped(max: threshold).exp() + 1).log() / beta)
        }
        return y.recorded(.softplus, [x]) { g, _ in
            [g * Tensor.where(linear, Tensor.ones([]), (x * beta).sigmoid())]
        }
    }
}
