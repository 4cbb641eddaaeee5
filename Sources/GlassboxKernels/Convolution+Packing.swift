// The im2col matrix of a convolution, read in place (see Convolution.swift):
//
//   M[r, c] = base[rowOffsets[r] + columnOffsets[c]]
//
// For the forward pass rows are taps and columns pixels (B = col, K × P); for the weight
// gradient rows are pixels and columns taps (B = colᵀ, P × K). `packB` fills each NR-column
// micro-panel row by row: for every depth index p, NR values gathered from `base +
// rowOffsets[p]` at the panel's column offsets (zeros past the last column). col2im is the
// adjoint scatter: `base[rowOffsets[r] + columnOffsets[c]] += M[r, c]`.

/// A matrix whose entries are `base[rowOffsets[r] + columnOffsets[c]]`: an im2col view of an
/// image, packed by the GEMM straight from the image.
struct ConvolutionMatrix<Scalar: KernelScalar>: GEMMPackingB, @unchecked Sendable {
    let base: UnsafePointer<Scalar>
    let rowOffsets: UnsafePointer<Int>
    let columnOffsets: UnsafePointer<Int>

    @inline(__always)
    func packB(depth: Range<Int>, cols: Range<Int>, nr: Int, into dst: UnsafeMutablePointer<Scalar>) {
        let kc = depth.count
        var out = dst
        var j0 = cols.lowerBound
        while j0 < cols.upperBound {
            let w = Swift.min(nr, cols.upperBound - j0)
            let offsets = columnOffsets + j0
            for p in 0..<kc {
                let src = base + rowOffsets[depth.lowerBound + p]
                let d = out + p * nr
                for t in 0..<w { d[t] = src[offsets[t]] }
                for t in w..<nr { d[t] = 0 }
            }
            out += nr * kc
            j0 += nr
        }
    }

    /// The adjoint of reading: `base[rowOffsets[r] + columnOffsets[c]] += m[r·ld + c]` for
    /// `r < rows`, `c < columns`, rows in order (`base` is the mutable image).
    static func scatterAdd(
        _ m: UnsafePointer<Scalar>, rows: Int, columns: Int, ld: Int, into base: UnsafeMutablePointer<Scalar>,
        rowOffsets: UnsafePointer<Int>, columnOffsets: UnsafePointer<Int>
    ) {
        for r in 0..<rows {
            let target = base + rowOffsets[r]
            let src = m + r * ld
            for c in 0..<columns { target[columnOffsets[c]] += src[c] }
        }
    }
}
