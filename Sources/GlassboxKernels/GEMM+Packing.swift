// Packing for GEMM: copies blocks of op(A) and op(B) into contiguous, 64-byte-aligned,
// zero-padded micro-panels in the order the micro-kernel reads them.
//
//   packed A: for each micro-panel of MR rows, for p in 0..<kc: MR values op(A)[i0 + r, p0 + p]
//   packed B: for each micro-panel of NR cols, for p in 0..<kc: NR values op(B)[p0 + p, j0 + c]
//
// All four transpose combinations are handled here, so the micro-kernel sees one layout.
// Other sources of operands (a convolution's im2col view, Convolution+Packing.swift) conform to
// the same two protocols and run through the same blocked loops and micro-kernel.

/// A source of op(A) for the GEMM loops: packs blocks of it into MR-row micro-panels.
protocol GEMMPackingA: Sendable {
    associatedtype Scalar: KernelScalar
    /// Packs rows `rows` × depth `depth` of op(A) into `dst` (MR-row micro-panels, the last one
    /// zero-padded), or finds them already packed elsewhere. Returns where the first micro-panel
    /// starts and the distance from one micro-panel to the next.
    func packA(rows: Range<Int>, depth: Range<Int>, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
}

/// A source of op(B) for the GEMM loops: packs blocks of it into NR-column micro-panels.
protocol GEMMPackingB: Sendable {
    associatedtype Scalar: KernelScalar
    /// Packs depth `depth` × columns `cols` of op(B) into `dst` (NR-column micro-panels, the
    /// last one zero-padded), or finds them already packed elsewhere. Returns where the first
    /// micro-panel starts and the distance from one micro-panel to the next.
    func packB(depth: Range<Int>, cols: Range<Int>, nr: Int, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
}

/// A row-major matrix in memory with row stride `ld`, used as stored or transposed: the
/// operands of ``gemm(_:_:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
struct GEMMMatrix<Scalar: KernelScalar>: GEMMPackingA, GEMMPackingB, @unchecked Sendable {
    let base: UnsafePointer<Scalar>
    let ld: Int
    let transposed: Bool

    init(_ base: UnsafePointer<Scalar>, ld: Int, transposed: Bool) {
        self.base = base
        self.ld = ld
        self.transposed = transposed
    }

    /// The same matrix viewed as `U` (for routing a generic call to its specialisation, where
    /// `U` is `Scalar`).
    func rebound<U: KernelScalar>(to _: U.Type) -> GEMMMatrix<U> {
        GEMMMatrix<U>(rebind(base, U.self), ld: ld, transposed: transposed)
    }

    @inline(__always)
    func packA(rows: Range<Int>, depth: Range<Int>, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        let a = base, lda = ld, transA = transposed
        let mr = GEMMBlocking.mr
        let kc = depth.count
        var out = dst
        var i0 = rows.lowerBound
        if transA && rows.count >= mr {
            // A[i, p] = a[p·lda + i], the full micro-panels with k steps outermost: each k step's
            // row segment is read once, front to back. (Panel by panel, a panel's kc reads are lda
            // apart, and with lda a multiple of 1 KB — the recurrent layers' ∂W = dXᵀ·x, with
            // lda = 4H — they fall in a few L1 sets and every read missed.)
            let full = rows.count / mr
            let stride = MemoryLayout<Scalar>.stride
            for p in 0..<kc {
                let src = UnsafeRawPointer(a + (depth.lowerBound + p) * lda + i0)
                var d = UnsafeMutableRawPointer(dst + p * mr)
                for q in 0..<full {
                    let s = src + q * mr * stride
                    d.storeBytes(of: s.loadUnaligned(as: SIMD4<Scalar>.self), as: SIMD4<Scalar>.self)
                    d.storeBytes(
                        of: s.loadUnaligned(fromByteOffset: 4 * stride, as: SIMD2<Scalar>.self), toByteOffset: 4 * stride,
                        as: SIMD2<Scalar>.self)
                    d += mr * kc * stride
                }
            }
            out += full * mr * kc
            i0 += full * mr
        }
        while i0 < rows.upperBound {
            let h = Swift.min(mr, rows.upperBound - i0)
            if !transA && h == mr {
                // A[i, p] = a[i·lda + p]: six contiguous rows, interleaved.
                let r0 = a + i0 * lda + depth.lowerBound
                let r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
                for p in 0..<kc {
                    let d = out + p * mr
                    d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]
                    d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
                }
            } else if !transA {
                // A[i, p] = a[i·lda + p]: each of the h rows is contiguous in p.
                out.update(repeating: 0, count: mr * kc)
                for r in 0..<h {
                    let src = a + (i0 + r) * lda + depth.lowerBound
                    for p in 0..<kc { out[p * mr + r] = src[p] }
                }
            } else {
                // A[i, p] = a[p·lda + i], the last, partial micro-panel: each k step's h values
                // are contiguous.
                for p in 0..<kc {
                    let src = a + (depth.lowerBound + p) * lda + i0
                    let d = out + p * mr
                    for r in 0..<h { d[r] = src[r] }
                    for r in h..<mr { d[r] = 0 }
                }
            }
            out += mr * kc
            i0 += mr
        }
        return (UnsafePointer(dst), mr * kc)
    }

    @inline(__always)
    func packB(depth: Range<Int>, cols: Range<Int>, nr: Int, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        let b = base, ldb = ld, transB = transposed
        let kc = depth.count
        var out = dst
        var j0 = cols.lowerBound
        if !transB && nr % 8 == 0 && cols.count >= nr {
            // The full panels, with k steps outermost: each k step's row segment is read once,
            // front to back, and its nr-value pieces go to the panels as vectors (a memmove call
            // per piece would cost more than the copy). Panel by panel, one panel's kc reads are
            // ldb apart — a page apart for ldb = 1024 — and the prefetcher missed most of them.
            let full = cols.count / nr
            let stride = MemoryLayout<Scalar>.stride
            for p in 0..<kc {
                let src = UnsafeRawPointer(b + (depth.lowerBound + p) * ldb + j0)
                var d = UnsafeMutableRawPointer(dst + p * nr)
                for q in 0..<full {
                    let s = src + q * nr * stride
                    for t in Swift.stride(from: 0, to: nr, by: 8) {
                        d.storeBytes(
                            of: s.loadUnaligned(fromByteOffset: t * stride, as: SIMD8<Scalar>.self),
                            toByteOffset: t * stride, as: SIMD8<Scalar>.self)
                    }
                    d += nr * kc * stride
                }
            }
            out += full * nr * kc
            j0 += full * nr
        }
        while j0 < cols.upperBound {
            let w = Swift.min(nr, cols.upperBound - j0)
            if !transB {
                // B[p, j] = b[p·ldb + j]: each k step's w values are contiguous.
                for p in 0..<kc {
                    let src = b + (depth.lowerBound + p) * ldb + j0
                    let d = out + p * nr
                    d.update(from: src, count: w)
                    if w < nr { (d + w).update(repeating: 0, count: nr - w) }
                }
            } else if w == nr && nr % 8 == 0 {
                // B[p, j] = b[j·ldb + p], a full panel: 8 × 8 blocks (8 columns, 8 consecutive
                // p) loaded as 8 vectors and transposed in registers; the last kc % 8 rows
                // element by element.
                let src = b + j0 * ldb + depth.lowerBound
                var p0 = 0
                while p0 + 8 <= kc {
                    for c0 in Swift.stride(from: 0, to: nr, by: 8) {
                        func column(_ c: Int) -> SIMD8<Scalar> {
                            UnsafeRawPointer(src + (c0 + c) * ldb + p0).loadUnaligned(as: SIMD8<Scalar>.self)
                        }
                        var v = (column(0), column(1), column(2), column(3), column(4), column(5), column(6), column(7))
                        transpose8x8(&v)
                        func store(_ p: Int, _ row: SIMD8<Scalar>) {
                            UnsafeMutableRawPointer(out + (p0 + p) * nr + c0).storeBytes(of: row, as: SIMD8<Scalar>.self)
                        }
                        store(0, v.0); store(1, v.1); store(2, v.2); store(3, v.3)
                        store(4, v.4); store(5, v.5); store(6, v.6); store(7, v.7)
                    }
                    p0 += 8
                }
                for c in 0..<nr {
                    let column = src + c * ldb
                    for p in p0..<kc { out[p * nr + c] = column[p] }
                }
            } else {
                // B[p, j] = b[j·ldb + p]: each of the w columns is contiguous in p.
                if w < nr { out.update(repeating: 0, count: nr * kc) }
                for c in 0..<w {
                    let src = b + (j0 + c) * ldb + depth.lowerBound
                    for p in 0..<kc { out[p * nr + c] = src[p] }
                }
            }
            out += nr * kc
            j0 += nr
        }
        return (UnsafePointer(dst), nr * kc)
    }
}

/// An operand packed once in full — as op(A), every MR-row micro-panel over the whole depth
/// (``GEMMMatrix/packA(rows:depth:into:)`` with `rows: 0..<m, depth: 0..<k`); as op(B), every
/// NR-column micro-panel over the whole depth (``GEMMMatrix/packB(depth:cols:nr:into:)`` with
/// `depth: 0..<k, cols: 0..<n`) — for a matrix multiplied many times (a convolution's weights,
/// once per image): the GEMM loops then read its micro-panels where they are.
struct GEMMPackedMatrix<Scalar: KernelScalar>: GEMMPackingA, GEMMPackingB, @unchecked Sendable {
    let packed: UnsafePointer<Scalar>
    /// The full depth k.
    let depth: Int

    /// The number of scalars `count` rows (or columns) × `depth` take packed in panels of
    /// `panel` (MR for op(A), NR for op(B)).
    static func count(_ count: Int, depth: Int, panel: Int) -> Int {
        (count + panel - 1) / panel * panel * depth
    }

    @inline(__always)
    func packA(rows: Range<Int>, depth block: Range<Int>, into _: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        let mr = GEMMBlocking.mr
        return (packed + (rows.lowerBound / mr * depth + block.lowerBound) * mr, mr * depth)
    }

    @inline(__always)
    func packB(depth block: Range<Int>, cols: Range<Int>, nr: Int, into _: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        (packed + (cols.lowerBound / nr * depth + block.lowerBound) * nr, nr * depth)
    }
}

/// Transposes the 8 × 8 matrix whose rows are `v.0 … v.7`, in registers: three rounds of
/// pairwise unzips, each rotating the (row, lane) index bits by one place.
@inline(__always)
func transpose8x8<T: SIMDScalar>(
    _ v: inout (SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>)
) {
    for _ in 0..<3 {
        let p0 = SIMD16(lowHalf: v.0, highHalf: v.1), p1 = SIMD16(lowHalf: v.2, highHalf: v.3)
        let p2 = SIMD16(lowHalf: v.4, highHalf: v.5), p3 = SIMD16(lowHalf: v.6, highHalf: v.7)
        v = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
    }
}

/// `dst[c · stride + r] = src[r · columns + c] (+ bias[c])`: 8 × 8 blocks transposed in
/// registers, the edges element by element.
func transposeMatrix<S: KernelScalar>(
    _ src: UnsafePointer<S>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<S>, stride: Int,
    adding bias: UnsafePointer<S>? = nil
) {
    typealias Row = SIMD8<S>
    let size = MemoryLayout<S>.stride
    let fullRows = rows / 8 * 8, fullColumns = columns / 8 * 8
    for r0 in Swift.stride(from: 0, to: fullRows, by: 8) {
        for c0 in Swift.stride(from: 0, to: fullColumns, by: 8) {
            let from = UnsafeRawPointer(src + r0 * columns + c0), step = columns * size
            var v = (
                from.loadUnaligned(as: Row.self), from.loadUnaligned(fromByteOffset: step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 2 * step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 3 * step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 4 * step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 5 * step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 6 * step, as: Row.self),
                from.loadUnaligned(fromByteOffset: 7 * step, as: Row.self))
            transpose8x8(&v)
            if let bias {
                v.0 += Row(repeating: bias[c0]); v.1 += Row(repeating: bias[c0 + 1])
                v.2 += Row(repeating: bias[c0 + 2]); v.3 += Row(repeating: bias[c0 + 3])
                v.4 += Row(repeating: bias[c0 + 4]); v.5 += Row(repeating: bias[c0 + 5])
                v.6 += Row(repeating: bias[c0 + 6]); v.7 += Row(repeating: bias[c0 + 7])
            }
            let to = UnsafeMutableRawPointer(dst + c0 * stride + r0), out = stride * size
            to.storeBytes(of: v.0, as: Row.self)
            to.storeBytes(of: v.1, toByteOffset: out, as: Row.self)
            to.storeBytes(of: v.2, toByteOffset: 2 * out, as: Row.self)
            to.storeBytes(of: v.3, toByteOffset: 3 * out, as: Row.self)
            to.storeBytes(of: v.4, toByteOffset: 4 * out, as: Row.self)
            to.storeBytes(of: v.5, toByteOffset: 5 * out, as: Row.self)
            to.storeBytes(of: v.6, toByteOffset: 6 * out, as: Row.self)
            to.storeBytes(of: v.7, toByteOffset: 7 * out, as: Row.self)
        }
    }
    // The edges: columns past the last full block, then rows past it.
    for r in 0..<rows {
        for c in (r < fullRows ? fullColumns : 0)..<columns {
            let value = src[r * columns + c]
            dst[c * stride + r] = bias == nil ? value : value + bias![c]
        }
    }
}
