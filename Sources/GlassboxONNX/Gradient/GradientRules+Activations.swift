import Glassbox
import GlassboxIO

// Gradient rules of the activations beyond the common ones (those are in
// GradientRules+Elementwise.swift), composed from Glassbox's differentiable ops with ONNX's
// attributes and defaults.

/// The rule of a less common activation or trigonometric op.
func activationGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "Swish": return { c in let x = try c.tensor(0); return [x * (x * Scalar(c.plain.float("alpha", 1))).sigmoid()] }
    case "ThresholdedRelu":
        return { c in
            let x = try c.tensor(0)
            let above: Tensor<Scalar> = withoutGrad { x.isGreater(than: Scalar(c.plain.float("alpha", 1))) }
            return [x * above]
        }
    case "Selu":
        return { c in
            let x = try c.tensor(0)
            let alpha = Scalar(c.plain.float("alpha", 1.67326319217681884765625))
            let gamma = Scalar(c.plain.float("gamma", 1.05070102214813232421875))
            return [(x.relu() + alpha * (x.clamped(max: 0).exp() - 1)) * gamma]
        }
    case "Celu": return { c in [try c.tensor(0).celu(alpha: Scalar(c.plain.float("alpha", 1)))] }
    case "Softsign": return { c in [try c.tensor(0).softsign()] }
    case "Tan": return { c in let x = try c.tensor(0); return [x.sin() / x.cos()] }
    case "Sinh": return { c in let x = try c.tensor(0); return [(x.exp() - (-x).exp()) * 0.5] }
    case "Cosh": return { c in let x = try c.tensor(0); return [(x.exp() + (-x).exp()) * 0.5] }
    case "PRelu": return { c in let x = try c.tensor(0), slope = try c.tensor(1); return [x.relu() + slope * x.clamped(max: 0)] }
    case "Shrink":
        return { c in
            let x = try c.tensor(0)
            let lambd = Scalar(c.plain.float("lambd", 0.5)), bias = Scalar(c.plain.float("bias", 0))
            let (above, below): (Tensor<Scalar>, Tensor<Scalar>) = withoutGrad { (x.isGreater(than: lambd), x.isLess(than: -lambd)) }
            return [(x - bias) * above + (x + bias) * below]
        }
    default: return nil
    }
}
