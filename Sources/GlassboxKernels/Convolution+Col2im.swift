// col2im: the adjoint of reading the im2col view, for the backward-data pass (see
// Convolution.swift). A block of columns dcol [K × |J|] — the im2col gradient of whole output
// rows oh0..<oh1 — is added into a zero-bordered image xp [Cg, Hp, Wp]:
//
//   xp[tap(q) + pixel(j)] += dcol[q, j]
//
// With unit horizontal stride (and image rows at least one register vector wide) the dcol row
// of tap (c, ki, kj) for output row oh is a run of OW values that adds to image row
// r = oh·sh + ki·dh from column kj·dw on. The image row is covered by register vectors at
// columns start(v) = 0, L, 2L, …, Wp − L; each lane belongs to the first vector that covers
// it. For each vector v, the runs are added in vector-wide pieces, the lanes outside the run
// (or owned by an earlier vector) masked to zero:
//
//   for v, c, ki, kj, oh in the block:
//     xp[c, r, start(v) …] += dcol[(c, ki, kj), oh·OW + start(v) − kj·dw …] masked
//
// Every image element receives its terms in (ki, kj, oh) order. Loads reach before and after
// each dcol row (the masks drop those lanes), so the column buffer carries slack. Other
// strides, and rows narrower than a vector, scatter element by element through the offset
// tables.

/// Adds blocks of the im2col gradient into a zero-bordered image (see the comment at the top
/// of this file). `V` is the register vector.
struct Col2im<V: SIMD> where V.Scalar: KernelScalar {
    typealias S = V.Scalar
    let plan: ConvolutionPlan<V>
    /// The first column of each register vector of an image row when gathering rows (empty
    /// when scattering).
    let starts: [Int]
    /// `outside[kj · starts.count + v]`: the lanes of vector v that tap column kj does not reach,
    /// or that an earlier vector covers.
    let outside: [SIMDMask<V.MaskStorage>]
    /// Scalars before the first column block that gathering loads may touch.
    let columnFrontSlack: Int
    /// Scalars before and after a column block that gathering loads may touch.
    let columnSlack: Int

    init(plan: ConvolutionPlan<V>) {
        self.plan = plan
        let g = plan.geometry
        let lanes = V.scalarCount, width = plan.readWidth
        if g.strideWidth == 1 && width >= lanes {
            starts = Array(stride(from: 0, to: width - lanes, by: lanes)) + [width - lanes]
            let laneIndex = V((0..<lanes).map { S($0) })
            var outside: [SIMDMask<V.MaskStorage>] = []
            for kj in 0..<g.kernelWidth {
                for (v, start) in starts.enumerated() {
                    let column = laneIndex + V(repeating: S(start - kj * g.dilationWidth))
                    let covered = laneIndex .< V(repeating: S(v * lanes - start))
                    outside.append((column .< V(repeating: 0)) .| (column .>= V(repeating: S(g.outputWidth))) .| covered)
                }
            }
            self.outside = outside
            columnFrontSlack = (g.kernelWidth - 1) * g.dilationWidth
            columnSlack = columnFrontSlack + width
        } else {
            starts = []
            outside = []
            columnFrontSlack = 0
            columnSlack = 0
        }
    }

    /// `target[tap(q) + pixel(j)] += columns[q, j]` for the columns of output rows `outputRows`
    /// (row stride of `columns`: their pixel count).
    func add(_ columns: UnsafePointer<S>, outputRows: Range<Int>, into target: UnsafeMutablePointer<S>) {
        let g = plan.geometry
        let width = outputRows.count * g.outputWidth
        guard !starts.isEmpty else {
            let pixels = plan.pixels.offsets + outputRows.lowerBound * g.outputWidth
            for q in 0..<g.taps {
                let dst = target + plan.taps.offsets[q]
                let src = columns + q * width
                for j in 0..<width { dst[pixels[j]] += src[j] }
            }
            return
        }
        let size = MemoryLayout<S>.stride
        let (sh, dh, kh, kw, ow) = (g.strideHeight, g.dilationHeight, g.kernelHeight, g.kernelWidth, g.outputWidth)
        let rowStep = sh * plan.readWidth * size, columnStep = ow * size
        for (v, start) in starts.enumerated() {
            for c in 0..<g.inputChannelsPerGroup {
                for ki in 0..<kh {
                    // Image row of output row oh0 under kernel row ki.
                    let row = UnsafeMutableRawPointer(
                        target + c * plan.readChannelCount + (outputRows.lowerBound * sh + ki * dh) * plan.readWidth + start)
                    for kj in 0..<kw {
                        let mask = outside[kj * starts.count + v]
                        let source = UnsafeRawPointer(columns + ((c * kh + ki) * kw + kj) * width + start - kj * g.dilationWidth)
                        for oh in 0..<outputRows.count {
                            let at = oh &* rowStep
                            let x = source.loadUnaligned(fromByteOffset: oh &* columnStep, as: V.self)
                            row.storeBytes(
                                of: row.loadUnaligned(fromByteOffset: at, as: V.self) + x.replacing(with: 0, where: mask),
                                toByteOffset: at, as: V.self)
                        }
                    }
                }
            }
        }
    }
}
