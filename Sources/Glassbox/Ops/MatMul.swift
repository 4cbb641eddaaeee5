import GlassboxKernels

/// Matrix products on the SIMD GEMM.
extension Tensor {
    /// Matrix product with PyTorch's `matmul` rules: 1-D operands are treated as a row (left)
    /// or column (right) vector and that dimension is removed from the result; leading (batch)
    /// dimensions broadcast.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul: scalar operands (shapes \(shape) and \(other.shape))")
        let a = rank == 1 ? unsqueezed(0) : self
        let b = other.rank == 1 ? other.unsqueezed(1) : other
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        precondition(k == k2, "matmul: inner dimensions differ for shapes \(shape) and \(other.shape)")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = broadcastShapes(batchA, batchB, op: "matmul")
        let count = batch.reduce(1, *)
        let a3 = (batchA == batch ? a : a.expanded(to: batch + [m, k])).reshaped([count, m, k])
        let b3: Tensor
        if batchB.reduce(1, *) == 1 && count > 1 {
            // One right-hand matrix shared by every batch entry: a single GEMM over all rows.
            let rows = a3.reshaped([count * m, k])
            var result = Tensor.batchedMatmul(rows.unsqueezed(0), b.reshaped([1, k, n]), false, false).reshaped(batch + [m, n])
            if rank == 1 { result = result.squeezed(-2) }
            if other.rank == 1 { result = result.squeezed(-1) }
            return result
        } else {
            b3 = (batchB == batch ? b : b.expanded(to: batch + [k, n])).reshaped([count, k, n])
        }
        var result = Tensor.batchedMatmul(a3, b3, false, false).reshaped(batch + [m, n])
        if rank == 1 { result = result.squeezed(-2) }
        if other.rank == 1 { result = result.squeezed(-1) }
        return result
    }

    /// `op(a) · op(b)` for 3-D tensors with equal batch sizes, where `op` transposes the last
    /// two dimensions when its flag is set. Transposes are GEMM flags, never copies.
    ///
    /// Derivatives (C = op(A)·op(B), G = ∂L/∂C):
    /// ∂A = G·op(B)ᵀ (or op(B)·Gᵀ when A is transposed); ∂B = op(A)ᵀ·G (or Gᵀ·op(A)).
    public static func batchedMatmul(_ a: Tensor, _ b: Tensor, _ transA: Bool, _ transB: Bool) -> Tensor {
        precondition(
            a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0],
            "batchedMatmul: shapes \(a.shape) and \(b.shape) are not two equal-batch 3-D tensors")
        let batch = a.shape[0]
        let m = transA ? a.shape[2] : a.shape[1]
        let k = transA ? a.shape[1] : a.shape[2]
        let kb = transB ? b.shape[2] : b.shape[1]
        let n = transB ? b.shape[1] : b.shape[2]
        precondition(k == kb, "batchedMatmul: inner dimensions differ for shapes \(a.shape) and \(b.shape) (transposes \(transA), \(transB))")
        let out = empty([batch, m, n])
        GlassboxKernels.batchedGEMM(
            transA ? .transpose : .none, transB ? .transpose : .none,
            m: m, n: n, k: k, alpha: 1,
            a: a.storage.pointer, lda: a.shape[2], strideA: a.shape[1] * a.shape[2],
            b: b.storage.pointer, ldb: b.shape[2], strideB: b.shape[1] * b.shape[2],
            beta: 0, c: out.storage.pointer, ldc: n, strideC: m * n, batchCount: batch)
        return out.recorded(.matmul, [a, b]) { g, _ in
            let ga: Tensor? =
                a.requiresGrad
                ? (transA ? batchedMatmul(b, g, transB, true) : batchedMatmul(g, b, false, !transB)) : nil
            let gb: Tensor? =
                b.requiresGrad
                ? (transB ? batchedMatmul(g, a, true, transA) : batchedMatmul(a, g, !transA, false)) : nil
            return [ga, gb]
        }
    }
}
