#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Reductions (Reduce*, ArgMax/ArgMin), scans (CumSum, CumProd), TopK and the softmax family.
// Axes come from the `axes` attribute before opset 18 (13 for ReduceSum) and from input 1
// after; `noop_with_empty_axes` keeps the input when no axes are given.

/// Splits `shape` around `axes`: for each kept output element, the flat indices it reduces.
func reductionGroups(_ shape: [Int], axes: Set<Int>) -> (outShape: [Int], groups: [[Int]]) {
    let outFull = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    let count = outFull.reduce(1, *)
    var groups = [[Int]](repeating: [], count: count)
    let outStrides = stridesOf(outFull)
    var f = 0
    forEachIndex(shape) { i in
        var o = 0
        for d in 0..<i.count where !axes.contains(d) { o += i[d] * outStrides[d] }
        groups[o].append(f)
        f += 1
    }
    return (outFull, groups)
}

func reduceOp(_ ctx: ONNXNodeContext, newAxesOpset: Int, _ combine: ([Double]) -> Double, post: ((Double) -> Double)? = nil, intCombine: (([Int64]) -> Int64)? = nil, emptyBool: Int64 = 0) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let rawAxes = ctx.opset >= newAxesOpset ? try ctx.intsInput(1) : ctx.ints("axes")
    let keep = ctx.int("keepdims", 1) != 0
    var axes: Set<Int>
    if let rawAxes, !rawAxes.isEmpty {
        axes = Set(try rawAxes.map { try normalizeAxis($0, x.rank, ctx) })
    } else {
        if ctx.int("noop_with_empty_axes", 0) != 0 { return ONNXNodeContext.one(x) }
        axes = Set(0..<x.rank)
    }
    let (full, groups) = reductionGroups(x.shape, axes: axes)
    let shape = keep ? full : x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    if let intCombine, case .int(let v) = x.storage {
        return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, ints: groups.map { g in g.isEmpty && x.dtype == .bool ? emptyBool : intCombine(g.map { v[$0] }) }))
    }
    let v = x.reals
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, reals: groups.map { g in
        let r = combine(g.map { v[$0] })
        return post.map { $0(r) } ?? r
    }))
}

func argReduce(_ ctx: ONNXNodeContext, _ better: (Double, Double) -> Bool) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let axis = try normalizeAxis(ctx.int("axis", 0), x.rank, ctx)
    let last = ctx.int("select_last_index", 0) != 0
    let (full, groups) = reductionGroups(x.shape, axes: [axis])
    let v = x.reals
    let result = groups.map { g -> Int64 in
        var best = 0
        for k in 1..<max(g.count, 1) where better(v[g[k]], v[g[best]]) || (last && v[g[k]] == v[g[best]]) { best = k }
        return Int64(best)
    }
    var shape = full
    if ctx.int("keepdims", 1) == 0 { shape.remove(at: axis) }
    return ONNXNodeContext.one(ONNXTensor(dtype: .int64, shape: shape, ints: result))
}

/// Softmax-like ops: before opset 13 over the flattened trailing dims from `axis` (default 1),
/// from 13 over the single `axis` (default -1).
func softmaxFamily(_ ctx: ONNXNodeContext, _ f: ([Double]) -> [Double]) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let v = x.reals
    var out = [Double](repeating: 0, count: v.count)
    if ctx.opset < 13 {
        let axis = try normalizeAxis(ctx.int("axis", 1), x.rank, ctx)
        let n = x.shape[axis...].reduce(1, *)
        for o in 0..<(n == 0 ? 0 : v.count / n) {
            let r = f(Array(v[(o * n)..<(o * n + n)]))
            for k in 0..<n { out[o * n + k] = r[k] }
        }
    } else {
        let axis = try normalizeAxis(ctx.int("axis", -1), x.rank, ctx)
        let (_, groups) = reductionGroups(x.shape, axes: [axis])
        for g in groups {
            let r = f(g.map { v[$0] })
            for (k, i) in g.enumerated() { out[i] = r[k] }
        }
    }
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: out))
}

func softmax(_ v: [Double]) -> [Double] {
    let m = v.max() ?? 0
    let e = v.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

func logSumExp(_ v: [Double]) -> Double {
    let m = v.max() ?? -.infinity
    if !m.isFinite { return log(v.reduce(0) { $0 + exp($1) }) }
    return m + log(v.reduce(0) { $0 + exp($1 - m) })
}

extension ONNXOperators {
    nonisolated(unsafe) static let reduction: [String: ONNXOperator] = [
        "ReduceSum": { try reduceOp($0, newAxesOpset: 13, { $0.reduce(0, +) }, intCombine: { $0.reduce(0, &+) }) },
        "ReduceMean": { try reduceOp($0, newAxesOpset: 18, { $0.reduce(0, +) / Double($0.count) }) },
        "ReduceMax": { try reduceOp($0, newAxesOpset: 18, { $0.isEmpty ? -.infinity : $0.reduce(-.infinity, nanMax) }, intCombine: { $0.max() ?? Int64.min }, emptyBool: 0) },
        "ReduceMin": { try reduceOp($0, newAxesOpset: 18, { $0.isEmpty ? .infinity : $0.reduce(.infinity, nanMin) }, intCombine: { $0.min() ?? Int64.max }, emptyBool: 1) },
        "ReduceProd": { try reduceOp($0, newAxesOpset: 18, { $0.reduce(1, *) }, intCombine: { $0.reduce(1, &*) }) },
        "ReduceL1": { try reduceOp($0, newAxesOpset: 18, { $0.reduce(0) { $0 + abs($1) } }, intCombine: { $0.reduce(0) { $0 + abs($1) } }) },
        "ReduceL2": { try reduceOp($0, newAxesOpset: 18, { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }) },
        "ReduceSumSquare": { try reduceOp($0, newAxesOpset: 18, { $0.reduce(0) { $0 + $1 * $1 } }, intCombine: { $0.reduce(0) { $0 &+ $1 &* $1 } }) },
        "ReduceLogSum": { try reduceOp($0, newAxesOpset: 18, { log($0.reduce(0, +)) }) },
        "ReduceLogSumExp": { try reduceOp($0, newAxesOpset: 18, logSumExp) },
        "ArgMax": { try argReduce($0, >) },
        "ArgMin": { try argReduce($0, <) },
        "Softmax": { try softmaxFamily($0, softmax) },
        "LogSoftmax": { try softmaxFamily($0) { v in let l = logSumExp(v); return v.map { $0 - l } } },
        "Hardmax": { try softmaxFamily($0) { v in
            let m = v.indices.max { v[$0] < v[$1] || (v[$0] == v[$1] && $0 > $1) } ?? 0
            return v.indices.map { $0 == m ? 1 : 0 }
        } },
        "CumSum": { try cumulative($0, 0, +) },
        "CumProd": { try cumulative($0, 1, *) },
        "TopK": { ctx in
            let x = try ctx.input(0)
            let k = ctx.opset >= 10 ? Int(try ctx.input(1).ints[0]) : ctx.int("k", 1)
            let axis = try normalizeAxis(ctx.int("axis", -1), x.rank, ctx)
            let largest = ctx.int("largest", 1) != 0
            let (_, groups) = reductionGroups(x.shape, axes: [axis])
            var shape = x.shape
            shape[axis] = k
            let v = x.reals
            let outStrides = stridesOf(shape), inStrides = stridesOf(x.shape)
            var values = [Int](repeating: 0, count: shape.reduce(1, *)), indices = [Int64](repeating: 0, count: values.count)
            for g in groups {
                let order = g.indices.sorted { a, b in
                    let va = v[g[a]], vb = v[g[b]]
                    if va == vb { return a < b }
                    return largest ? va > vb : va < vb
                }
                let base = g[0]
                var o = 0
                var rest = base
                for d in 0..<x.rank { o += (d == axis ? 0 : (rest / inStrides[d])) * outStrides[d]; rest %= inStrides[d] }
                for j in 0..<k {
                    values[o + j * outStrides[axis]] = g[order[j]]
                    indices[o + j * outStrides[axis]] = Int64(order[j])
                }
            }
            return [.tensor(x.gathered(values, shape: shape)), .tensor(ONNXTensor(dtype: .int64, shape: shape, ints: indices))]
        },
    ]
}

func cumulative(_ ctx: ONNXNodeContext, _ identity: Double, _ op: (Double, Double) -> Double) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    let axis = try normalizeAxis(Int(try ctx.input(1).ints[0]), x.rank, ctx)
    let exclusive = ctx.int("exclusive", 0) != 0, reverse = ctx.int("reverse", 0) != 0
    let (_, groups) = reductionGroups(x.shape, axes: [axis])
    let v = x.reals
    var out = [Double](repeating: 0, count: v.count)
    for g in groups {
        var acc = identity
        for i in (reverse ? Array(g.reversed()) : g) {
            if exclusive { out[i] = acc; acc = op(acc, v[i]) } else { acc = op(acc, v[i]); out[i] = acc }
        }
    }
    return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: out))
}
