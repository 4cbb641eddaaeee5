import GlassboxIO

// ScatterElements (and the deprecated Scatter), ScatterND and TensorScatter, with the
// none/add/mul/max/min reductions.

func scatterCombine(_ reduction: String) -> (Double, Double) -> Double {
    switch reduction {
    case "add": return (+)
    case "mul": return (*)
    case "max": return { Swift.max($0, $1) }
    case "min": return { Swift.min($0, $1) }
    default: return { _, u in u }
    }
}

/// Writes `updates` values into a copy of `data` at flat `targets`.
func scatterInto(_ data: ONNXTensor, _ updates: ONNXTensor, targets: [(dst: Int, src: Int)], reduction: String) -> ONNXTensor {
    var out = data
    switch (data.storage, updates.storage) {
    case (.string(var v), .string(let u)):
        for t in targets { v[t.dst] = u[t.src] }
        out.storage = .string(v)
    case (.int(var v), .int(let u)):
        for t in targets {
            switch reduction {
            case "add": v[t.dst] = v[t.dst] &+ u[t.src]
            case "mul": v[t.dst] = v[t.dst] &* u[t.src]
            case "max": v[t.dst] = Swift.max(v[t.dst], u[t.src])
            case "min": v[t.dst] = Swift.min(v[t.dst], u[t.src])
            default: v[t.dst] = u[t.src]
            }
        }
        out.storage = .int(v)
    default:
        var v = data.reals
        let u = updates.reals
        let f = scatterCombine(reduction)
        for t in targets { v[t.dst] = f(v[t.dst], u[t.src]) }
        out = ONNXTensor(dtype: data.dtype, shape: data.shape, reals: v)
    }
    return out
}

func scatterElements(_ ctx: ONNXNodeContext) throws -> [ONNXValue?] {
    let data = try ctx.input(0), indices = try ctx.input(1), updates = try ctx.input(2)
    let axis = try normalizeAxis(ctx.int("axis", 0), data.rank, ctx)
    let strides = stridesOf(data.shape)
    let iv = indices.ints
    var targets: [(Int, Int)] = []
    var n = 0
    try forEachIndex(indices.shape) { idx in
        var j = Int(iv[n])
        if j < 0 { j += data.shape[axis] }
        guard j >= 0 && j < data.shape[axis] else { throw ctx.fail("index \(iv[n]) out of range") }
        var f = 0
        for d in 0..<idx.count { f += (d == axis ? j : idx[d]) * strides[d] }
        targets.append((f, n))
        n += 1
    }
    return ONNXNodeContext.one(scatterInto(data, updates, targets: targets, reduction: ctx.string("reduction", "none")))
}

extension ONNXOperators {
    nonisolated(unsafe) static let scatter: [String: ONNXOperator] = [
        "ScatterElements": scatterElements,
        "Scatter": scatterElements,
        "ScatterND": { ctx in
            let data = try ctx.input(0), indices = try ctx.input(1), updates = try ctx.input(2)
            let k = indices.shape.last ?? 0
            let strides = stridesOf(data.shape)
            let slice = data.shape[k...].reduce(1, *)
            let iv = indices.ints
            var targets: [(Int, Int)] = []
            for t in 0..<(k == 0 ? 0 : iv.count / k) {
                var f = 0
                for q in 0..<k {
                    var j = Int(iv[t * k + q])
                    if j < 0 { j += data.shape[q] }
                    guard j >= 0 && j < data.shape[q] else { throw ctx.fail("index out of range") }
                    f += j * strides[q]
                }
                for s in 0..<slice { targets.append((f + s, t * slice + s)) }
            }
            return ONNXNodeContext.one(scatterInto(data, updates, targets: targets, reduction: ctx.string("reduction", "none")))
        },
        "TensorScatter": { ctx in
            let cache = try ctx.input(0), update = try ctx.input(1)
            let write = try ctx.optionalInput(2)?.ints ?? [Int64](repeating: 0, count: cache.shape[0])
            let axis = try normalizeAxis(ctx.int("axis", -2), cache.rank, ctx)
            let circular = ctx.string("mode", "linear") == "circular"
            let cStrides = stridesOf(cache.shape)
            var targets: [(Int, Int)] = []
            var n = 0
            forEachIndex(update.shape) { idx in
                var s = Int(write[idx[0]]) + idx[axis]
                if circular { s %= cache.shape[axis] }
                var f = 0
                for d in 0..<idx.count { f += (d == axis ? s : idx[d]) * cStrides[d] }
                targets.append((f, n))
                n += 1
            }
            return ONNXNodeContext.one(scatterInto(cache, update, targets: targets, reduction: "none"))
        },
    ]
}
