#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// The opset-27 sequence-model operators: CausalConvWithState (a depthwise causal 1-d conv that
// carries its last k-1 inputs) and LinearAttention (linear, gated, delta and gated-delta
// state updates, grouped heads).

extension ONNXOperators {
    nonisolated(unsafe) static let stateSpace: [String: ONNXOperator] = [
        "CausalConvWithState": { ctx in
            let x = try ctx.input(0), w = try ctx.input(1)
            let bias = try ctx.optionalInput(2)?.reals
            let (b, c, l) = (x.shape[0], x.shape[1], x.shape[2])
            let k = w.shape[2]
            let past = try ctx.optionalInput(3)?.reals ?? [Double](repeating: 0, count: b * c * (k - 1))
            let silu = ["silu", "swish"].contains(ctx.string("activation", "none"))
            let xv = x.reals, wv = w.reals
            let width = l + k - 1
            var y = [Double](repeating: 0, count: b * c * l), state = [Double](repeating: 0, count: b * c * (k - 1))
            for bi in 0..<b {
                for ch in 0..<c {
                    let padded = (0..<width).map { $0 < k - 1 ? past[(bi * c + ch) * (k - 1) + $0] : xv[(bi * c + ch) * l + $0 - (k - 1)] }
                    for t in 0..<l {
                        var s = bias?[ch] ?? 0
                        for j in 0..<k { s += padded[t + j] * wv[ch * k + j] }
                        if silu { s = Double(Float(s)); s = s * sigmoid(s) }
                        y[(bi * c + ch) * l + t] = s
                    }
                    for j in 0..<(k - 1) { state[(bi * c + ch) * (k - 1) + j] = padded[width - (k - 1) + j] }
                }
            }
            return [.tensor(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y)), .tensor(ONNXTensor(dtype: x.dtype, shape: [b, c, k - 1], reals: state))]
        },
        "LinearAttention": { ctx in
            let q = try ctx.input(0), k = try ctx.input(1), v = try ctx.input(2)
            let past = try ctx.optionalInput(3), decay = try ctx.optionalInput(4), beta = try ctx.optionalInput(5)
            guard let hq = ctx.int("q_num_heads"), let hk = ctx.int("kv_num_heads"), hk > 0, hq % hk == 0 else { throw ctx.fail("q_num_heads and kv_num_heads are needed") }
            let rule = ctx.string("update_rule", "gated_delta")
            let gating = rule == "gated" || rule == "gated_delta", delta = rule == "delta" || rule == "gated_delta"
            guard !gating || decay != nil, !delta || beta != nil else { throw ctx.fail("update_rule '\(rule)' needs its decay/beta inputs") }
            let (b, t) = (q.shape[0], q.shape[1])
            let dk = q.shape[2] / hq, dv = v.shape[2] / hk
            let group = hq / hk
            let scaleAttribute = ctx.float("scale", 0)
            let scale = scaleAttribute == 0 ? 1 / Double(dk).squareRoot() : scaleAttribute
            let qv = q.reals, kv = k.reals, vv = v.reals
            let dvals = decay?.reals, bvals = beta?.reals
            let decayLast = decay?.shape[2] ?? 1, betaLast = beta?.shape[2] ?? 1
            var state = past?.reals ?? [Double](repeating: 0, count: b * hk * dk * dv)
            var out = [Double](repeating: 0, count: b * t * hq * dv)
            for bi in 0..<b {
                for i in 0..<t {
                    for h in 0..<hk {
                        let sBase = (bi * hk + h) * dk * dv
                        if gating, let dvals {
                            for d in 0..<dk {
                                let g = decayLast == hk ? dvals[(bi * t + i) * hk + h] : dvals[(bi * t + i) * decayLast + h * dk + d]
                                let e = exp(g)
                                for m in 0..<dv { state[sBase + d * dv + m] *= e }
                            }
                        }
                        var vt = (0..<dv).map { vv[(bi * t + i) * hk * dv + h * dv + $0] }
                        let kt = (0..<dk).map { kv[(bi * t + i) * hk * dk + h * dk + $0] }
                        if delta, let bvals {
                            let be = bvals[(bi * t + i) * betaLast + (betaLast == 1 ? 0 : h)]
                            for m in 0..<dv {
                                var r = 0.0
                                for d in 0..<dk { r += state[sBase + d * dv + m] * kt[d] }
                                vt[m] = be * (vt[m] - r)
                            }
                        }
                        for d in 0..<dk { for m in 0..<dv { state[sBase + d * dv + m] += kt[d] * vt[m] } }
                    }
                    for h in 0..<hq {
                        let sBase = (bi * hk + h / group) * dk * dv
                        for m in 0..<dv {
                            var s = 0.0
                            for d in 0..<dk { s += qv[(bi * t + i) * hq * dk + h * dk + d] * state[sBase + d * dv + m] }
                            out[(bi * t + i) * hq * dv + h * dv + m] = scale * s
                        }
                    }
                }
            }
            return [.tensor(ONNXTensor(dtype: q.dtype, shape: [b, t, hq * dv], reals: out)),
                    .tensor(ONNXTensor(dtype: past?.dtype ?? q.dtype, shape: [b, hk, dk, dv], reals: state))]
        },
    ]
}
