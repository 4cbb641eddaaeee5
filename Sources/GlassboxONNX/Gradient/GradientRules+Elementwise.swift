import Glassbox
import GlassboxIO

// Gradient rules of the elementwise, activation and matrix-product ops: each node as
// Glassbox tensor ops (broadcasting as numpy's), so that the autograd differentiates it.

extension GradientNodeContext {
    /// Input `index` when it is a constant one-element tensor (a Pow exponent, Clip bound): its
    /// value; `nil` when it depends on a leaf or has several elements.
    func constantScalar(_ index: Int) -> Double? {
        guard has(index), case .plain(.tensor(let t))? = inputs[index], t.count == 1 else { return nil }
        return t.reals[0]
    }

    /// Every present input as a tensor.
    func allTensors() throws -> [Tensor<Scalar>] { try inputs.indices.filter(has).map(tensor) }
}

/// `softmax`/`logSoftmax` with ONNX's axis semantics: one axis from opset 13, before it the
/// flattened trailing dimensions from `axis` (default 1).
private func softmaxLike<Scalar>(_ c: GradientNodeContext<Scalar>, log: Bool) throws -> [Tensor<Scalar>?] {
    let x = try c.tensor(0)
    if c.plain.opset >= 13 {
        let axis = try normalizeAxis(c.plain.int("axis", -1), x.rank, c.plain)
        return [log ? x.logSoftmax(dim: axis) : x.softmax(dim: axis)]
    }
    let axis = try normalizeAxis(c.plain.int("axis", 1), x.rank, c.plain)
    let rows = x.shape[..<axis].reduce(1, *)
    let flat = x.reshaped([rows, x.count / max(rows, 1)])
    return [(log ? flat.logSoftmax(dim: 1) : flat.softmax(dim: 1)).reshaped(x.shape)]
}

/// The rule of an elementwise, activation or product op.
func elementwiseGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "Add": return { c in [try c.tensor(0) + c.tensor(1)] }
    case "Sub": return { c in [try c.tensor(0) - c.tensor(1)] }
    case "Mul": return { c in [try c.tensor(0) * c.tensor(1)] }
    case "Div": return { c in [try c.tensor(0) / c.tensor(1)] }
    case "Pow":
        return { c in
            let x = try c.tensor(0)
            if let e = c.constantScalar(1) { return [x.pow(Scalar(e))] }
            return [x.pow(try c.tensor(1))]
        }
    case "Sqrt": return { c in [try c.tensor(0).sqrt()] }
    case "Exp": return { c in [try c.tensor(0).exp()] }
    case "Log": return { c in [try c.tensor(0).log()] }
    case "Tanh": return { c in [try c.tensor(0).tanh()] }
    case "Sigmoid": return { c in [try c.tensor(0).sigmoid()] }
    case "Relu": return { c in [try c.tensor(0).relu()] }
    case "Neg": return { c in [-(try c.tensor(0))] }
    case "Abs": return { c in [try c.tensor(0).abs()] }
    case "Erf": return { c in [try c.tensor(0).erf()] }
    case "Sin": return { c in [try c.tensor(0).sin()] }
    case "Cos": return { c in [try c.tensor(0).cos()] }
    case "Reciprocal": return { c in [1 / (try c.tensor(0))] }
    case "Softplus": return { c in [try c.tensor(0).softplus()] }
    case "Identity", "Cast", "CastLike": return { c in [try c.tensor(0)] }
    case "Dropout":
        return { c in
            if c.has(2), c.plain.inputs[2].flatMap({ try? $0.tensor("") })?.ints.first ?? 0 != 0 {
                throw c.fail("no gradient for training-mode Dropout (random)")
            }
            return [try c.tensor(0)]
        }
    case "Clip":
        return { c in
            let x = try c.tensor(0)
            if c.plain.opset < 11 {
                let low = Scalar(c.plain.float("min", -Double.greatestFiniteMagnitude))
                return [x.clamped(min: low, max: Scalar(c.plain.float("max", Double.greatestFiniteMagnitude)))]
            }
            if [1, 2].contains(where: { c.has($0) && c.constantScalar($0) == nil }) {  // bounds that are tensors or differentiated
                var y = x
                if let low = try c.optionalTensor(1) { y = y.maximum(low) }
                if let high = try c.optionalTensor(2) { y = y.minimum(high) }
                return [y]
            }
            let low = c.constantScalar(1).map { Scalar($0) }, high = c.constantScalar(2).map { Scalar($0) }
            return [low == nil && high == nil ? x : x.clamped(min: low, max: high)]
        }
    case "HardSwish": return { c in [try c.tensor(0).hardswish()] }
    case "HardSigmoid":
        return { c in
            let alpha = Scalar(c.plain.float("alpha", 0.2)), beta = Scalar(c.plain.float("beta", 0.5))
            return [(try c.tensor(0) * alpha + beta).clamped(min: 0, max: 1)]
        }
    case "LeakyRelu": return { c in [try c.tensor(0).leakyRelu(negativeSlope: Scalar(c.plain.float("alpha", 0.01)))] }
    case "Elu": return { c in [try c.tensor(0).elu(alpha: Scalar(c.plain.float("alpha", 1)))] }
    case "Gelu": return { c in [try c.tensor(0).gelu(approximate: c.plain.string("approximate", "none") == "tanh" ? .tanh : .none)] }
    case "Softmax": return { c in try softmaxLike(c, log: false) }
    case "LogSoftmax": return { c in try softmaxLike(c, log: true) }
    case "Where":
        return { c in
            let condition = try c.plain.input(0)
            let mask: Tensor<Scalar> = Tensor(condition.ints.map { $0 != 0 ? 1 : 0 }, shape: condition.shape)
            return [Tensor.where(mask, try c.tensor(1), try c.tensor(2))]
        }
    case "Max": return { c in [try c.allTensors().dropFirst().reduce(try c.tensor(0)) { $0.maximum($1) }] }
    case "Min": return { c in [try c.allTensors().dropFirst().reduce(try c.tensor(0)) { $0.minimum($1) }] }
    case "Sum": return { c in [try c.allTensors().dropFirst().reduce(try c.tensor(0), +)] }
    case "Mean":
        return { c in
            let all = try c.allTensors()
            return [all.dropFirst().reduce(all[0], +) / Scalar(all.count)]
        }
    case "MatMul": return { c in [try c.tensor(0).matmul(try c.tensor(1))] }
    case "Gemm":
        return { c in
            var a = try c.tensor(0), b = try c.tensor(1)
            if c.plain.int("transA", 0) != 0 { a = a.transposed() }
            if c.plain.int("transB", 0) != 0 { b = b.transposed() }
            var y = a.matmul(b)
            let alpha = c.plain.float("alpha", 1), beta = c.plain.float("beta", 1)
            if alpha != 1 { y = y * Scalar(alpha) }
            if let bias = try c.optionalTensor(2) { y = y + (beta == 1 ? bias : bias * Scalar(beta)) }
            return [y]
        }
    default: return nil
    }
}
