/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    /// Use the matrix as stored.
    case none
    /// Use the transpose of the stored matrix.
    case transpose
}

/// General matrix multiply, row-major: `C = alpha · op(A) · op(B) + beta · C`.
///
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. `lda`, `ldb`, `ldc` are the row
/// strides of the matrices *as stored*. When `beta == 0`, `C` is not read (NaNs in it do not
/// propagate), as in BLAS.
///
/// PLACEHOLDER: a naive loop, to be replaced by the packed SIMD implementation.
public func gemm<T: KernelScalar>(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int,
    b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var acc: T = 0
            for p in 0..<k {
                let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                acc += av * bv
            }
            c[i * ldc + j] = beta == 0 ? alpha * acc : alpha * acc + beta * c[i * ldc + j]
        }
    }
}

/// Strided batched GEMM: for each `i` in `0..<batchCount`, one ``gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// on `a + i·strideA`, `b + i·strideB`, `c + i·strideC`. A stride of 0 broadcasts that operand.
public func batchedGEMM<T: KernelScalar>(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int, strideA: Int,
    b: UnsafePointer<T>, ldb: Int, strideB: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int, strideC: Int,
    batchCount: Int
) {
    for i in 0..<batchCount {
        gemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a + i * strideA, lda: lda,
            b: b + i * strideB, ldb: ldb, beta: beta, c: c + i * strideC, ldc: ldc)
    }
}
