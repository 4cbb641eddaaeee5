import Glassbox
import GlassboxIO

// Gradient rules of the data-movement ops (Reshape, Transpose, Slice, Gather, Concat, Split,
// Expand, Tile, …): the plain op runs once on tensors of element positions, which gives, for
// every output element, the flat input position it copies; the differentiable output gathers
// those positions with `indexSelected`, whose backward adds the gradient back (`indexAdded`,
// so repeated reads — Expand, Tile, Gather — sum). The forward is the plain op itself, so the
// semantics (negative axes, clamped slice bounds, `allowzero`, opset differences) are the same.

/// The movement ops whose data is input 0 (the other inputs are shapes, axes, indices);
/// Concat moves all its inputs.
private let singleInputMovementOps: Set<String> = [
    "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Gather", "GatherElements", "GatherND",
    "Expand", "Tile", "Split", "DepthToSpace", "SpaceToDepth", "Compress",
]

/// Runs the movement op on position tensors and gathers the data inputs' elements accordingly.
private func movementRule<Scalar>(_ c: GradientNodeContext<Scalar>, dataInputs: [Int]) throws -> [Tensor<Scalar>?] {
    let node = c.plain.node
    guard let op = ONNXOperators.table[node.opType] else { throw c.fail("unsupported operator \(node.opType)") }
    var positionInputs = c.plain.inputs
    var parts: [Tensor<Scalar>] = []
    var offset = 0
    for i in dataInputs where c.has(i) {
        let t = try c.tensor(i)
        positionInputs[i] = .tensor(ONNXTensor(dtype: .double, shape: t.shape, reals: (offset..<(offset + t.count)).map(Double.init)))
        parts.append(t.reshaped([t.count]))
        offset += t.count
    }
    let source = parts.count == 1 ? parts[0] : Tensor.concat(parts, dim: 0)
    let context = ONNXNodeContext(node: node, opset: c.plain.opset, inputs: positionInputs, scope: [:], session: c.plain.session)
    return try op(context).map { output in
        guard case .tensor(let positions)? = output else { return nil }
        let gathered = source.indexSelected(dim: 0, positions.reals.map { Int($0) })
        return gathered.reshaped(positions.shape)
    }
}

/// The rule of a data-movement op.
func shapeGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    if op == "Concat" { return { c in try movementRule(c, dataInputs: Array(c.inputs.indices)) } }
    guard singleInputMovementOps.contains(op) else { return nil }
    return { c in try movementRule(c, dataInputs: [0]) }
}
