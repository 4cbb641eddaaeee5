import GlassboxIO

// ai.onnx.preview FlexAttention: attention whose scores and probabilities pass through
// optional subgraphs (score_mod, prob_mod), with grouped KV heads.

/// Repeats each head of a `[B, H, S, D]` tensor `times` times along axis 1.
func repeatHeads(_ x: ONNXTensor, _ times: Int) -> ONNXTensor {
    guard times > 1 else { return x }
    let (b, h, s, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var idx: [Int] = []
    for bi in 0..<b { for hh in 0..<(h * times) { let src = (bi * h + hh / times) * s * d; idx += src..<(src + s * d) } }
    return x.gathered(idx, shape: [b, h * times, s, d])
}

extension ONNXOperators {
    nonisolated(unsafe) static let flexAttention: [String: ONNXOperator] = [
        "ai.onnx.preview:FlexAttention": { ctx in
            let q = try ctx.input(0), k = try ctx.input(1), v = try ctx.input(2)
            guard q.rank == 4, k.rank == 4, v.rank == 4, k.shape[1] > 0, q.shape[1] % k.shape[1] == 0 else {
                throw ctx.fail("Q \(q.shape), K \(k.shape), V \(v.shape) must be rank 4 with Hq a multiple of Hkv")
            }
            let times = q.shape[1] / k.shape[1]
            let ka = repeatHeads(k, times), va = repeatHeads(v, times)
            let scale = ctx.attribute("scale").map { Double($0.float) } ?? 1 / Double(q.shape[3]).squareRoot()
            let computeType: ONNXDataType = try ctx.int("softmax_precision").map { try dataType(ctx, $0) } ?? (q.dtype == .double ? .double : .float)
            let kt = ka.gathered(transposeIndices(ka.shape, [0, 1, 3, 2]).indices, shape: [ka.shape[0], ka.shape[1], ka.shape[3], ka.shape[2]])
            var scores = try matmul(q, kt, ctx, dtype: .double)
            scores = ONNXTensor(dtype: computeType, shape: scores.shape, reals: scores.reals.map { $0 * scale })
            if let g = ctx.attribute("score_mod")?.graph {
                scores = castTensor(try ctx.run(g, [.tensor(scores)])[0].tensor("score_mod output"), to: computeType)
            }
            let s = scores.shape[3]
            let sv = scores.reals
            var probs = [Double](repeating: 0, count: sv.count)
            for row in 0..<(s == 0 ? 0 : sv.count / s) {
                let p = softmax(Array(sv[(row * s)..<(row * s + s)]))
                for j in 0..<s { probs[row * s + j] = p[j] }
            }
            var pt = ONNXTensor(dtype: computeType, shape: scores.shape, reals: probs)
            if let g = ctx.attribute("prob_mod")?.graph {
                pt = castTensor(try ctx.run(g, [.tensor(pt)])[0].tensor("prob_mod output"), to: computeType)
            }
            return ONNXNodeContext.one(try matmul(pt, va, ctx, dtype: v.dtype))
        },
    ]
}
