#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Attention (opset 23+): scaled dot-product attention over [batch, heads, seq, head] with 3-d
// inputs split into heads, a KV cache (past_key/past_value → present), grouped-query heads, a
// boolean or additive mask padded to the total KV length, bottom-right-aligned causal masking,
// sliding windows, per-batch non-padded KV lengths, softcap and the qk_matmul_output modes.

/// `[B, S, H·D]` → `[B, H, S, D]`.
func splitHeads(_ x: ONNXTensor, heads: Int) -> ONNXTensor {
    let (b, s, hidden) = (x.shape[0], x.shape[1], x.shape[2])
    let (shape, idx) = transposeIndices([b, s, heads, hidden / heads], [0, 2, 1, 3])
    return x.gathered(idx, shape: shape)
}

extension ONNXOperators {
    nonisolated(unsafe) static let attention: [String: ONNXOperator] = [
        "Attention": { ctx in
            var q = try ctx.input(0), k = try ctx.input(1), v = try ctx.input(2)
            let threeD = q.rank == 3
            if threeD {
                guard let qh = ctx.int("q_num_heads"), let kvh = ctx.int("kv_num_heads") else { throw ctx.fail("3-d inputs need q_num_heads and kv_num_heads") }
                q = splitHeads(q, heads: qh)
                k = splitHeads(k, heads: kvh)
                v = splitHeads(v, heads: kvh)
            }
            guard q.rank == 4, k.rank == 4, v.rank == 4 else { throw ctx.fail("Q, K, V must be 3-d or 4-d") }
            let pastKey = try ctx.optionalInput(4), pastValue = try ctx.optionalInput(5)
            if let pastKey { k = try concatenate([pastKey, k], axis: 2, ctx) }
            if let pastValue { v = try concatenate([pastValue, v], axis: 2, ctx) }
            let nonpad = try ctx.optionalInput(6)?.ints
            let (b, hq, sq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
            let (hk, skv, dv) = (k.shape[1], k.shape[2], v.shape[3])
            guard hk > 0, hq % hk == 0, k.shape[3] == d else { throw ctx.fail("Q \(q.shape), K \(k.shape) do not match") }
            let scale = ctx.attribute("scale").map { Double($0.float) } ?? 1 / Double(d).squareRoot()
            let softcap = ctx.float("softcap", 0)
            let mode = ctx.int("qk_matmul_output_mode", 0)
            let causal = ctx.int("is_causal", 0) != 0
            let left = ctx.int("left_window_size", -1), right = ctx.int("right_window_size", -1)
            // The additive bias, [B, Hq, Sq, Skv].
            let biasShape = [b, hq, sq, skv]
            var bias = [Double](repeating: 0, count: biasShape.reduce(1, *))
            if let mask = try ctx.optionalInput(3) {
                var m = mask
                let pad = skv - m.shape[m.rank - 1]
                if pad > 0 {
                    var end = [Int](repeating: 0, count: m.rank)
                    end[m.rank - 1] = pad
                    let fill = m.dtype == .bool ? ONNXTensor(dtype: .bool, shape: [], ints: [0]) : ONNXTensor(dtype: .double, shape: [], reals: [-.infinity])
                    m = try padTensor(m, begin: [Int](repeating: 0, count: m.rank), end: end, mode: "constant", value: fill, ctx)
                }
                let values = m.dtype == .bool ? m.ints.map { $0 != 0 ? 0.0 : -Double.infinity } : m.reals
                guard let shape = broadcastShape(m.shape, biasShape), shape == biasShape else { throw ctx.fail("attn_mask \(mask.shape) does not broadcast to \(biasShape)") }
                for (i, j) in broadcastIndices(from: m.shape, to: biasShape).enumerated() { bias[i] = values[j] }
            }
            for bi in 0..<b {
                let offset = pastKey != nil ? pastKey!.shape[2] : nonpad.map { Int($0[bi]) - sq } ?? 0
                for h in 0..<hq {
                    for i in 0..<sq {
                        for j in 0..<skv {
                            let diff = i + offset - j
                            var allowed = true
                            if causal && diff < 0 { allowed = false }
                            if left >= 0 && diff > left { allowed = false }
                            if right >= 0 && -diff > right { allowed = false }
                            if let nonpad, j >= Int(nonpad[bi]) { allowed = false }
                            if !allowed { bias[((bi * hq + h) * sq + i) * skv + j] = -.infinity }
                        }
                    }
                }
            }
            let qv = q.reals, kv = k.reals, vv = v.reals
            let group = hq / hk
            var y = [Double](repeating: 0, count: b * hq * sq * dv)
            var qk = [Double](repeating: 0, count: bias.count)
            for bi in 0..<b {
                for h in 0..<hq {
                    let kh = h / group
                    for i in 0..<sq {
                        let row = ((bi * hq + h) * sq + i) * skv
                        var scores = [Double](repeating: 0, count: skv)
                        for j in 0..<skv {
                            var s = 0.0
                            for t in 0..<d { s += qv[((bi * hq + h) * sq + i) * d + t] * kv[((bi * hk + kh) * skv + j) * d + t] }
                            s *= scale
                            if softcap > 0 { s = tanh(s / softcap) * softcap }
                            scores[j] = s
                        }
                        let biased = (0..<skv).map { scores[$0] + bias[row + $0] }
                        let allMasked = (0..<skv).allSatisfy { bias[row + $0] == -.infinity }
                        var p = [Double](repeating: 0, count: skv)
                        if !allMasked {
                            let m = biased.max()!
                            let e = biased.map { exp($0 - m) }
                            let sum = e.reduce(0, +)
                            p = e.map { $0 / sum }
                        }
                        for j in 0..<skv { qk[row + j] = mode == 3 ? p[j] : mode == 2 ? biased[j] : scores[j] }
                        for j in 0..<skv where p[j] != 0 {
                            for t in 0..<dv { y[((bi * hq + h) * sq + i) * dv + t] += p[j] * vv[((bi * hk + kh) * skv + j) * dv + t] }
                        }
                    }
                }
            }
            var out = ONNXTensor(dtype: q.dtype, shape: [b, hq, sq, dv], reals: y)
            if threeD {
                let (_, idx) = transposeIndices(out.shape, [0, 2, 1, 3])
                out = out.gathered(idx, shape: [b, sq, hq * dv])
            }
            return [.tensor(out), .tensor(k), .tensor(v), .tensor(ONNXTensor(dtype: q.dtype, shape: biasShape, reals: qk))]
        },
    ]
}
