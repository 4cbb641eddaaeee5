import GlassboxIO

// Control flow (If, Loop, Scan), sequences and optionals. Subgraphs see the values of the
// enclosing graphs (``ONNXNodeContext/run(_:_:extraScope:)``).

/// Stacks equally shaped tensors along a new axis 0 (or `axis`).
func stack(_ parts: [ONNXTensor], axis: Int = 0, _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    guard let first = parts.first else { return ONNXTensor(dtype: .float, shape: [0], reals: []) }
    let expanded = parts.map { p -> ONNXTensor in
        var s = p.shape
        s.insert(1, at: axis)
        return p.reshaped(s)
    }
    _ = first
    return try concatenate(expanded, axis: axis, ctx)
}

func graphAttribute(_ ctx: ONNXNodeContext, _ name: String) throws -> ONNXGraph {
    guard let g = ctx.attribute(name)?.graph else { throw ctx.fail("missing graph attribute '\(name)'") }
    return g
}

func sequenceInput(_ ctx: ONNXNodeContext, _ i: Int) throws -> ([ONNXValue], ONNXDataType) {
    guard i < ctx.inputs.count, let v = ctx.inputs[i] else { throw ctx.fail("input \(i) is missing") }
    switch v {
    case .sequence(let items, let t): return (items, t)
    case .optional(.sequence(let items, let t)?, _): return (items, t)
    default: throw ctx.fail("input \(i) must be a sequence, got a \(v.kind)")
    }
}

func position(_ ctx: ONNXNodeContext, _ i: Int, count: Int, insert: Bool) throws -> Int? {
    guard let p = try ctx.optionalInput(i)?.ints.first else { return nil }
    var q = Int(p)
    if q < 0 { q += count }
    guard q >= 0 && q < count + (insert ? 1 : 0) else { throw ctx.fail("position \(p) out of range for a sequence of \(count)") }
    return q
}

extension ONNXOperators {
    nonisolated(unsafe) static let control: [String: ONNXOperator] = [
        "If": { ctx in
            let cond = try ctx.input(0).ints.first ?? 0
            let outputs = try ctx.run(try graphAttribute(ctx, cond != 0 ? "then_branch" : "else_branch"), [])
            return outputs.map { $0 }
        },
        "Loop": { ctx in
            let body = try graphAttribute(ctx, "body")
            let maxTrips = try ctx.optionalInput(0)?.ints.first
            var cond = try ctx.optionalInput(1)?.ints.first.map { $0 != 0 } ?? true
            var state: [ONNXValue] = try (2..<max(2, ctx.inputCount)).map { i in
                guard let v = ctx.inputs[i] else { throw ctx.fail("loop-carried input \(i) is missing") }
                return v
            }
            let carried = state.count
            let scanCount = body.outputs.count - 1 - carried
            var scans = [[ONNXTensor]](repeating: [], count: max(scanCount, 0))
            var i: Int64 = 0
            while cond && (maxTrips == nil || i < maxTrips!) {
                let outs = try ctx.run(body, [.tensor(.scalar(i)), .tensor(ONNXTensor(dtype: .bool, shape: [], ints: [cond ? 1 : 0]))] + state.map { $0 })
                cond = try outs[0].tensor("Loop condition").ints.first.map { $0 != 0 } ?? false
                state = Array(outs[1...carried])
                for k in 0..<scans.count { scans[k].append(try outs[1 + carried + k].tensor("Loop scan output")) }
                i += 1
            }
            return state.map { $0 } + (try scans.map { .tensor(try stack($0, ctx)) })
        },
        "Scan": { ctx in
            let body = try graphAttribute(ctx, "body")
            let m = ctx.int("num_scan_inputs", 0)
            if ctx.opset < 9 { return try batchedScan(ctx, body: body, scanInputs: m) }
            let n = ctx.inputCount - m
            var state: [ONNXValue] = try (0..<n).map { .tensor(try ctx.input($0)) }
            let scanInputs = try (n..<(n + m)).map { try ctx.input($0) }
            let inAxes = try (ctx.ints("scan_input_axes") ?? [Int](repeating: 0, count: m)).enumerated().map { try normalizeAxis($0.element, scanInputs[$0.offset].rank, ctx) }
            let inDirs = ctx.ints("scan_input_directions") ?? [Int](repeating: 0, count: m)
            let k = body.outputs.count - n
            let outDirs = ctx.ints("scan_output_directions") ?? [Int](repeating: 0, count: k)
            let steps = scanInputs.first.map { $0.shape[inAxes[0]] } ?? 0
            var scans = [[ONNXTensor]](repeating: [], count: k)
            for t in 0..<steps {
                let slices: [ONNXValue?] = scanInputs.enumerated().map { j, x in
                    let a = inAxes[j]
                    let s = inDirs[j] != 0 ? steps - 1 - t : t
                    var shape = x.shape
                    shape.remove(at: a)
                    return .tensor(sliceTensor(x, starts: [s], ends: [s + 1], axes: [a], steps: [1]).reshaped(shape))
                }
                let outs = try ctx.run(body, state.map { $0 } + slices)
                state = Array(outs[0..<n])
                for j in 0..<k { scans[j].append(try outs[n + j].tensor("Scan output")) }
            }
            let outAxes = ctx.ints("scan_output_axes") ?? [Int](repeating: 0, count: k)
            return state.map { $0 } + (try scans.enumerated().map { j, parts in
                let ordered = outDirs[j] != 0 ? Array(parts.reversed()) : parts
                let rank = (parts.first?.rank ?? 0) + 1
                return .tensor(try stack(ordered, axis: try normalizeAxis(outAxes[j], rank, ctx), ctx))
            })
        },
        "SequenceEmpty": { ctx in
            [.sequence([], elementType: try ctx.int("dtype").map { try dataType(ctx, $0) } ?? .float)]
        },
        "SequenceConstruct": { ctx in
            let items = try (0..<ctx.inputCount).map { ONNXValue.tensor(try ctx.input($0)) }
            return [.sequence(items, elementType: try ctx.input(0).dtype)]
        },
        "SequenceAt": { ctx in
            let (items, _) = try sequenceInput(ctx, 0)
            guard let p = try position(ctx, 1, count: items.count, insert: false) else { throw ctx.fail("position is missing") }
            return [items[p]]
        },
        "SequenceInsert": { ctx in
            var (items, t) = try sequenceInput(ctx, 0)
            let p = try position(ctx, 2, count: items.count, insert: true) ?? items.count
            items.insert(.tensor(try ctx.input(1)), at: p)
            return [.sequence(items, elementType: t)]
        },
        "SequenceErase": { ctx in
            var (items, t) = try sequenceInput(ctx, 0)
            let p = try position(ctx, 1, count: items.count, insert: false) ?? items.count - 1
            guard p >= 0 && p < items.count else { throw ctx.fail("erase from an empty sequence") }
            items.remove(at: p)
            return [.sequence(items, elementType: t)]
        },
        "SequenceLength": { ctx in ONNXNodeContext.one(.scalar(Int64(try sequenceInput(ctx, 0).0.count))) },
        "ConcatFromSequence": { ctx in
            let (items, _) = try sequenceInput(ctx, 0)
            let parts = try items.map { try $0.tensor("sequence element") }
            let newAxis = ctx.int("new_axis", 0) != 0
            let rank = (parts.first?.rank ?? 0) + (newAxis ? 1 : 0)
            let axis = try normalizeAxis(ctx.int("axis", 0), rank, ctx)
            return ONNXNodeContext.one(newAxis ? try stack(parts, axis: axis, ctx) : try concatenate(parts, axis: axis, ctx))
        },
        "SplitToSequence": { ctx in
            let x = try ctx.input(0)
            let axis = try normalizeAxis(ctx.int("axis", 0), x.rank, ctx)
            let keep = ctx.int("keepdims", 1) != 0
            var sizes: [Int]
            var squeeze = false
            if let s = try ctx.optionalInput(1) {
                if s.rank == 0 {
                    let c = Int(s.ints[0])
                    sizes = stride(from: 0, to: x.shape[axis], by: c).map { min(c, x.shape[axis] - $0) }
                } else {
                    sizes = s.ints.map { Int($0) }
                }
            } else {
                sizes = [Int](repeating: 1, count: x.shape[axis])
                squeeze = !keep
            }
            var start = 0
            let items: [ONNXValue] = sizes.map { n in
                defer { start += n }
                var part = sliceTensor(x, starts: [start], ends: [start + n], axes: [axis], steps: [1])
                if squeeze { var s = part.shape; s.remove(at: axis); part = part.reshaped(s) }
                return .tensor(part)
            }
            return [.sequence(items, elementType: x.dtype)]
        },
        "SequenceMap": { ctx in
            let body = try graphAttribute(ctx, "body")
            let (first, _) = try sequenceInput(ctx, 0)
            var results = [[ONNXValue]](repeating: [], count: body.outputs.count)
            for i in 0..<first.count {
                var args: [ONNXValue?] = [first[i]]
                for j in 1..<max(1, ctx.inputCount) {
                    switch ctx.inputs[j] {
                    case .sequence(let items, _)?: args.append(items[i])
                    case let v: args.append(v)
                    }
                }
                let outs = try ctx.run(body, args)
                for k in 0..<outs.count { results[k].append(outs[k]) }
            }
            return results.enumerated().map { k, items in
                var t = ONNXDataType.float
                if case .tensor(let x)? = items.first { t = x.dtype } else if case .tensor(let e, _) = body.outputs[k].type, let d = ONNXDataType(rawValue: e) { t = d }
                return .sequence(items, elementType: t)
            }
        },
        "Optional": { ctx in
            let type = ctx.attribute("type")?.typeProto ?? .unknown
            guard ctx.has(0) else { return [.optional(nil, type: type)] }
            return [.optional(ctx.inputs[0], type: type)]
        },
        "OptionalHasElement": { ctx in
            guard ctx.has(0) else { return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: [], ints: [0])) }
            if case .optional(nil, _)? = ctx.inputs[0] { return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: [], ints: [0])) }
            return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: [], ints: [1]))
        },
        "OptionalGetElement": { ctx in
            switch ctx.inputs.first ?? nil {
            case .optional(let v?, _)?: return [v]
            case .optional(nil, _)?, nil: throw ctx.fail("the optional is empty")
            case let v?: return [v]
            }
        },
    ]
}

/// Scan before opset 9: input 0 is the optional sequence lengths, states and scan inputs carry a
/// leading batch axis, scan inputs iterate over axis 1.
func batchedScan(_ ctx: ONNXNodeContext, body: ONNXGraph, scanInputs m: Int) throws -> [ONNXValue?] {
    let lens = try ctx.optionalInput(0)?.ints
    let n = ctx.inputCount - 1 - m
    let states = try (0..<n).map { try ctx.input(1 + $0) }
    let scans = try (0..<m).map { try ctx.input(1 + n + $0) }
    let directions = ctx.ints("directions") ?? [Int](repeating: 0, count: m)
    let batch = (states.first ?? scans[0]).shape[0]
    let k = body.outputs.count - n
    var finalStates = [[ONNXTensor]](repeating: [], count: n), scanOutputs = [[ONNXTensor]](repeating: [], count: k)
    func row(_ t: ONNXTensor, _ b: Int) -> ONNXTensor {
        let shape = Array(t.shape.dropFirst())
        return sliceTensor(t, starts: [b], ends: [b + 1], axes: [0], steps: [1]).reshaped(shape)
    }
    for b in 0..<batch {
        var state: [ONNXValue?] = states.map { .tensor(row($0, b)) }
        let rows = scans.map { row($0, b) }
        let steps = lens.map { Int($0[b]) } ?? rows[0].shape[0]
        var outs = [[ONNXTensor]](repeating: [], count: k)
        for t in 0..<steps {
            let slices: [ONNXValue?] = rows.enumerated().map { j, r in
                let s = directions[j] != 0 ? steps - 1 - t : t
                return .tensor(row(r, s))
            }
            let results = try ctx.run(body, state + slices)
            state = Array(results[0..<n])
            for j in 0..<k { outs[j].append(try results[n + j].tensor("Scan output")) }
        }
        for i in 0..<n { finalStates[i].append(try state[i]!.tensor("Scan state")) }
        for j in 0..<k { scanOutputs[j].append(try stack(outs[j], ctx)) }
    }
    return try finalStates.map { .tensor(try stack($0, ctx)) } + scanOutputs.map { .tensor(try stack($0, ctx)) }
}
