import GlassboxIO

// MatMul (numpy semantics: 1-d operands promoted, batch dims broadcast) and Gemm.

/// `a @ b` with numpy broadcasting of the batch dimensions, on `Double` values.
func matmul(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: ONNXNodeContext, dtype: ONNXDataType? = nil) throws -> ONNXTensor {
    var sa = a.shape, sb = b.shape
    if sa.count == 1 { sa = [1, sa[0]] }
    if sb.count == 1 { sb = [sb[0], 1] }
    let (m, k) = (sa[sa.count - 2], sa[sa.count - 1]), (k2, n) = (sb[sb.count - 2], sb[sb.count - 1])
    guard k == k2, let batch = broadcastShape(Array(sa.dropLast(2)), Array(sb.dropLast(2))) else {
        throw ctx.fail("shapes \(a.shape) and \(b.shape) do not multiply")
    }
    let ia = broadcastIndices(from: Array(sa.dropLast(2)), to: batch), ib = broadcastIndices(from: Array(sb.dropLast(2)), to: batch)
    let x = a.reals, y = b.reals
    var out = [Double](repeating: 0, count: batch.reduce(1, *) * m * n)
    for (bi, (pa, pb)) in zip(ia, ib).enumerated() {
        let oa = pa * m * k, ob = pb * k * n, oo = bi * m * n
        for i in 0..<m {
            for p in 0..<k {
                let s = x[oa + i * k + p]
                if s == 0 && !y.isEmpty { continue }
                for j in 0..<n { out[oo + i * n + j] += s * y[ob + p * n + j] }
            }
        }
    }
    var shape = batch + [m, n]
    if a.rank == 1 { shape.remove(at: shape.count - 2) }
    if b.rank == 1 { shape.removeLast() }
    return ONNXTensor(dtype: dtype ?? a.dtype, shape: shape, reals: out)
}

extension ONNXOperators {
    nonisolated(unsafe) static let linear: [String: ONNXOperator] = [
        "MatMul": { ctx in ONNXNodeContext.one(try matmul(try ctx.input(0), try ctx.input(1), ctx)) },
        "MatMulInteger": { ctx in
            var a = try ctx.input(0), b = try ctx.input(1)
            if let za = try ctx.optionalInput(2) { a = try binary(ONNXTensor(dtype: .int64, shape: a.shape, ints: a.ints), za, ctx, -, int: { $0 - $1 }) }
            if let zb = try ctx.optionalInput(3) { b = try binary(ONNXTensor(dtype: .int64, shape: b.shape, ints: b.ints), zb, ctx, -, int: { $0 - $1 }) }
            return ONNXNodeContext.one(try matmul(a, b, ctx, dtype: .int32))
        },
        "Gemm": { ctx in
            var a = try ctx.input(0), b = try ctx.input(1)
            if ctx.int("transA", 0) != 0 { a = a.gathered(transposeIndices(a.shape, [1, 0]).indices, shape: [a.shape[1], a.shape[0]]) }
            if ctx.int("transB", 0) != 0 { b = b.gathered(transposeIndices(b.shape, [1, 0]).indices, shape: [b.shape[1], b.shape[0]]) }
            let alpha = ctx.float("alpha", 1), beta = ctx.float("beta", 1)
            var y = try matmul(a, b, ctx)
            y = ONNXTensor(dtype: y.dtype, shape: y.shape, reals: y.reals.map { $0 * alpha })
            if let c = try ctx.optionalInput(2) { y = try binary(y, c, ctx, { $0 + beta * $1 }) }
            return ONNXNodeContext.one(y)
        },
    ]
}
