import GlassboxKernels

/// More activation functions (PyTorch's `hardtanh`, `hardswish`, `mish`, `selu`, …), each
/// composed of differentiable primitives so that their gradients (and higher derivatives) come
/// from those primitives. Kinks follow PyTorch's convention: the masks that select a branch are
/// computed without gradient, with PyTorch's strict or non-strict comparisons, so the gradient
/// at a boundary is the one PyTorch's backward kernel gives.
extension Tensor {
    /// `x` clamped to `[minVal, maxVal]`, like `torch.nn.functional.hardtanh`.
    /// Derivative: 1 where `minVal < x < maxVal` (strictly), else 0.
    public func hardtanh(minVal: Scalar = -1, maxVal: Scalar = 1) -> Tensor {
        let x = self
        let (inside, clamped) = withoutGrad {
            (x.isGreater(than: minVal) * x.isLess(than: maxVal), x.clamped(min: minVal, max: maxVal))
        }
        return Tensor.where(inside, x, clamped)
    }

    /// `min(max(x, 0), 6)`, like `torch.nn.functional.relu6` (``hardtanh(minVal:maxVal:)`` on
    /// `[0, 6]`).
    public func relu6() -> Tensor { hardtanh(minVal: 0, maxVal: 6) }

    /// `relu6(x + 3)/6`, like `torch.nn.functional.hardsigmoid`.
    /// Derivative: `1/6` where `−3 < x < 3` (strictly), else 0. As in PyTorch's backward kernel,
    /// that `1/6` is `Float(1)/Float(6)` in every precision (it differs from `1/6` in `Double`
    /// by 3·10⁻⁸ relative); the forward value is exact.
    public func hardsigmoid() -> Tensor {
        let x = self
        let (inside, value) = withoutGrad {
            (x.isGreater(than: -3) * x.isLess(than: 3), ((x + 3).clamped(min: 0, max: 6)) / 6)
        }
        let slope = Scalar(Float(1) / Float(6))
        return Tensor.where(inside, value + (x - x.detached()) * slope, value)
    }

    /// `x·relu6(x + 3)/6`, like `torch.nn.functional.hardswish`: 0 for `x < −3`,
    /// `x(x + 3)/6` for `−3 ≤ x ≤ 3`, `x` above. Derivative: 0, `(2x + 3)/6`, 1.
    public func hardswish() -> Tensor {
        let x = self
        let (below, above) = withoutGrad { (x.isLess(than: -3), x.isGreater(than: 3)) }
        let middle = x * (x + 3) / 6
        return Tensor.where(below, Tensor.zeros([]), Tensor.where(above, x, middle))
    }

    /// `x·tanh(softplus(x))`, like `torch.nn.functional.mish`.
    /// Derivative: `tanh(sp) + x·σ(x)·(1 − tanh²(sp))` with `sp = softplus(x)`.
    public func mish() -> Tensor { self * softplus().tanh() }

    /// `scale·elu(x, α)` with PyTorch's constants α ≈ 1.6733 and scale ≈ 1.0507, like
    /// `torch.nn.functional.selu`.
    public func selu() -> Tensor {
        let alpha = Scalar(1.6732632423543772848170429916717)
        let scale = Scalar(1.0507009873554804934193349852946)
        return elu(alpha: alpha) * scale
    }

    /// `max(0, x) + min(0, α(e^(x/α) − 1))`, like `torch.nn.functional.celu`; computed as
    /// `α·elu(x/α)`. Derivative: 1 for `x > 0`, else `e^(x/α)`.
    public func celu(alpha: Scalar = 1) -> Tensor {
        precondition(alpha != 0, "celu: alpha must be non-zero")
        return (self / alpha).elu() * alpha
    }

    /// Gated linear unit `a ⊗ σ(b)`, where `a` and `b` are the two halves of the input along
    /// `dim`, like `torch.nn.functional.glu`. The size along `dim` must be even.
    public func glu(dim: Int = -1) -> Tensor {
        precondition(rank > 0, "glu: input must have rank ≥ 1")
        let d = dim < 0 ? dim + rank : dim
        precondition((0..<rank).contains(d), "glu: dim \(dim) out of range for shape \(shape)")
        precondition(shape[d] % 2 == 0, "glu: size \(shape[d]) along dim \(dim) is not even")
        let halves = chunked(2, dim: d)
        return halves[0] * halves[1].sigmoid()
    }

    /// `log σ(x) = −softplus(−x)`, like `torch.nn.functional.logsigmoid`. Derivative: `σ(−x)`.
    public func logSigmoid() -> Tensor { -((-self).softplus()) }

    /// `x/(1 + |x|)`, like `torch.nn.functional.softsign`. Derivative: `1/(1 + |x|)²`.
    public func softsign() -> Tensor { self / (abs() + 1) }

    /// `x − λ` for `x > λ`, `x + λ` for `x < −λ`, else 0, like
    /// `torch.nn.functional.softshrink`. Derivative: 1 outside `[−λ, λ]`, else 0.
    public func softshrink(lambd: Scalar = 0.5) -> Tensor {
        let x = self
        let (above, below) = withoutGrad { (x.isGreater(than: lambd), x.isLess(than: -lambd)) }
        return Tensor.where(above, x - lambd, Tensor.where(below, x + lambd, Tensor.zeros([])))
    }

    /// `x` where `|x| > λ`, else 0, like `torch.nn.functional.hardshrink`. Derivative: 1 where
    /// `|x| > λ`, else 0.
    public func hardshrink(lambd: Scalar = 0.5) -> Tensor {
        let x = self
        let outside = withoutGrad { x.isGreater(than: lambd) + x.isLess(than: -lambd) }
        return Tensor.where(outside, x, Tensor.zeros([]))
    }

    /// `x − tanh(x)`, like `torch.nn.functional.tanhshrink`. Derivative: `tanh²(x)`.
    public func tanhshrink() -> Tensor { self - tanh() }

    /// `x` where `x > threshold`, else `value`, like `torch.nn.functional.threshold`.
    /// Derivative: 1 where `x > threshold`, else 0.
    public func threshold(_ threshold: Scalar, value: Scalar) -> Tensor {
        let x = self
        let above = withoutGrad { x.isGreater(than: threshold) }
        return Tensor.where(above, x, Tensor(value))
    }

    /// `softmax(−x)` along `dim`, like `torch.nn.functional.softmin`.
    public func softmin(dim: Int) -> Tensor { (-self).softmax(dim: dim) }

    /// Parametric ReLU, like `torch.nn.functional.prelu`: `x` where `x > 0`, else `w·x`, with
    /// `weight` of shape `[1]` (one slope) or `[C]` (one per channel, dimension 1 of the input).
    /// Derivatives: `∂x = 1` or `w`; `∂w = Σ x` over the negative positions of its channel.
    public func prelu(weight: Tensor) -> Tensor {
        precondition(weight.rank == 1, "prelu: weight must be 1-D, got \(weight.shape)")
        var w = weight
        if weight.count != 1 {
            precondition(
                rank >= 2 && shape[1] == weight.count,
                "prelu: weight of \(weight.count) slopes needs an input with \(weight.count) channels in dim 1, got \(shape)")
            var slopeShape = [Int](repeating: 1, count: rank)
            slopeShape[1] = weight.count
            w = weight.reshaped(slopeShape)
        } else {
            w = weight.reshaped([])
        }
        let x = self
        let positive = withoutGrad { x.isGreater(than: 0) }
        return Tensor.where(positive, x, x * w)
    }
}
