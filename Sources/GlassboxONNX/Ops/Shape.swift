import GlassboxIO

// Shape and data-movement operators, for every element type: each computes the flat source
// index of every output element and gathers (``ONNXTensor/gathered(_:shape:)``).

/// The flat source indices of `permute(shape, perm)`.
func transposeIndices(_ shape: [Int], _ perm: [Int]) -> (shape: [Int], indices: [Int]) {
    let out = perm.map { shape[$0] }
    let strides = stridesOf(shape)
    var indices: [Int] = []
    indices.reserveCapacity(out.reduce(1, *))
    forEachIndex(out) { idx in
        var f = 0
        for (d, p) in perm.enumerated() { f += idx[d] * strides[p] }
        indices.append(f)
    }
    return (out, indices)
}

/// Concatenates tensors of one type along `axis`.
func concatenate(_ parts: [ONNXTensor], axis: Int, _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    guard let first = parts.first else { throw ctx.fail("no inputs to concatenate") }
    var shape = first.shape
    shape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
    for p in parts where p.rank != first.rank || (0..<p.rank).contains(where: { $0 != axis && p.shape[$0] != first.shape[$0] }) {
        throw ctx.fail("cannot concatenate shapes \(first.shape) and \(p.shape) on axis \(axis)")
    }
    let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
    var storage: ONNXStorage
    switch first.storage {
    case .real: storage = .real([])
    case .int: storage = .int([])
    case .string: storage = .string([])
    }
    var reals: [Double] = [], ints: [Int64] = [], strings: [String] = []
    for o in 0..<outer {
        for p in parts {
            let n = p.shape[axis] * inner
            switch p.storage {
            case .real(let v): reals += v[(o * n)..<(o * n + n)]
            case .int(let v): ints += v[(o * n)..<(o * n + n)]
            case .string(let v): strings += v[(o * n)..<(o * n + n)]
            }
        }
    }
    switch storage {
    case .real: storage = .real(reals)
    case .int: storage = .int(ints)
    case .string: storage = .string(strings)
    }
    return ONNXTensor(dtype: first.dtype, shape: shape, storage: storage)
}

/// Slices `x` with per-axis starts, ends and steps (already clamped).
/// Slice's clamped window: per axis of `shape`, the first index, the step and the output size.
func sliceWindow(_ shape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> (start: [Int], step: [Int], shape: [Int]) {
    var start = [Int](repeating: 0, count: shape.count), step = [Int](repeating: 1, count: shape.count), outShape = shape
    for (k, a) in axes.enumerated() {
        let dim = shape[a]
        var s = starts[k], e = ends[k]
        let st = steps[k]
        if s < 0 { s += dim }
        if e < 0 { e += dim }
        if st > 0 {
            s = min(max(s, 0), dim)
            e = min(max(e, 0), dim)
            outShape[a] = max(0, (e - s + st - 1) / st)
        } else {
            s = min(max(s, 0), dim - 1)
            e = min(max(e, -1), dim - 1)
            outShape[a] = max(0, (s - e + (-st) - 1) / (-st))
        }
        start[a] = s
        step[a] = st
    }
    return (start, step, outShape)
}

/// Slice's arguments — from attributes before opset 10, from inputs 1–4 after — with the axes
/// normalised for rank `rank` and the steps defaulted to 1.
func sliceArguments(_ ctx: ONNXNodeContext, rank: Int) throws -> (starts: [Int], ends: [Int], axes: [Int], steps: [Int]) {
    let starts: [Int], ends: [Int]
    var axes: [Int]?, steps: [Int]?
    if ctx.opset < 10 {
        starts = ctx.ints("starts") ?? []
        ends = ctx.ints("ends") ?? []
        axes = ctx.ints("axes")
    } else {
        starts = try ctx.intsInput(1) ?? []
        ends = try ctx.intsInput(2) ?? []
        axes = try ctx.intsInput(3)
        steps = try ctx.intsInput(4)
    }
    let ax = try (axes ?? Array(0..<starts.count)).map { try normalizeAxis($0, rank, ctx) }
    let st = steps ?? [Int](repeating: 1, count: starts.count)
    guard !st.contains(0) else { throw ctx.fail("step 0") }
    guard starts.count == ax.count && ends.count == ax.count && st.count == ax.count else {
        throw ctx.fail("starts, ends, axes and steps have different lengths")
    }
    return (starts, ends, ax, st)
}

func sliceTensor(_ x: ONNXTensor, starts: [Int], ends: [Int], axes: [Int], steps: [Int]) -> ONNXTensor {
    let (start, step, shape) = sliceWindow(x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
    let strides = stridesOf(x.shape)
    var indices: [Int] = []
    forEachIndex(shape) { idx in
        var f = 0
        for d in 0..<idx.count { f += (start[d] + idx[d] * step[d]) * strides[d] }
        indices.append(f)
    }
    return x.gathered(indices, shape: shape)
}

func splitSizes(_ ctx: ONNXNodeContext, dim: Int, outputs: Int) throws -> [Int] {
    var split: [Int]? = ctx.opset >= 13 ? try ctx.intsInput(1) : ctx.ints("split")
    if ctx.opset < 13, split == nil { split = try ctx.intsInput(1) }
    if let split, !split.isEmpty {
        guard split.reduce(0, +) == dim else { throw ctx.fail("split \(split) does not sum to \(dim)") }
        return split
    }
    let n = ctx.int("num_outputs") ?? outputs
    let chunk = (dim + n - 1) / n
    return (0..<n).map { i in max(0, min(chunk, dim - i * chunk)) }
}

extension ONNXOperators {
    nonisolated(unsafe) static let shape: [String: ONNXOperator] = [
        "Reshape": { ctx in
            let x = try ctx.input(0)
            var target = ctx.opset >= 5 ? try ctx.intsInput(1) ?? [] : ctx.ints("shape") ?? []
            let allowZero = ctx.int("allowzero", 0) != 0
            for (i, d) in target.enumerated() where d == 0 && !allowZero { target[i] = x.shape[i] }
            if let i = target.firstIndex(of: -1) {
                let known = target.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
                target[i] = known == 0 ? 0 : x.count / known
            }
            guard target.reduce(1, *) == x.count else { throw ctx.fail("cannot reshape \(x.shape) to \(target)") }
            return ONNXNodeContext.one(x.reshaped(target))
        },
        "Flatten": { ctx in
            let x = try ctx.input(0)
            var axis = ctx.int("axis", 1)
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis <= x.rank else { throw ctx.fail("axis \(ctx.int("axis", 1)) out of range for rank \(x.rank)") }
            return ONNXNodeContext.one(x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)]))
        },
        "Transpose": { ctx in
            let x = try ctx.input(0)
            let perm = ctx.ints("perm") ?? Array((0..<x.rank).reversed())
            guard perm.sorted() == Array(0..<x.rank) else { throw ctx.fail("perm \(perm) for rank \(x.rank)") }
            let (shape, idx) = transposeIndices(x.shape, perm)
            return ONNXNodeContext.one(x.gathered(idx, shape: shape))
        },
        "Concat": { ctx in
            let parts = try (0..<ctx.inputCount).map { try ctx.input($0) }
            let axis = try normalizeAxis(ctx.int("axis", 0), parts[0].rank, ctx)
            return ONNXNodeContext.one(try concatenate(parts, axis: axis, ctx))
        },
        "Squeeze": { ctx in
            let x = try ctx.input(0)
            let axes = try (ctx.opset >= 13 ? ctx.intsInput(1) : ctx.ints("axes"))?.map { try normalizeAxis($0, x.rank, ctx) }
            var shape: [Int] = []
            for (d, n) in x.shape.enumerated() where axes.map({ !$0.contains(d) }) ?? (n != 1) { shape.append(n) }
            return ONNXNodeContext.one(x.reshaped(shape))
        },
        "Unsqueeze": { ctx in
            let x = try ctx.input(0)
            let raw = (ctx.opset >= 13 ? try ctx.intsInput(1) : ctx.ints("axes")) ?? []
            let rank = x.rank + raw.count
            let axes = Set(try raw.map { try normalizeAxis($0, rank, ctx) })
            var shape: [Int] = []
            var k = 0
            for d in 0..<rank {
                if axes.contains(d) { shape.append(1) } else { shape.append(x.shape[k]); k += 1 }
            }
            return ONNXNodeContext.one(x.reshaped(shape))
        },
        "Expand": { ctx in
            let x = try ctx.input(0)
            let target = try ctx.intsInput(1) ?? []
            guard let shape = broadcastShape(x.shape, target) else { throw ctx.fail("cannot expand \(x.shape) to \(target)") }
            return ONNXNodeContext.one(x.gathered(broadcastIndices(from: x.shape, to: shape), shape: shape))
        },
        "Shape": { ctx in
            let x = try ctx.input(0)
            let r = x.rank
            var s = ctx.int("start", 0), e = ctx.int("end", r)
            if s < 0 { s += r }
            if e < 0 { e += r }
            s = min(max(s, 0), r)
            e = min(max(e, s), r)
            return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: [e - s], ints: x.shape[s..<e].map { Int64($0) }))
        },
        "Size": { ctx in ONNXNodeContext.one(.scalar(Int64(try ctx.input(0).count))) },
        "Slice": { ctx in
            let x = try ctx.input(0)
            let a = try sliceArguments(ctx, rank: x.rank)
            return ONNXNodeContext.one(sliceTensor(x, starts: a.starts, ends: a.ends, axes: a.axes, steps: a.steps))
        },
        "Split": { ctx in
            let x = try ctx.input(0)
            let axis = try normalizeAxis(ctx.int("axis", 0), x.rank, ctx)
            let sizes = try splitSizes(ctx, dim: x.shape[axis], outputs: ctx.node.outputs.count)
            var start = 0
            return sizes.map { n in
                defer { start += n }
                return .tensor(sliceTensor(x, starts: [start], ends: [start + n], axes: [axis], steps: [1]))
            }
        },
        "Tile": { ctx in
            let x = try ctx.input(0)
            let reps = try ctx.intsInput(1) ?? []
            guard reps.count == x.rank else { throw ctx.fail("repeats \(reps) for rank \(x.rank)") }
            let shape = zip(x.shape, reps).map { $0 * $1 }
            let strides = stridesOf(x.shape)
            var idx: [Int] = []
            forEachIndex(shape) { i in idx.append((0..<i.count).reduce(0) { $0 + (i[$1] % x.shape[$1]) * strides[$1] }) }
            return ONNXNodeContext.one(x.gathered(idx, shape: shape))
        },
        "Constant": { ctx in
            if let t = try ctx.tensorAttribute("value") { return ONNXNodeContext.one(t) }
            if let s = ctx.attribute("sparse_value")?.sparseTensor { return ONNXNodeContext.one(try ONNXTensor(sparse: s, directory: nil)) }
            if let a = ctx.attribute("value_float") { return ONNXNodeContext.one(ONNXTensor(dtype: .float, shape: [], reals: [Double(a.float)])) }
            if let a = ctx.attribute("value_floats") { return ONNXNodeContext.one(ONNXTensor(dtype: .float, shape: [a.floats.count], reals: a.floats.map { Double($0) })) }
            if let a = ctx.attribute("value_int") { return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: [], ints: [a.int])) }
            if let a = ctx.attribute("value_ints") { return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: [a.ints.count], ints: a.ints)) }
            if let s = ctx.string("value_string", "\u{0}") as String?, s != "\u{0}" { return ONNXNodeContext.one(ONNXTensor(shape: [], strings: [s])) }
            if let s = ctx.strings("value_strings") { return ONNXNodeContext.one(ONNXTensor(shape: [s.count], strings: s)) }
            throw ctx.fail("no value attribute")
        },
        "ConstantOfShape": { ctx in
            let shape = try ctx.intsInput(0) ?? []
            let value = try ctx.tensorAttribute("value") ?? ONNXTensor(dtype: .float, shape: [1], reals: [0])
            return ONNXNodeContext.one(value.gathered([Int](repeating: 0, count: shape.reduce(1, *)), shape: shape))
        },
        "Range": { ctx in
            let s = try ctx.input(0), l = try ctx.input(1), d = try ctx.input(2)
            if s.dtype.isFloatingPoint {
                let a = s.reals[0], b = l.reals[0], st = d.reals[0]
                let n = max(0, Int(((b - a) / st).rounded(.up)))
                return ONNXNodeContext.one(ONNXTensor(dtype: s.dtype, shape: [n], reals: (0..<n).map { a + Double($0) * st }))
            }
            let a = s.ints[0], b = l.ints[0], st = d.ints[0]
            guard st != 0 else { throw ctx.fail("delta 0") }
            let n = max(0, Int((b - a + st + (st > 0 ? -1 : 1)) / st))
            return ONNXNodeContext.one(ONNXTensor(dtype: s.dtype, shape: [n], ints: (0..<n).map { a + Int64($0) * st }))
        },
        "Gather": { ctx in
            let x = try ctx.input(0), ind = try ctx.input(1)
            let axis = try normalizeAxis(ctx.int("axis", 0), x.rank, ctx)
            let dim = x.shape[axis]
            let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
            let idx = try ind.ints.map { i -> Int in
                let j = Int(i) < 0 ? Int(i) + dim : Int(i)
                guard j >= 0 && j < dim else { throw ctx.fail("index \(i) out of range for dimension \(dim)") }
                return j
            }
            var flat: [Int] = []
            flat.reserveCapacity(outer * idx.count * inner)
            for o in 0..<outer { for j in idx { for k in 0..<inner { flat.append((o * dim + j) * inner + k) } } }
            let shape = Array(x.shape[..<axis]) + ind.shape + Array(x.shape[(axis + 1)...])
            return ONNXNodeContext.one(x.gathered(flat, shape: shape))
        },
        "GatherElements": { ctx in
            let x = try ctx.input(0), ind = try ctx.input(1)
            let axis = try normalizeAxis(ctx.int("axis", 0), x.rank, ctx)
            let strides = stridesOf(x.shape)
            let iv = ind.ints
            var flat: [Int] = []
            var n = 0
            try forEachIndex(ind.shape) { i in
                var j = Int(iv[n]); n += 1
                if j < 0 { j += x.shape[axis] }
                guard j >= 0 && j < x.shape[axis] else { throw ctx.fail("index out of range") }
                var f = 0
                for d in 0..<i.count { f += (d == axis ? j : i[d]) * strides[d] }
                flat.append(f)
            }
            return ONNXNodeContext.one(x.gathered(flat, shape: ind.shape))
        },
        "GatherND": { ctx in
            let x = try ctx.input(0), ind = try ctx.input(1)
            let b = ctx.int("batch_dims", 0)
            let k = ind.shape.last ?? 0
            let batch = x.shape[..<b].reduce(1, *)
            let sliceShape = Array(x.shape[(b + k)...])
            let slice = sliceShape.reduce(1, *)
            let strides = stridesOf(x.shape)
            let iv = ind.ints
            let perBatch = ind.shape[b..<(ind.rank - 1)].reduce(1, *)
            var flat: [Int] = []
            for bi in 0..<batch {
                for t in 0..<perBatch {
                    var f = bi * (b > 0 ? strides[b - 1] : 0)
                    for q in 0..<k {
                        var j = Int(iv[(bi * perBatch + t) * k + q])
                        if j < 0 { j += x.shape[b + q] }
                        f += j * strides[b + q]
                    }
                    for s in 0..<slice { flat.append(f + s) }
                }
            }
            return ONNXNodeContext.one(x.gathered(flat, shape: Array(ind.shape.dropLast()) + sliceShape))
        },
        "Trilu": { ctx in
            let x = try ctx.input(0)
            let k = Int(try ctx.optionalInput(1)?.ints[0] ?? 0)
            let upper = ctx.int("upper", 1) != 0
            let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1]
            var keep = [Bool](repeating: false, count: x.count)
            for i in 0..<x.count {
                let r = (i / cols) % max(rows, 1), c = i % cols
                keep[i] = upper ? c - r >= k : c - r <= k
            }
            switch x.storage {
            case .real(let v): return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, storage: .real(v.enumerated().map { keep[$0.offset] ? $0.element : 0 })))
            case .int(let v): return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, storage: .int(v.enumerated().map { keep[$0.offset] ? $0.element : 0 })))
            case .string: throw ctx.fail("string input")
            }
        },
        "NonZero": { ctx in
            let x = try ctx.input(0)
            let v = x.reals
            let strides = stridesOf(x.shape)
            let nz = v.indices.filter { v[$0] != 0 }
            var out = [Int64](repeating: 0, count: x.rank * nz.count)
            for (j, f) in nz.enumerated() {
                for d in 0..<x.rank { out[d * nz.count + j] = Int64((f / strides[d]) % x.shape[d]) }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: [x.rank, nz.count], ints: out))
        },
        "Compress": { ctx in
            var x = try ctx.input(0)
            let cond = try ctx.input(1).ints
            var axis = 0
            if let a = ctx.int("axis") { axis = try normalizeAxis(a, x.rank, ctx) } else { x = x.reshaped([x.count]) }
            let keep = (0..<min(cond.count, x.shape[axis])).filter { cond[$0] != 0 }
            let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *), dim = x.shape[axis]
            var flat: [Int] = []
            for o in 0..<outer { for j in keep { for k in 0..<inner { flat.append((o * dim + j) * inner + k) } } }
            var shape = x.shape
            shape[axis] = keep.count
            return ONNXNodeContext.one(x.gathered(flat, shape: shape))
        },
        "EyeLike": { ctx in
            let x = try ctx.input(0)
            let k = ctx.int("k", 0)
            let dtype = try ctx.int("dtype").map { try dataType(ctx, $0) } ?? x.dtype
            let r = x.shape[0], c = x.shape[1]
            return ONNXNodeContext.one(ONNXTensor(dtype: dtype, shape: x.shape, ints: (0..<(r * c)).map { $0 % c - $0 / c == k ? 1 : 0 }))
        },
        "OneHot": { ctx in
            let ind = try ctx.input(0), depthT = try ctx.input(1), values = try ctx.input(2)
            let depth = Int(depthT.reals[0])
            let rank = ind.rank + 1
            let axis = try normalizeAxis(ctx.int("axis", -1), rank, ctx)
            var shape = ind.shape
            shape.insert(depth, at: axis)
            let iv = ind.reals
            let outer = ind.shape[..<axis].reduce(1, *), inner = ind.shape[axis...].reduce(1, *)
            var flat = [Int](repeating: 0, count: shape.reduce(1, *))
            for o in 0..<outer {
                for d in 0..<depth {
                    for i in 0..<inner {
                        var j = Int(iv[o * inner + i])
                        if j < 0 { j += depth }
                        flat[(o * depth + d) * inner + i] = j == d ? 1 : 0
                    }
                }
            }
            return ONNXNodeContext.one(values.gathered(flat, shape: shape))
        },
        "DepthToSpace": { ctx in
            let x = try ctx.input(0)
            let b = ctx.int("blocksize", 1)
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let crd = ctx.string("mode", "DCR") == "CRD"
            let tmp = crd ? [n, c / (b * b), b, b, h, w] : [n, b, b, c / (b * b), h, w]
            let perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]
            let (_, idx) = transposeIndices(tmp, perm)
            return ONNXNodeContext.one(x.gathered(idx, shape: [n, c / (b * b), h * b, w * b]))
        },
        "SpaceToDepth": { ctx in
            let x = try ctx.input(0)
            let b = ctx.int("blocksize", 1)
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let crd = ctx.string("mode", "DCR") == "CRD"
            let (_, idx) = transposeIndices([n, c, h / b, b, w / b, b], crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4])
            return ONNXNodeContext.one(x.gathered(idx, shape: [n, c * b * b, h / b, w / b]))
        },
        "ReverseSequence": { ctx in
            let x = try ctx.input(0)
            let lens = try ctx.input(1).ints
            let batchAxis = ctx.int("batch_axis", 1), timeAxis = ctx.int("time_axis", 0)
            let strides = stridesOf(x.shape)
            var flat: [Int] = []
            forEachIndex(x.shape) { i in
                var j = i
                let l = Int(lens[i[batchAxis]])
                if i[timeAxis] < l { j[timeAxis] = l - 1 - i[timeAxis] }
                flat.append(zip(j, strides).reduce(0) { $0 + $1.0 * $1.1 })
            }
            return ONNXNodeContext.one(x.gathered(flat, shape: x.shape))
        },
    ]
}
