import Glassbox
import GlassboxIO

// Gradient rules of the Reduce* ops: the reduction over each axis in turn (from the last), with
// Glassbox's differentiable sum, mean, max and min; L1, L2, SumSquare, LogSum and LogSumExp
// composed from them.

extension GradientNodeContext {
    /// Reduction axes of a Reduce* node (attribute before `newAxesOpset`, input 1 from it),
    /// normalised; `nil` when the node keeps its input (`noop_with_empty_axes`).
    func reductionAxes(rank: Int, newAxesOpset: Int) throws -> [Int]? {
        let raw = plain.opset >= newAxesOpset ? try plain.intsInput(1) : plain.ints("axes")
        if let raw, !raw.isEmpty { return try raw.map { try normalizeAxis($0, rank, plain) } }
        return plain.int("noop_with_empty_axes", 0) != 0 ? nil : Array(0..<rank)
    }
}

/// How one Reduce* op reduces an axis (keeping it, size 1), and what it applies before and after.
private struct Reduction<Scalar: TensorScalar> {
    var before: (Tensor<Scalar>) -> Tensor<Scalar> = { $0 }
    var axis: (Tensor<Scalar>, Int) -> Tensor<Scalar>
    var after: (Tensor<Scalar>) -> Tensor<Scalar> = { $0 }
}

private func reduction<Scalar>(_ op: String) -> Reduction<Scalar>? {
    let sum: (Tensor<Scalar>, Int) -> Tensor<Scalar> = { $0.sum(dim: $1, keepDim: true) }
    switch op {
    case "ReduceSum": return Reduction(axis: sum)
    case "ReduceMean": return Reduction(axis: { $0.mean(dim: $1, keepDim: true) })
    case "ReduceMax": return Reduction(axis: { $0.max(dim: $1, keepDim: true).values })
    case "ReduceMin": return Reduction(axis: { $0.min(dim: $1, keepDim: true).values })
    case "ReduceSumSquare": return Reduction(before: { $0 * $0 }, axis: sum)
    case "ReduceL1": return Reduction(before: { $0.abs() }, axis: sum)
    case "ReduceL2": return Reduction(before: { $0 * $0 }, axis: sum, after: { $0.sqrt() })
    case "ReduceLogSum": return Reduction(axis: sum, after: { $0.log() })
    case "ReduceLogSumExp": return Reduction(axis: { $0.logSumExp(dim: $1, keepDim: true) })
    default: return nil
    }
}

/// The rule of a Reduce* op.
func reductionGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    guard let r: Reduction<Scalar> = reduction(op) else { return nil }
    return { c in
        let x = try c.tensor(0)
        guard let axes = try c.reductionAxes(rank: x.rank, newAxesOpset: op == "ReduceSum" ? 13 : 18) else { return [x] }
        if axes.contains(where: { x.shape[$0] == 0 }) { throw c.fail("no gradient for \(op) over an empty axis") }
        var y = r.before(x)
        if op == "ReduceLogSumExp" && axes.count > 1 {  // one logsumexp over the axes moved last
            let kept = (0..<x.rank).filter { !axes.contains($0) }
            let moved = x.permuted(kept + axes.sorted())
            let flat = moved.reshaped(kept.map { x.shape[$0] } + [axes.reduce(1) { $0 * x.shape[$1] }])
            y = flat.logSumExp(dim: kept.count, keepDim: false)
            let keptShape = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
            return [c.plain.int("keepdims", 1) != 0 ? y.reshaped(keptShape) : y]
        }
        for axis in axes.sorted(by: >) { y = r.axis(y, axis) }
        y = r.after(y)
        if c.plain.int("keepdims", 1) != 0 { return [y] }
        return [y.reshaped(x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))]
    }
}
