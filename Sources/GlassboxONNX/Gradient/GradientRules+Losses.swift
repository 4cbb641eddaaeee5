import Glassbox
import GlassboxIO

// Gradient rules of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: the log-probability of
// each target class gathered with `indexSelected`, times its class weight (0 where the target is
// `ignore_index`), reduced as `reduction` says — `mean` divides by the sum of the weights used,
// so the class weights (a float input) get gradients too.

/// The NLL loss of log-probabilities `logp` `[N, C, d…]` at the node's target (input 1), with
/// the optional class weights (input 2).
private func nllLoss<Scalar>(_ c: GradientNodeContext<Scalar>, logp: Tensor<Scalar>) throws -> Tensor<Scalar> {
    let target = try c.plain.input(1).ints
    let n = logp.shape[0], classes = logp.shape[1], d = logp.count / max(n * classes, 1)
    let ignore = c.plain.int("ignore_index").map { Int64($0) }
    var positions: [Int] = [], classOf: [Int] = [], used: [Scalar] = []
    for i in 0..<n {
        for k in 0..<d {
            let t = target[i * d + k]
            let ignored = ignore == t
            guard ignored || (t >= 0 && t < classes) else { throw c.fail("target \(t) out of range [0, \(classes))") }
            let cls = ignored ? 0 : Int(t)
            positions.append((i * classes + cls) * d + k)
            classOf.append(cls)
            used.append(ignored ? 0 : 1)
        }
    }
    let picked = logp.reshaped([logp.count]).indexSelected(dim: 0, positions)
    var weights = Tensor(used, shape: [used.count])
    if let weight = try c.optionalTensor(2) { weights = weight.indexSelected(dim: 0, classOf) * weights }
    let losses = -(picked * weights)
    switch c.plain.string("reduction", "mean") {
    case "none": return losses.reshaped([n] + Array(logp.shape.dropFirst(2)))
    case "sum": return losses.sum()
    default: return losses.sum() / weights.sum()
    }
}

/// The rule of a loss op.
func lossGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "NegativeLogLikelihoodLoss": return { c in [try nllLoss(c, logp: try c.tensor(0))] }
    case "SoftmaxCrossEntropyLoss":
        return { c in
            let logp = try c.tensor(0).logSoftmax(dim: 1)
            return [try nllLoss(c, logp: logp), logp]
        }
    default: return nil
    }
}
