// The im2col matrix of a convolution, read in place (see Convolution.swift):
//
//   M[r, c] = base[rowTable[r] + columnTable[c]]
//
// It enters the GEMM as op(A), packed into MR-row micro-panels (MR = 6): per depth index p, the
// panel's six rows at column p, written as one 8-value vector store (the two extra values land
// where the next depth index, the next panel or the GEMM's slack is written later).
// - rows are six consecutive offsets (six pixels of one output row: the forward pass
//   yᵀ = colᵀ·wᵀ, rows = pixels, depth = taps): the six values are contiguous in the image, one
//   vector load per depth index; six pixels across the end of an output row are two runs, two
//   loads blended.
// - otherwise, a full panel (the weight gradient dwᵀ = col·dyᵀ, rows = taps, depth = pixels):
//   the depth is walked run by run of consecutive column offsets (a stretch of one output row),
//   within which each row reads contiguous memory: eight depth indices at a time, the six rows
//   loaded as vectors and transposed in registers (runs shorter than 8 element by element; the
//   last eight of a run overlap the ones before and rewrite the same values).
// Other panels are gathered element by element (strided pixels, short runs, a last panel of
// fewer than six rows).
// Vector loads read up to 8 values past an offset, so the image must be readable that far
// (`ConvolutionPlan.readExtent`).

/// Offsets of the rows or columns of an im2col matrix, with the lengths of runs of
/// consecutive offsets.
final class ConvolutionOffsets: @unchecked Sendable {
    /// The number of rows or columns.
    let count: Int
    /// One offset per row or column.
    let offsets: UnsafeMutablePointer<Int>
    /// For each index, how many offsets from it on are consecutive (`offsets[i + t] ==
    /// offsets[i] + t`).
    let runLength: UnsafeMutablePointer<Int>

    init(_ values: [Int]) {
        count = values.count
        offsets = .allocate(capacity: Swift.max(count, 1))
        offsets.initialize(from: values, count: count)
        runLength = .allocate(capacity: Swift.max(count, 1))
        for i in stride(from: count - 1, through: 0, by: -1) {
            runLength[i] = i + 1 < count && values[i + 1] == values[i] + 1 ? runLength[i + 1] + 1 : 1
        }
    }

    deinit {
        offsets.deallocate()
        runLength.deallocate()
    }

    /// The largest offset (0 when empty).
    var maximum: Int { (0..<count).reduce(0) { Swift.max($0, offsets[$1]) } }
}

/// A matrix whose entries are `base[rowTable.offsets[firstRow + r] + columnTable.offsets[c]]`:
/// an im2col view of an image (or a block of its rows), packed as op(A) by the GEMM straight
/// from the image (see the comment at the top of this file).
struct ConvolutionMatrix<Scalar: KernelScalar>: GEMMPackingA, @unchecked Sendable {
    let base: UnsafePointer<Scalar>
    let rowTable: ConvolutionOffsets
    let columnTable: ConvolutionOffsets
    /// The row of `rowTable` that is row 0 of the matrix.
    var firstRow = 0

    @inline(__always)
    func packA(rows: Range<Int>, depth: Range<Int>, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        let mr = GEMMBlocking.mr
        let kc = depth.count
        let columnOffsets = columnTable.offsets + depth.lowerBound, runLength = columnTable.runLength
        let rowOffsets = rowTable.offsets + firstRow, rowRuns = rowTable.runLength + firstRow
        var out = dst
        var i0 = rows.lowerBound
        while i0 < rows.upperBound {
            let h = Swift.min(mr, rows.upperBound - i0)
            let split = rowRuns[i0]
            if h == mr && split >= mr {
                // Six consecutive rows: six contiguous values per depth index.
                let first = base + rowOffsets[i0]
                for p in 0..<kc { Self.store(Self.load(first + columnOffsets[p]), out + p * mr) }
            } else if h == mr && rowRuns[i0 + split] >= mr - split && rowOffsets[i0 + split] >= split {
                // Two runs of rows (six pixels across the end of an output row): two vector
                // loads per depth index, the second shifted to its lanes, blended.
                let first = base + rowOffsets[i0], second = base + rowOffsets[i0 + split] - split
                let lanes = SIMD8<Scalar>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8(repeating: Scalar(split))
                for p in 0..<kc {
                    let a = Self.load(first + columnOffsets[p]), b = Self.load(second + columnOffsets[p])
                    Self.store(b.replacing(with: a, where: lanes), out + p * mr)
                }
            } else if h == mr {
                let r0 = base + rowOffsets[i0], r1 = base + rowOffsets[i0 + 1]
                let r2 = base + rowOffsets[i0 + 2], r3 = base + rowOffsets[i0 + 3]
                let r4 = base + rowOffsets[i0 + 4], r5 = base + rowOffsets[i0 + 5]
                var p = 0
                while p < kc {
                    let length = Swift.min(runLength[depth.lowerBound + p], kc - p)
                    let offset = columnOffsets[p]
                    let s0 = r0 + offset, s1 = r1 + offset, s2 = r2 + offset
                    let s3 = r3 + offset, s4 = r4 + offset, s5 = r5 + offset
                    let d = out + p * mr
                    if length >= 8 {
                        // Eight depth indices at a time, the six rows transposed in registers;
                        // the last eight overlap the ones before and rewrite the same values.
                        var t = 0
                        while true {
                            let u = Swift.min(t, length - 8)
                            var v = (
                                Self.load(s0 + u), Self.load(s1 + u), Self.load(s2 + u), Self.load(s3 + u),
                                Self.load(s4 + u), Self.load(s5 + u), SIMD8<Scalar>(), SIMD8<Scalar>())
                            transpose8x8(&v)
                            let e = d + u * mr
                            Self.store(v.0, e); Self.store(v.1, e + mr); Self.store(v.2, e + 2 * mr)
                            Self.store(v.3, e + 3 * mr); Self.store(v.4, e + 4 * mr); Self.store(v.5, e + 5 * mr)
                            Self.store(v.6, e + 6 * mr); Self.store(v.7, e + 7 * mr)
                            if u + 8 == length { break }
                            t += 8
                        }
                    } else {
                        for t in 0..<length {
                            Self.store(SIMD8(s0[t], s1[t], s2[t], s3[t], s4[t], s5[t], 0, 0), d + t * mr)
                        }
                    }
                    p += length
                }
            } else {
                // The last panel, fewer than six rows: gathered, the missing rows zero.
                for p in 0..<kc {
                    var v = SIMD8<Scalar>()
                    for r in 0..<h { v[r] = base[rowOffsets[i0 + r] + columnOffsets[p]] }
                    Self.store(v, out + p * mr)
                }
            }
            out += mr * kc
            i0 += mr
        }
        return (UnsafePointer(dst), mr * kc)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Scalar>) -> SIMD8<Scalar> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Scalar>.self)
    }

    /// Stores 8 values at `p`; the last two land where the next depth index is written.
    @inline(__always)
    static func store(_ v: SIMD8<Scalar>, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Scalar>.self)
    }
}
