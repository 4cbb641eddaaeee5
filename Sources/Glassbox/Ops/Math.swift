import GlassboxKernels

/// Elementwise mathematical functions, each with its derivative beside it.
extension Tensor {
    /// `eˣ`. Derivative: `eˣ` (the output).
    public func exp() -> Tensor {
        let x = self
        return x.unaryKernel(.exp).recorded(.exp, [x]) { g, y in [g * y] }
    }

    /// Natural logarithm. Derivative: `1/x`.
    public func log() -> Tensor {
        let x = self
        return x.unaryKernel(.log).recorded(.log, [x]) { g, _ in [g / x] }
    }

    /// Square root. Derivative: `1/(2√x)`.
    public func sqrt() -> Tensor {
        let x = self
        return x.unaryKernel(.sqrt).recorded(.sqrt, [x]) { g, y in [g * 0.5 / y] }
    }

    /// Hyperbolic tangent. Derivative: `1 − y²`.
    public func tanh() -> Tensor {
        let x = self
        return x.unaryKernel(.tanh).recorded(.tanh, [x]) { g, y in [g * (1 - y * y)] }
    }

    /// Logistic sigmoid `1/(1+e⁻ˣ)`. Derivative: `y(1 − y)`.
    public func sigmoid() -> Tensor {
        let x = self
        return x.unaryKernel(.sigmoid).recorded(.sigmoid, [x]) { g, y in [g * y * (1 - y)] }
    }

    /// Absolute value. Derivative: `sign(x)` (0 at 0, as PyTorch).
    public func abs() -> Tensor {
        let x = self
        return x.unaryKernel(.abs).recorded(.abs, [x]) { g, _ in [g * x.unaryKernel(.sign)] }
    }

    /// Sine. Derivative: `cos x`.
    public func sin() -> Tensor {
        let x = self
        return x.unaryKernel(.sin).recorded(.sin, [x]) { g, _ in [g * x.cos()] }
    }

    /// Cosine. Derivative: `−sin x`.
    public func cos() -> Tensor {
        let x = self
        return x.unaryKernel(.cos).recorded(.cos, [x]) { g, _ in [-(g * x.sin())] }
    }

    /// The error function. Derivative: `(2/√π)·e^(−x²)`.
    public func erf() -> Tensor {
        let x = self
        return x.unaryKernel(.erf).recorded(.erf, [x]) { g, _ in
            [g * (2 / Scalar.pi.squareRoot()) * (-(x * x)).exp()]
        }
    }

    /// Clamps each element into `[min, max]`. The gradient passes where `min ≤ x ≤ max`.
    public func clamped(min low: Scalar? = nil, max high: Scalar? = nil) -> Tensor {
        precondition(low != nil || high != nil, "clamped: give at least one of min and max")
        let x = self
        var y = x
        var mask = Tensor.ones(x.shape)
        withoutGrad {
            if let low {
                y = Tensor.binaryKernel(.maximum, y, Tensor(low), name: "clamped")
                mask = mask * Tensor.binaryKernel(.greaterEqual, x, Tensor(low), name: "clamped")
            }
            if let high {
                y = Tensor.binaryKernel(.minimum, y, Tensor(high), name: "clamped")
                mask = mask * Tensor.binaryKernel(.lessEqual, x, Tensor(high), name: "clamped")
            }
        }
        return y.recorded(.clamp, [x]) { g, _ in [g * mask] }
    }

    /// The sign of each element (−1, 0, 1); not differentiable (its gradient is zero).
    public func sign() -> Tensor { unaryKernel(.sign) }
}

/// Elementwise selection and comparisons (comparisons return 1 for true, 0 for false and are
/// not differentiable).
extension Tensor {
    /// `condition ? a : b` elementwise with broadcasting; `condition` is nonzero for true.
    /// Gradients flow to the selected branch only.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let (c, ea, eb) = withoutGrad { (condition.expanded(to: shape), a.expanded(to: shape), b.expanded(to: shape)) }
        let out = empty(shape)
        Elementwise.select(c.storage.pointer, ea.storage.pointer, eb.storage.pointer, out.storage.pointer, count: out.count)
        return out.recorded(.where, [a, b]) { g, _ in
            let zero = Tensor.zeros([])
            return [
                a.requiresGrad ? Tensor.where(condition, g, zero).summed(toShape: a.shape) : nil,
                b.requiresGrad ? Tensor.where(condition, zero, g).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// `self == other` elementwise (1 or 0), with broadcasting.
    public func isEqual(to other: Tensor) -> Tensor { Tensor.binaryKernel(.equal, self, other, name: "isEqual") }
    /// `self != other` elementwise (1 or 0).
    public func isNotEqual(to other: Tensor) -> Tensor { Tensor.binaryKernel(.notEqual, self, other, name: "isNotEqual") }
    /// `self < other` elementwise (1 or 0).
    public func isLess(than other: Tensor) -> Tensor { Tensor.binaryKernel(.less, self, other, name: "isLess") }
    /// `self <= other` elementwise (1 or 0).
    public func isLessOrEqual(to other: Tensor) -> Tensor { Tensor.binaryKernel(.lessEqual, self, other, name: "isLessOrEqual") }
    /// `self > other` elementwise (1 or 0).
    public func isGreater(than other: Tensor) -> Tensor { Tensor.binaryKernel(.greater, self, other, name: "isGreater") }
    /// `self >= other` elementwise (1 or 0).
    public func isGreaterOrEqual(to other: Tensor) -> Tensor { Tensor.binaryKernel(.greaterEqual, self, other, name: "isGreaterOrEqual") }
    /// `self > value` elementwise (1 or 0).
    public func isGreater(than value: Scalar) -> Tensor { isGreater(than: Tensor(value)) }
    /// `self < value` elementwise (1 or 0).
    public func isLess(than value: Scalar) -> Tensor { isLess(than: Tensor(value)) }
}
