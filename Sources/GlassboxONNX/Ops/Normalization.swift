#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Normalisations (Layer, RMS, Batch, Instance, Group, Lp, MeanVariance), Pad, Dropout (inference)
// and the losses NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

/// Normalises `x` over the trailing dims from `axis`: returns y, mean and 1/σ per group.
func normalizeTrailing(_ v: [Double], groups: Int, size: Int, epsilon: Double, rms: Bool = false) -> (y: [Double], mean: [Double], invStd: [Double]) {
    var y = [Double](repeating: 0, count: v.count), means = [Double](), inv = [Double]()
    for g in 0..<groups {
        let part = v[(g * size)..<(g * size + size)]
        let mean = rms ? 0 : part.reduce(0, +) / Double(size)
        let variance = part.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(size)
        let r = 1 / (variance + epsilon).squareRoot()
        for k in 0..<size { y[g * size + k] = (v[g * size + k] - mean) * r }
        means.append(mean)
        inv.append(r)
    }
    return (y, means, inv)
}

/// Multiplies (and adds) per-element parameters broadcast from the trailing dims.
func affine(_ y: ONNXTensor, _ scale: ONNXTensor?, _ bias: ONNXTensor?, _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    var r = y
    if let scale { r = try binary(r, scale, ctx, *) }
    if let bias { r = try binary(r, bias, ctx, +) }
    return r
}

func padTensor(_ x: ONNXTensor, begin: [Int], end: [Int], mode: String, value: ONNXTensor?, _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    let shape = (0..<x.rank).map { x.shape[$0] + begin[$0] + end[$0] }
    guard shape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("pads make a negative dimension \(shape)") }
    let strides = stridesOf(x.shape)
    var indices: [Int] = []
    var fill: [Bool] = []
    try forEachIndex(shape) { idx in
        var f = 0
        var outside = false
        for d in 0..<idx.count {
            var i = idx[d] - begin[d]
            let n = x.shape[d]
            if i < 0 || i >= n {
                switch mode {
                case "reflect":
                    guard n > 1 else { i = 0; break }
                    let period = 2 * (n - 1)
                    i = ((i % period) + period) % period
                    if i >= n { i = period - i }
                case "edge": i = min(max(i, 0), n - 1)
                case "wrap": i = ((i % n) + n) % n
                case "constant": outside = true
                default: throw ctx.fail("unknown pad mode '\(mode)'")
                }
            }
            if !outside { f += i * strides[d] }
        }
        indices.append(outside ? 0 : f)
        fill.append(outside)
    }
    if x.count == 0 { return ONNXTensor(dtype: x.dtype, shape: shape, reals: [Double](repeating: value?.reals.first ?? 0, count: shape.reduce(1, *))) }
    var out = x.gathered(indices, shape: shape)
    switch out.storage {
    case .real(var v):
        let c = value?.reals.first ?? 0
        for i in 0..<v.count where fill[i] { v[i] = c }
        out.storage = .real(v)
    case .int(var v):
        let c = value?.ints.first ?? 0
        for i in 0..<v.count where fill[i] { v[i] = c }
        out.storage = .int(v)
    case .string(var v):
        let c = value?.strings.first ?? ""
        for i in 0..<v.count where fill[i] { v[i] = c }
        out.storage = .string(v)
    }
    return out
}

/// The NLL loss of log-probabilities `logp` `[N, C, d…]` at `target` `[N, d…]`.
func nllLoss(_ logp: [Double], shape: [Int], target: [Int64], weight: [Double]?, reduction: String, ignoreIndex: Int64?, dtype: ONNXDataType, _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    let n = shape[0], c = shape[1], d = shape.count > 2 ? shape[2...].reduce(1, *) : 1
    var losses = [Double](repeating: 0, count: n * d)
    var weightSum = 0.0
    for i in 0..<n {
        for k in 0..<d {
            let t = target[i * d + k]
            if let ignoreIndex, t == ignoreIndex { continue }
            guard t >= 0 && t < c else { throw ctx.fail("target \(t) out of range [0, \(c))") }
            let w = weight?[Int(t)] ?? 1
            losses[i * d + k] = -logp[(i * c + Int(t)) * d + k] * w
            weightSum += w
        }
    }
    switch reduction {
    case "none": return ONNXTensor(dtype: dtype, shape: [n] + Array(shape.dropFirst(2)), reals: losses)
    case "sum": return ONNXTensor(dtype: dtype, shape: [], reals: [losses.reduce(0, +)])
    default: return ONNXTensor(dtype: dtype, shape: [], reals: [weightSum == 0 ? 0 : losses.reduce(0, +) / weightSum])
    }
}

extension ONNXOperators {
    nonisolated(unsafe) static let normalization: [String: ONNXOperator] = [
        "LayerNormalization": { ctx in
            let x = try ctx.input(0)
            let axis = try normalizeAxis(ctx.int("axis", -1), x.rank, ctx)
            let size = x.shape[axis...].reduce(1, *)
            let groups = x.shape[..<axis].reduce(1, *)
            let (y, mean, inv) = normalizeTrailing(x.reals, groups: groups, size: size, epsilon: ctx.float("epsilon", 1e-5))
            let out = try affine(ONNXTensor(dtype: .double, shape: x.shape, reals: y), try ctx.optionalInput(1), try ctx.optionalInput(2), ctx)
            let statShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
            let statType = try ctx.int("stash_type").map { try dataType(ctx, $0) } ?? .float
            return [.tensor(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: out.reals)),
                    .tensor(ONNXTensor(dtype: statType, shape: statShape, reals: mean)),
                    .tensor(ONNXTensor(dtype: statType, shape: statShape, reals: inv))]
        },
        "RMSNormalization": { ctx in
            let x = try ctx.input(0)
            let axis = try normalizeAxis(ctx.int("axis", -1), x.rank, ctx)
            let size = x.shape[axis...].reduce(1, *)
            let (y, _, _) = normalizeTrailing(x.reals, groups: x.shape[..<axis].reduce(1, *), size: size, epsilon: ctx.float("epsilon", 1e-5), rms: true)
            let out = try affine(ONNXTensor(dtype: .double, shape: x.shape, reals: y), try ctx.optionalInput(1), nil, ctx)
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: out.reals))
        },
        "BatchNormalization": { ctx in
            let x = try ctx.input(0)
            let scale = try ctx.input(1).reals, bias = try ctx.input(2).reals
            var mean = try ctx.input(3).reals, variance = try ctx.input(4).reals
            let eps = ctx.float("epsilon", 1e-5), momentum = ctx.float("momentum", 0.9)
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *), n = x.shape[0]
            let v = x.reals
            let training = ctx.int("training_mode", 0) != 0 && ctx.opset >= 14
            var runningMean = mean, runningVar = variance
            if training {
                for ch in 0..<c {
                    var s = 0.0, count = 0.0
                    for b in 0..<n { for k in 0..<inner { s += v[(b * c + ch) * inner + k]; count += 1 } }
                    let m = s / count
                    var q = 0.0
                    for b in 0..<n { for k in 0..<inner { let e = v[(b * c + ch) * inner + k] - m; q += e * e } }
                    runningMean[ch] = mean[ch] * momentum + m * (1 - momentum)
                    runningVar[ch] = variance[ch] * momentum + q / count * (1 - momentum)
                    mean[ch] = m
                    variance[ch] = q / count
                }
            }
            var y = [Double](repeating: 0, count: v.count)
            for b in 0..<n {
                for ch in 0..<c {
                    let r = scale[ch] / (variance[ch] + eps).squareRoot()
                    for k in 0..<inner {
                        let i = (b * c + ch) * inner + k
                        y[i] = (v[i] - mean[ch]) * r + bias[ch]
                    }
                }
            }
            var out: [ONNXValue?] = [.tensor(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))]
            if training {
                out.append(.tensor(ONNXTensor(dtype: x.dtype, shape: [c], reals: runningMean)))
                out.append(.tensor(ONNXTensor(dtype: x.dtype, shape: [c], reals: runningVar)))
            }
            return out
        },
        "InstanceNormalization": { ctx in
            let x = try ctx.input(0)
            let scale = try ctx.input(1).reals, bias = try ctx.input(2).reals
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
            var (y, _, _) = normalizeTrailing(x.reals, groups: x.shape[0] * c, size: inner, epsilon: ctx.float("epsilon", 1e-5))
            for i in 0..<y.count { let ch = (i / inner) % c; y[i] = y[i] * scale[ch] + bias[ch] }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "GroupNormalization": { ctx in
            let x = try ctx.input(0)
            let scale = try ctx.input(1).reals, bias = try ctx.input(2).reals
            let g = ctx.int("num_groups", 1)
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
            var (y, _, _) = normalizeTrailing(x.reals, groups: x.shape[0] * g, size: c / g * inner, epsilon: ctx.float("epsilon", 1e-5))
            for i in 0..<y.count {
                let ch = (i / inner) % c
                let p = scale.count == c ? ch : ch / (c / g)
                y[i] = y[i] * scale[p] + bias[p]
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "LpNormalization": { ctx in
            let x = try ctx.input(0)
            let axis = try normalizeAxis(ctx.int("axis", -1), x.rank, ctx)
            let p = ctx.int("p", 2)
            let (_, groups) = reductionGroups(x.shape, axes: [axis])
            let v = x.reals
            var y = v
            for g in groups {
                let norm = p == 1 ? g.reduce(0) { $0 + abs(v[$1]) } : g.reduce(0) { $0 + v[$1] * v[$1] }.squareRoot()
                for i in g { y[i] = norm == 0 ? 0 : v[i] / norm }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "MeanVarianceNormalization": { ctx in
            let x = try ctx.input(0)
            let axes = Set(try (ctx.ints("axes") ?? [0, 2, 3]).map { try normalizeAxis($0, x.rank, ctx) })
            let (_, groups) = reductionGroups(x.shape, axes: axes)
            let v = x.reals
            var y = v
            for g in groups {
                let m = g.reduce(0) { $0 + v[$1] } / Double(g.count)
                let s = (g.reduce(0) { $0 + (v[$1] - m) * (v[$1] - m) } / Double(g.count)).squareRoot()
                for i in g { y[i] = (v[i] - m) / (s + 1e-9) }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "Pad": { ctx in
            let x = try ctx.input(0)
            var pads: [Int]
            var value: ONNXTensor? = nil
            var axes = Array(0..<x.rank)
            if ctx.opset < 11 {
                pads = ctx.ints("pads") ?? []
                value = ONNXTensor(dtype: x.dtype, shape: [], reals: [ctx.float("value", 0)])
            } else {
                pads = try ctx.intsInput(1) ?? []
                value = try ctx.optionalInput(2)
                if let a = try ctx.intsInput(3) { axes = try a.map { try normalizeAxis($0, x.rank, ctx) } }
            }
            guard pads.count == 2 * axes.count else { throw ctx.fail("pads \(pads) for \(axes.count) axes") }
            var begin = [Int](repeating: 0, count: x.rank), end = begin
            for (k, a) in axes.enumerated() {
                begin[a] = pads[k]
                end[a] = pads[k + axes.count]
            }
            return ONNXNodeContext.one(try padTensor(x, begin: begin, end: end, mode: ctx.string("mode", "constant"), value: value, ctx))
        },
        "Dropout": { ctx in
            let x = try ctx.input(0)
            let ratio = ctx.opset >= 12 ? try ctx.optionalInput(1)?.reals.first ?? 0.5 : ctx.float("ratio", 0.5)
            let training = ctx.opset >= 12 ? (try ctx.optionalInput(2)?.ints.first ?? 0) != 0 : ctx.int("is_test", 1) == 0 && ctx.opset < 7
            if training && ratio > 0 { throw ctx.fail("training-mode dropout is random and not supported") }
            return [.tensor(x), .tensor(ONNXTensor(dtype: .bool, shape: x.shape, ints: [Int64](repeating: 1, count: x.count)))]
        },
        "NegativeLogLikelihoodLoss": { ctx in
            let x = try ctx.input(0), t = try ctx.input(1)
            let ignore = ctx.int("ignore_index").map { Int64($0) }
            return ONNXNodeContext.one(try nllLoss(x.reals, shape: x.shape, target: t.ints, weight: try ctx.optionalInput(2)?.reals,
                reduction: ctx.string("reduction", "mean"), ignoreIndex: ignore, dtype: x.dtype, ctx))
        },
        "SoftmaxCrossEntropyLoss": { ctx in
            let x = try ctx.input(0), t = try ctx.input(1)
            let c = x.shape[1], n = x.shape[0], d = x.shape.count > 2 ? x.shape[2...].reduce(1, *) : 1
            let v = x.reals
            var logp = [Double](repeating: 0, count: v.count)
            for i in 0..<n {
                for k in 0..<d {
                    let row = (0..<c).map { v[(i * c + $0) * d + k] }
                    let l = logSumExp(row)
                    for j in 0..<c { logp[(i * c + j) * d + k] = row[j] - l }
                }
            }
            let ignore = ctx.int("ignore_index").map { Int64($0) }
            let loss = try nllLoss(logp, shape: x.shape, target: t.ints, weight: try ctx.optionalInput(2)?.reals,
                reduction: ctx.string("reduction", "mean"), ignoreIndex: ignore, dtype: x.dtype, ctx)
            return [.tensor(loss), .tensor(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: logp))]
        },
    ]
}
