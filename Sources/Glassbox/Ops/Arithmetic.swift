import GlassboxKernels

/// Broadcasting arithmetic. Gradients are un-broadcast with ``Tensor/summed(toShape:)``.
extension Tensor {
    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        binaryKernel(.add, a, b, name: "add").recorded(.add, [a, b]) { g, _ in
            [g.summed(toShape: a.shape), g.summed(toShape: b.shape)]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        binaryKernel(.subtract, a, b, name: "subtract").recorded(.subtract, [a, b]) { g, _ in
            [g.summed(toShape: a.shape), (-g).summed(toShape: b.shape)]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        binaryKernel(.multiply, a, b, name: "multiply").recorded(.multiply, [a, b]) { g, _ in
            [
                a.requiresGrad ? (g * b).summed(toShape: a.shape) : nil,
                b.requiresGrad ? (g * a).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        binaryKernel(.divide, a, b, name: "divide").recorded(.divide, [a, b]) { g, _ in
            [
                a.requiresGrad ? (g / b).summed(toShape: a.shape) : nil,
                b.requiresGrad ? (-(g * a) / (b * b)).summed(toShape: b.shape) : nil,
            ]
        }
    }

    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor {
        x.unaryKernel(.negate).recorded(.negate, [x]) { g, _ in [-g] }
    }

    /// Adds a scalar.
    public static func + (a: Tensor, b: Scalar) -> Tensor { a + Tensor(b) }
    /// Adds a scalar.
    public static func + (a: Scalar, b: Tensor) -> Tensor { Tensor(a) + b }
    /// Subtracts a scalar.
    public static func - (a: Tensor, b: Scalar) -> Tensor { a - Tensor(b) }
    /// Subtracts from a scalar.
    public static func - (a: Scalar, b: Tensor) -> Tensor { Tensor(a) - b }
    /// Multiplies by a scalar.
    public static func * (a: Tensor, b: Scalar) -> Tensor { a * Tensor(b) }
    /// Multiplies by a scalar.
    public static func * (a: Scalar, b: Tensor) -> Tensor { Tensor(a) * b }
    /// Divides by a scalar.
    public static func / (a: Tensor, b: Scalar) -> Tensor { a / Tensor(b) }
    /// Divides a scalar.
    public static func / (a: Scalar, b: Tensor) -> Tensor { Tensor(a) / b }

    /// Elementwise maximum with broadcasting; where equal, the gradient is split evenly (as
    /// PyTorch does).
    public func maximum(_ other: Tensor) -> Tensor {
        let a = self, b = other
        return Tensor.binaryKernel(.maximum, a, b, name: "maximum").recorded(.maximum, [a, b]) { g, _ in
            let aWins = withoutGrad { Tensor.binaryKernel(.greater, a, b, name: "maximum") }
            let tie = withoutGrad { Tensor.binaryKernel(.equal, a, b, name: "maximum") }
            let wa = aWins + tie * 0.5
            let wb = 1 - wa
            return [(g * wa).summed(toShape: a.shape), (g * wb).summed(toShape: b.shape)]
        }
    }

    /// Elementwise minimum with broadcasting; ties split the gradient evenly.
    public func minimum(_ other: Tensor) -> Tensor {
        -((-self).maximum(-other))
    }

    /// `self` raised to a constant power, elementwise.
    public func pow(_ exponent: Scalar) -> Tensor {
        let x = self
        return Tensor.binaryKernel(.power, x, Tensor(exponent), name: "pow").recorded(.powScalar, [x]) { g, _ in
            if exponent == 0 { return [Tensor.zeros(x.shape)] }
            return [g * exponent * x.pow(exponent - 1)]
        }
    }

    /// `self` raised to `exponent` elementwise with broadcasting. The gradient with respect to
    /// the exponent is `y · log(self)` (defined for positive bases).
    public func pow(_ exponent: Tensor) -> Tensor {
        let x = self
        return Tensor.binaryKernel(.power, x, exponent, name: "pow").recorded(.pow, [x, exponent]) { g, y in
            [
                x.requiresGrad ? (g * exponent * x.pow(exponent - 1)).summed(toShape: x.shape) : nil,
                exponent.requiresGrad ? (g * y * x.log()).summed(toShape: exponent.shape) : nil,
            ]
        }
    }

    /// Elementwise square.
    public func squared() -> Tensor {
        let x = self
        return x.unaryKernel(.square).recorded(.square, [x]) { g, _ in [g * x * 2] }
    }
}
