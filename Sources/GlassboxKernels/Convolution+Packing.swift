// The im2col matrix of a convolution, read in place (see Convolution.swift):
//
//   M[r, c] = base[rowOffsets[r] + columnOffsets[c]]
//
// For the forward pass rows are taps and columns pixels (B = col, K × P); for the weight
// gradient rows are pixels and columns taps (B = colᵀ, P × K).
//
// Packing (`packB`, one NR-column micro-panel at a time): within a panel the column offsets fall
// into runs of consecutive values (a stretch of one output row for pixels, the KW taps of one
// kernel row for taps). `ConvolutionOffsets` cuts each panel's runs into pieces of at most one
// register vector, once per plan. For each depth index p the panel row is then written piece by
// piece: one unaligned vector load from `base + rowOffsets[p] + offset`, one unaligned vector
// store at `lane`. A piece shorter than a vector stores garbage past its end, which the next
// piece (or the next row, or the GEMM's slack after the packed block) overwrites; lanes past the
// matrix's last column are zeroed afterwards. Panels cut into more than NR/2 pieces (strides > 1)
// are gathered element by element instead. Vector loads read up to one vector past the last
// offset, so the image must be readable that far (`ConvolutionPlan` checks, or copies).

/// Offsets of the rows or columns of an im2col matrix; for columns, also the vector pieces of
/// each NR-column panel (see the comment at the top of this file).
final class ConvolutionOffsets: @unchecked Sendable {
    /// The number of rows or columns.
    let count: Int
    /// One offset per row or column.
    let offsets: UnsafeMutablePointer<Int>
    /// Pieces of panel `i` are `pieceStart[i] ..< pieceStart[i + 1]`; an empty range means the
    /// panel is gathered element by element.
    let pieceStart: UnsafeMutablePointer<Int>
    /// The first lane of each piece within its panel, in bytes.
    let pieceLane: UnsafeMutablePointer<Int>
    /// The offset of each piece's first element, in bytes.
    let pieceOffset: UnsafeMutablePointer<Int>
    /// For each index, how many offsets from it on are consecutive (`offsets[i + t] ==
    /// offsets[i] + t`).
    let runLength: UnsafeMutablePointer<Int>

    /// Tables for `values`, cut into pieces of at most `lanes` for panels of `nr` columns of
    /// scalars of `scalarSize` bytes.
    init(_ values: [Int], nr: Int, lanes: Int, scalarSize: Int) {
        count = values.count
        offsets = .allocate(capacity: Swift.max(count, 1))
        offsets.initialize(from: values, count: count)
        let panels = (count + nr - 1) / nr
        var starts = [0]
        var lanesOut: [Int] = [], offsetsOut: [Int] = []
        for panel in 0..<panels {
            let j0 = panel * nr
            let width = Swift.min(nr, count - j0)
            var pieces: [(Int, Int)] = []
            var t = 0
            while t < width {
                let start = t
                t += 1
                while t < width && t - start < lanes && values[j0 + t] == values[j0 + t - 1] + 1 { t += 1 }
                pieces.append((start, values[j0 + start]))
            }
            if pieces.count <= nr / 2 {
                lanesOut += pieces.map { $0.0 * scalarSize }
                offsetsOut += pieces.map { $0.1 * scalarSize }
            }
            starts.append(lanesOut.count)
        }
        pieceStart = .allocate(capacity: starts.count)
        pieceStart.initialize(from: starts, count: starts.count)
        pieceLane = .allocate(capacity: Swift.max(lanesOut.count, 1))
        pieceLane.initialize(from: lanesOut, count: lanesOut.count)
        pieceOffset = .allocate(capacity: Swift.max(offsetsOut.count, 1))
        pieceOffset.initialize(from: offsetsOut, count: offsetsOut.count)
        runLength = .allocate(capacity: Swift.max(count, 1))
        for i in stride(from: count - 1, through: 0, by: -1) {
            runLength[i] = i + 1 < count && values[i + 1] == values[i] + 1 ? runLength[i + 1] + 1 : 1
        }
    }

    deinit {
        offsets.deallocate()
        pieceStart.deallocate()
        pieceLane.deallocate()
        pieceOffset.deallocate()
        runLength.deallocate()
    }

    /// The largest offset (0 when empty).
    var maximum: Int { (0..<count).reduce(0) { Swift.max($0, offsets[$1]) } }
}

/// A matrix whose entries are `base[rowTable.offsets[r] + columnTable.offsets[c]]`: an im2col
/// view of an image, packed by the GEMM straight from the image, as op(B) or as op(A). `V` is
/// the GEMM's register vector.
struct ConvolutionMatrix<V: SIMD>: GEMMPackingA, GEMMPackingB, @unchecked Sendable where V.Scalar: KernelScalar {
    typealias Scalar = V.Scalar
    let base: UnsafePointer<Scalar>
    let rowTable: ConvolutionOffsets
    let columnTable: ConvolutionOffsets

    /// As op(B): NR-column panels written piece by piece (see the top of this file).
    @inline(__always)
    func packB(depth: Range<Int>, cols: Range<Int>, nr: Int, into dst: UnsafeMutablePointer<Scalar>) {
        let kc = depth.count
        let rowOffsets = rowTable.offsets + depth.lowerBound
        let columns = columnTable
        var out = dst
        var j0 = cols.lowerBound
        while j0 < cols.upperBound {
            let w = Swift.min(nr, cols.upperBound - j0)
            let panel = j0 / nr
            let first = columns.pieceStart[panel], end = columns.pieceStart[panel + 1]
            if first < end {
                for p in 0..<kc {
                    let src = UnsafeRawPointer(base + rowOffsets[p])
                    let d = UnsafeMutableRawPointer(out + p * nr)
                    for i in first..<end {
                        let v = src.loadUnaligned(fromByteOffset: columns.pieceOffset[i], as: V.self)
                        d.storeBytes(of: v, toByteOffset: columns.pieceLane[i], as: V.self)
                    }
                    if w < nr { (out + p * nr + w).update(repeating: 0, count: nr - w) }
                }
            } else {
                let offsets = columns.offsets + j0
                for p in 0..<kc {
                    let src = base + rowOffsets[p]
                    let d = out + p * nr
                    for t in 0..<w { d[t] = src[offsets[t]] }
                    for t in w..<nr { d[t] = 0 }
                }
            }
            out += nr * kc
            j0 += nr
        }
    }

    /// As op(A): for each MR-row micro-panel, the MR rows are interleaved run by run of
    /// consecutive column offsets (within a run each row reads contiguous memory, and the
    /// compiler vectorises the interleave).
    @inline(__always)
    func packA(rows: Range<Int>, depth: Range<Int>, into dst: UnsafeMutablePointer<Scalar>)
        -> (panels: UnsafePointer<Scalar>, panelStride: Int)
    {
        let mr = GEMMBlocking.mr
        let kc = depth.count
        let columnOffsets = columnTable.offsets, runLength = columnTable.runLength
        var out = dst
        var i0 = rows.lowerBound
        while i0 < rows.upperBound {
            let h = Swift.min(mr, rows.upperBound - i0)
            if h == mr {
                let r0 = base + rowTable.offsets[i0], r1 = base + rowTable.offsets[i0 + 1]
                let r2 = base + rowTable.offsets[i0 + 2], r3 = base + rowTable.offsets[i0 + 3]
                let r4 = base + rowTable.offsets[i0 + 4], r5 = base + rowTable.offsets[i0 + 5]
                var p = depth.lowerBound
                while p < depth.upperBound {
                    let length = Swift.min(runLength[p], depth.upperBound - p)
                    let offset = columnOffsets[p]
                    let s0 = r0 + offset, s1 = r1 + offset, s2 = r2 + offset
                    let s3 = r3 + offset, s4 = r4 + offset, s5 = r5 + offset
                    let d = out + (p - depth.lowerBound) * mr
                    for t in 0..<length {
                        let dt = d + t * mr
                        dt[0] = s0[t]; dt[1] = s1[t]; dt[2] = s2[t]
                        dt[3] = s3[t]; dt[4] = s4[t]; dt[5] = s5[t]
                    }
                    p += length
                }
            } else {
                out.update(repeating: 0, count: mr * kc)
                for r in 0..<h {
                    let src = base + rowTable.offsets[i0 + r]
                    for p in depth { out[(p - depth.lowerBound) * mr + r] = src[columnOffsets[p]] }
                }
            }
            out += mr * kc
            i0 += mr
        }
        return (UnsafePointer(dst), mr * kc)
    }
}
