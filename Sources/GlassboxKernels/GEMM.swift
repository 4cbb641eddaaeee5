/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    /// Use the matrix as stored.
    case none
    /// Use the transpose of the stored matrix.
    case transpose
}

// GEMM: C = alpha · op(A) · op(B) + beta · C, row-major, BLIS loop structure.
//
//   jc: columns of C in blocks of NC       (B panel of KC × NC is packed per jc, pc)
//     pc: the k dimension in equal blocks of at most KC (C accumulates over pc blocks in order)
//       ic: rows of C in blocks of MC      (A block of MC × KC is packed per ic)
//         jr: columns in micro-panels of NR
//           ir: rows in micro-panels of MR → one micro-kernel call: an MR × NR tile of C
//                                            updated with KC rank-1 updates in registers
//
// Blocking (measured on Zen 4, see Docs/Kernels.md, "Code-generation facts"): KC = 256 with
// 256-bit or narrower vectors keeps one packed A micro-panel (MR × KC) and one B micro-panel
// (KC × NR) in L1; with 512-bit vectors KC = 512 — the B micro-panel (KC × 128 bytes) is read
// from L2 either way, and fewer k blocks mean fewer passes over C (1024³ Float: 96 → 102.5
// GFLOP/s); MC = 144 for Float and 72 for Double (multiples of MR = 6) keep the packed A block
// in L2; NC = 4096 bounds the packed B block (L3).
// MR × NR is the register tile: 6 × 2 vectors — 12 accumulators, 2 B loads and 6 A broadcasts
// per k step (SIMD8<Float> 6×16, SIMD4<Double> 6×8; with AVX512 SIMD16<Float> 6×32 and
// SIMD8<Double> 6×16; in a plain SSE2 build SIMD4<Float> 6×8 and SIMD2<Double> 6×4 — see
// `GEMMVector`).
//
// Edge tiles run the same micro-kernel on zero-padded panels into a scratch tile, so every C
// element is accumulated over k in the same order whatever the tile or thread it falls in:
// results are bitwise identical for every thread count.
//
// Threads: one Threading.parallelFor per call. Each thread owns a contiguous block of C rows (a
// multiple of MR) — or of columns (a multiple of NR) when C is too short — and runs the loops
// above on it, packing its own panels.
//
// Operands reach the loops through two packing protocols (GEMM+Packing.swift): strided
// matrices (`GEMMMatrix`, for gemm and batchedGEMM), matrices packed once and read in place
// (`GEMMPackedMatrix`), and a convolution's im2col view read from the image
// (`ConvolutionMatrix`, Convolution+Packing.swift).

/// General matrix multiply, row-major: `C = alpha · op(A) · op(B) + beta · C`, or with a
/// `bias`, `C = alpha · op(A) · op(B) + bias` (bias added to every row).
///
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. `lda`, `ldb`, `ldc` are the row
/// strides of the matrices *as stored*. When `beta == 0`, `C` is not read (NaNs in it do not
/// propagate), as in BLAS. `bias` (`n` values, or nil) needs `beta == 0`: it is added as the
/// tiles are written, with the bits of filling C with the bias rows and running with
/// `beta = 1` (the way BLAS's users add a bias), without that extra pass over C. Uses up to
/// ``Threading/threadCount`` threads; the result does not depend on the thread count.
public func gemm<T: KernelScalar>(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int,
    b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int,
    bias: UnsafePointer<T>? = nil
) {
    precondition(bias == nil || beta == 0, "gemm: a bias needs beta = 0, got beta = \(beta)")
    GEMMProblem(m: m, n: n, k: k, ldc: ldc).dispatch(
        alpha: alpha, a: GEMMMatrix(a, ld: lda, transposed: transA == .transpose),
        b: GEMMMatrix(b, ld: ldb, transposed: transB == .transpose), beta: beta, c: c,
        threads: Threading.threadCount, bias: bias)
}

/// Strided batched GEMM: for each `i` in `0..<batchCount`, one
/// ``gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` on `a + i·strideA`, `b + i·strideB`,
/// `c + i·strideC`. A stride of 0 broadcasts that operand (`strideC` must not be 0 when
/// `batchCount > 1`).
public func batchedGEMM<T: KernelScalar>(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: T, a: UnsafePointer<T>, lda: Int, strideA: Int,
    b: UnsafePointer<T>, ldb: Int, strideB: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int, strideC: Int,
    batchCount: Int
) {
    if batchCount <= 0 { return }
    precondition(strideC != 0 || batchCount == 1, "batchedGEMM: strideC is 0 for \(batchCount) batches")
    let problem = GEMMProblem(m: m, n: n, k: k, ldc: ldc)
    let ta = transA == .transpose, tb = transB == .transpose
    let threads = Threading.threadCount
    if batchCount == 1 || threads == 1 || problem.flops >= GEMMProblem.parallelThreshold * threads {
        // Each GEMM is large enough to split by itself.
        for i in 0..<batchCount {
            problem.dispatch(
                alpha: alpha, a: GEMMMatrix(a + i * strideA, ld: lda, transposed: ta),
                b: GEMMMatrix(b + i * strideB, ld: ldb, transposed: tb), beta: beta,
                c: c + i * strideC, threads: threads)
        }
        return
    }
    // Many small GEMMs: whole GEMMs per thread (same kernel, same bits).
    let ap = SendableConstPointer(a), bp = SendableConstPointer(b), cp = SendablePointer(c)
    Threading.parallelChunks(batchCount) { range in
        for i in range {
            problem.dispatch(
                alpha: alpha, a: GEMMMatrix(ap.base + i * strideA, ld: lda, transposed: ta),
                b: GEMMMatrix(bp.base + i * strideB, ld: ldb, transposed: tb), beta: beta,
                c: cp.base + i * strideC, threads: 1)
        }
    }
}

/// The shape of one GEMM call: op(A) is `m × k`, op(B) `k × n`, C `m × n` with row stride `ldc`.
struct GEMMProblem: Sendable {
    var m: Int, n: Int, k: Int
    var ldc: Int

    /// Problems below this many multiply-adds run on one thread: a worker starts 15–100 µs
    /// late (Docs/Kernels.md, "Code-generation facts"), longer than such a GEMM takes.
    static let parallelThreshold = 1 << 18

    var flops: Int { m * n * k }

    /// Routes to the specialised implementation for `T`.
    func dispatch<T: KernelScalar>(
        alpha: T, a: GEMMMatrix<T>, b: GEMMMatrix<T>, beta: T, c: UnsafeMutablePointer<T>,
        threads: Int, bias: UnsafePointer<T>? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        if k == 0 || alpha == 0 {
            scale(c, by: beta)
            if let bias {
                for i in 0..<m { (c + i * ldc).update(from: bias, count: n) }
            }
            return
        }
        if T.self == Float.self {
            run(
                GEMMVector.Float.self, alpha as! Float, a.rebound(to: Float.self), b.rebound(to: Float.self),
                beta as! Float, rebind(c, Float.self), threads, bias: bias.map { rebind($0, Float.self) })
        } else if T.self == Double.self {
            run(
                GEMMVector.Double.self, alpha as! Double, a.rebound(to: Double.self), b.rebound(to: Double.self),
                beta as! Double, rebind(c, Double.self), threads, bias: bias.map { rebind($0, Double.self) })
        } else {
            fatalError("gemm: unsupported scalar type \(T.self)")
        }
    }

    /// `C = beta · C` (or zeros when beta is 0, without reading C).
    func scale<T: KernelScalar>(_ c: UnsafeMutablePointer<T>, by beta: T) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// Splits C over threads and runs the blocked loops on each part. `a` and `b` pack blocks
    /// of op(A) and op(B) (strided matrices for ``gemm``, or views such as a convolution's
    /// im2col matrix read in place); `m`, `n`, `k` and `ldc` come from `self`, and `k > 0`.
    /// `bias` (n values, with beta = 0) is added to every row as the tiles are written.
    func run<V: SIMD, A: GEMMPackingA, B: GEMMPackingB>(
        _: V.Type, _ alpha: V.Scalar, _ a: A, _ b: B,
        _ beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, _ threads: Int, bias: UnsafePointer<V.Scalar>? = nil
    ) where V.Scalar: KernelScalar, A.Scalar == V.Scalar, B.Scalar == V.Scalar {
        let mr = GEMMBlocking.mr, nr = 2 * V.scalarCount
        let wanted = flops < Self.parallelThreshold ? 1 : Swift.min(threads, Swift.max(1, flops / Self.parallelThreshold))
        let rowPanels = (m + mr - 1) / mr
        let colPanels = (n + nr - 1) / nr
        if wanted <= 1 {
            blocked(V.self, rows: 0..<m, cols: 0..<n, alpha, a, b, beta, c, bias: bias)
            return
        }
        let cp = SendablePointer(c), biasPointer = bias.map { SendableConstPointer($0) }
        if rowPanels >= 2 * wanted || rowPanels >= colPanels {
            let parts = Swift.min(wanted, rowPanels)
            let per = (rowPanels + parts - 1) / parts
            Threading.parallelFor(parts) { t in
                let lo = t * per * mr, hi = Swift.min(m, (t + 1) * per * mr)
                if lo < hi { blocked(V.self, rows: lo..<hi, cols: 0..<n, alpha, a, b, beta, cp.base, bias: biasPointer?.base) }
            }
        } else {
            let parts = Swift.min(wanted, colPanels)
            let per = (colPanels + parts - 1) / parts
            Threading.parallelFor(parts) { t in
                let lo = t * per * nr, hi = Swift.min(n, (t + 1) * per * nr)
                if lo < hi { blocked(V.self, rows: 0..<m, cols: lo..<hi, alpha, a, b, beta, cp.base, bias: biasPointer?.base) }
            }
        }
    }
}

/// The vector type of the register tile for each scalar type and build configuration.
///
/// FMA builds (x86-64 with AVX2): 256-bit vectors, 12 accumulators in 16 ymm registers.
/// AVX512 builds: 512-bit vectors (32 zmm registers). Plain x86-64 builds have only 16
/// 128-bit xmm registers, so they use 128-bit vectors to keep the 12 accumulators from
/// spilling. arm64 (32 128-bit registers, FMA always present) uses the FMA shapes.
enum GEMMVector {
    #if AVX512
    typealias Float = SIMD16<Swift.Float>
    typealias Double = SIMD8<Swift.Double>
    #elseif FMA || arch(arm64)
    typealias Float = SIMD8<Swift.Float>
    typealias Double = SIMD4<Swift.Double>
    #else
    typealias Float = SIMD4<Swift.Float>
    typealias Double = SIMD2<Swift.Double>
    #endif
}

/// Blocking parameters (see the comment at the top of this file).
enum GEMMBlocking {
    /// Rows of the register tile.
    static let mr = 6
    /// Depth of a packed panel for the register tile of vector type `V`: 512 for 512-bit
    /// vectors (AVX512 builds), 256 otherwise.
    static func kc<V: SIMD>(_: V.Type) -> Int { MemoryLayout<V>.size >= 64 ? 512 : 256 }
    /// Rows of a packed A block (a multiple of `mr`): 144 for Float, 72 for Double, so the
    /// packed A block is the same ~144 KB in L2 for both (BLIS's Zen values).
    static func mc<S>(_: S.Type) -> Int { 144 * 4 / MemoryLayout<S>.stride }
    /// Columns of a packed B block.
    static let nc = 4096
}
