import Glassbox
import GlassboxIO

// Gradient rules of the data-movement ops (Reshape, Transpose, Slice, Gather, Concat, Split,
// Expand, Tile, …): the plain op runs once on tensors of element positions, which gives, for
// every output element, the flat input position it copies; the differentiable output gathers
// those positions with `indexSelected`, whose backward adds the gradient back (`indexAdded`,
// so repeated reads — Expand, Tile, Gather — sum). The forward is the plain op itself, so the
// semantics (negative axes, clamped slice bounds, `allowzero`, opset differences) are the same.
// Outputs that keep every element in order (Reshape, Flatten, Squeeze, Unsqueeze) are reshapes of
// the input, without a copy; Transpose uses `permuted`, Slice with steps of 1 `sliced`.

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
        let flat = positions.reals.map { Int($0) }
        if flat.count == source.count && flat.enumerated().allSatisfy({ $0.offset == $0.element }) {
            return source.reshaped(positions.shape)  // a reshape (Reshape, Flatten, Squeeze, …): no copy
        }
        return source.indexSelected(dim: 0, flat).reshaped(positions.shape)
    }
}

/// Pad (constant, reflect, edge, wrap) on Glassbox's `pad`; pads from the attribute before
/// opset 11, from input 1 (and `axes`, input 3) after; negative pads (crops) have no rule.
private func padRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x = try c.tensor(0)
    let r = x.rank
    var pads = [Int](repeating: 0, count: 2 * r)
    let given = c.plain.opset >= 11 ? try c.plain.intsInput(1) ?? [] : c.plain.ints("pads") ?? []
    let axes = try (c.plain.opset >= 18 ? try c.plain.intsInput(3) : nil).map { try $0.map { try normalizeAxis($0, r, c.plain) } }
        ?? Array(0..<r)
    guard given.count == 2 * axes.count else { throw c.fail("pads has \(given.count) entries for \(axes.count) axes") }
    for (i, a) in axes.enumerated() { pads[a] = given[i]; pads[a + r] = given[i + axes.count] }
    guard pads.allSatisfy({ $0 >= 0 }) else { throw c.fail("no gradient for Pad with negative pads") }
    let value = c.plain.opset >= 11 ? (try c.plain.optionalInput(2)?.reals.first ?? 0) : c.plain.float("value", 0)
    let mode: PaddingMode
    switch c.plain.string("mode", "constant") {
    case "reflect": mode = .reflect
    case "edge": mode = .replicate
    case "wrap": mode = .circular
    default: mode = .constant
    }
    let pairs = (0..<r).reversed().flatMap { [pads[$0], pads[$0 + r]] }  // last dimension first, as torch's pad
    if mode == .constant && c.plain.opset >= 11 && c.has(2) && c.inputs[2]?.requiresGrad == true {
        // A differentiated constant_value: x padded with zeros + value · (1 where padded).
        let padded: Tensor<Scalar> = withoutGrad { pad(Tensor.zeros(x.shape), pairs, value: 1) }
        let v = try c.tensor(2).reshaped([])
        return [pad(x, pairs) + v * padded]
    }
    return [pad(x, pairs, mode: mode, value: Scalar(value))]
}

/// The rule of a data-movement op or Pad.
func shapeGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    if op == "Pad" { return { try padRule($0) } }
    if op == "Slice" {  // steps of 1: Glassbox's `sliced` per axis rather than a gather
        return { c in
            let x = try c.tensor(0)
            let a = try sliceArguments(c.plain, rank: x.rank)
            guard a.steps.allSatisfy({ $0 == 1 }) else { return try movementRule(c, dataInputs: [0]) }
            let window = sliceWindow(x.shape, starts: a.starts, ends: a.ends, axes: a.axes, steps: a.steps)
            var y = x
            for d in 0..<x.rank where window.shape[d] != x.shape[d] {
                y = y.sliced(dim: d, window.start[d]..<(window.start[d] + window.shape[d]))
            }
            return [y]
        }
    }
    if op == "Transpose" {  // Glassbox's permute kernel rather than a gather
        return { c in
            let x = try c.tensor(0)
            let perm = c.plain.ints("perm") ?? Array((0..<x.rank).reversed())
            guard perm.sorted() == Array(0..<x.rank) else { throw c.fail("perm \(perm) for rank \(x.rank)") }
            return [x.permuted(perm)]
        }
    }
    if op == "Concat" { return { c in try movementRule(c, dataInputs: Array(c.inputs.indices)) } }
    guard singleInputMovementOps.contains(op) else { return nil }
    return { c in try movementRule(c, dataInputs: [0]) }
}
