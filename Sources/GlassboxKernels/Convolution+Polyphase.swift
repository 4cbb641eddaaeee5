// The backward-data pass of a strided convolution, run as the forward passes of stride-1 ones.
//
// With stride s (per axis) and unit dilation, input row ih = s·u + a (phase a < s) receives
// only the kernel rows ki ≡ a + pt (mod s): with r = (a + pt) mod s, e = ⌊(a + pt)/s⌋ and
// ki = r + s·m (m < M, the taps of that residue),
//
//   dx[c, s·u + a, s·v + b] = Σ_{o, m, m'} w[o, c, r + s·m, r' + s·m'] · dy[o, u + e − m, v + e' − m']
//
// (zero outside dy). Flipping m (m̃ = M − 1 − m) makes each phase (a, b) a stride-1
// convolution of dy with the M × M' kernel
//
//   w_ab[c, o, m̃, m̃'] = w[o, c, r + s·(M − 1 − m̃), r' + s·(M' − 1 − m̃')]       (per group)
//
// and padding M − 1 − e before the first row (M' − 1 − e' before the first column), whose
// output is the phase's U × V pixels. Per image, dy[n] is copied once into a zero-bordered
// buffer wide enough for every phase's padding; per group and phase one GEMM forms
// yᵀ (U·V × Cg) = col_ab(dy[n])ᵀ · w_abᵀ (depth Og·M·M', rows = pixels, the forward pass's
// orientation and packing), and its rows are scattered to the phase's pixels of dx[n].
// The col2im path (Convolution+Col2im.swift) instead forms dcol = wᵀ·dy (K × P, depth Og; for
// the GAN's 4 × 4 stride-2 layer P = 49 columns: one full 32-wide panel and one half-empty
// edge panel) and scatters it into the image element by element (strided columns).
// Used when the kernel is a multiple of the stride (every phase has M = K/s taps): for the
// DDPM's 3 × 3 stride-2 layers the phases have 1 × 1 … 2 × 2 kernels (depth 16…128) and were
// slower than col2im (measured: 3.55 → 3.97 ms and 2.69 → 2.99 ms CPU a call).
// Every output element is one sum in an order fixed by the shape, so the bits do not depend
// on the thread count (they differ from the col2im path's by rounding).

extension ConvolutionPlan {
    /// One phase (a, b) of ``polyphase``: the first input row and column it covers and the
    /// stride-1 convolution of `dy` that gives it.
    struct Phase {
        /// Input row and column of the phase's first pixel (`a`, `b`).
        let row: Int, column: Int
        /// First kernel row and column of the phase's taps (`r`, `r'`).
        let tapRow: Int, tapColumn: Int
        /// The stride-1 convolution: `dy` in, the phase's pixels of `dx` out.
        let geometry: ConvolutionGeometry
    }

    /// The phases of a strided backward-data pass (see the comment at the top of this file), or
    /// `nil` when the pass keeps the col2im path: unit strides (the flipped convolution serves
    /// them), a dilation other than 1, a kernel that is not a multiple of the stride, an image
    /// smaller than a stride, padding beyond the kernel, or fewer than 8 input channels per
    /// group (the phase GEMMs would then have too few columns to fill a register tile).
    var polyphase: [Phase]? {
        let g = geometry
        let (sh, sw) = (g.strideHeight, g.strideWidth)
        guard sh > 1 || sw > 1, g.dilationHeight == 1 && g.dilationWidth == 1,
            g.kernelHeight % sh == 0 && g.kernelWidth % sw == 0, g.inputHeight >= sh && g.inputWidth >= sw,
            g.inputChannelsPerGroup >= Self.polyphaseMinimumChannels
        else { return nil }
        var phases: [Phase] = []
        for a in 0..<sh {
            let r = (a + g.paddingTop) % sh, e = (a + g.paddingTop) / sh
            let m = (g.kernelHeight - r + sh - 1) / sh
            let top = m - 1 - e
            let rows = (g.inputHeight - a + sh - 1) / sh
            guard top >= 0 else { return nil }
            for b in 0..<sw {
                let r2 = (b + g.paddingLeft) % sw, e2 = (b + g.paddingLeft) / sw
                let m2 = (g.kernelWidth - r2 + sw - 1) / sw
                let left = m2 - 1 - e2
                let columns = (g.inputWidth - b + sw - 1) / sw
                guard left >= 0 else { return nil }
                phases.append(
                    Phase(
                        row: a, column: b, tapRow: r, tapColumn: r2,
                        geometry: ConvolutionGeometry(
                            batch: g.batch, inputChannels: g.outputChannels, outputChannels: g.inputChannels,
                            groups: g.groups, inputHeight: g.outputHeight, inputWidth: g.outputWidth,
                            outputHeight: rows, outputWidth: columns, kernelHeight: m, kernelWidth: m2,
                            paddingTop: top, paddingLeft: left)))
            }
        }
        return phases
    }

    /// The fewest input channels per group for which ``polyphase`` is used.
    static var polyphaseMinimumChannels: Int { 8 }

    /// `dx` from ``polyphase``'s phases (+ bias): per image, `dy[n]` is copied once into a
    /// zero-bordered buffer that every phase reads (each through its own offset tables, shifted
    /// by its padding); per group and phase one GEMM `yᵀ (U·V × Cg) = col_ab(dy[n])ᵀ · w_abᵀ`,
    /// whose rows are scattered into the phase's pixels of `dx[n]`.
    func backwardDataPolyphase(
        _ phases: [Phase], _ dy: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?,
        _ dx: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, cg = g.inputChannelsPerGroup
        let (kh, kw, sh, sw) = (g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth)
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        // The bordered dy: every phase's padding fits in the largest one.
        let top = phases.map { $0.geometry.paddingTop }.max()!, left = phases.map { $0.geometry.paddingLeft }.max()!
        var height = top + oh, width = left + ow
        for phase in phases {
            let p = phase.geometry
            height = Swift.max(height, top - p.paddingTop + p.outputHeight + p.kernelHeight - 1)
            width = Swift.max(width, left - p.paddingLeft + p.outputWidth + p.kernelWidth - 1)
        }
        let plane = height * width
        let bufferCount = g.outputChannels * plane + 2 * Swift.max(8, V.scalarCount)
        // Offset tables and packed weights of each phase (op(B) panels of w_abᵀ, per group).
        let narrow = Self.narrow(columns: cg)
        let nr = narrow ? V.scalarCount : 2 * V.scalarCount
        var pixelTables: [ConvolutionOffsets] = [], tapTables: [ConvolutionOffsets] = [], shifts: [Int] = []
        var packedOffsets: [Int] = [], packedTotal = 0
        for phase in phases {
            let p = phase.geometry
            var pixels: [Int] = []
            for u in 0..<p.outputHeight {
                for v in 0..<p.outputWidth { pixels.append(u * width + v) }
            }
            var taps: [Int] = []
            for o in 0..<og {
                for i in 0..<p.kernelHeight {
                    for j in 0..<p.kernelWidth { taps.append(o * plane + i * width + j) }
                }
            }
            pixelTables.append(ConvolutionOffsets(pixels))
            tapTables.append(ConvolutionOffsets(taps))
            shifts.append((top - p.paddingTop) * width + left - p.paddingLeft)
            packedOffsets.append(packedTotal)
            packedTotal += g.groups * GEMMPackedMatrix<S>.count(cg, depth: p.taps, panel: nr)
        }
        let packed = Self.allocate(packedTotal, zeroed: false)
        let flipped = Self.allocate(phases.map { $0.geometry.weightCount }.max()!, zeroed: false)
        defer {
            packed.deallocate()
            flipped.deallocate()
        }
        for (index, phase) in phases.enumerated() {
            let p = phase.geometry
            let (m, m2, depth) = (p.kernelHeight, p.kernelWidth, p.taps)
            for group in 0..<g.groups {
                for c in 0..<cg {
                    for o in 0..<og {
                        let src = w + ((group * og + o) * cg + c) * kh * kw
                        let dst = flipped + ((group * cg + c) * og + o) * m * m2
                        for i in 0..<m {
                            for j in 0..<m2 {
                                dst[i * m2 + j] = src[(phase.tapRow + sh * (m - 1 - i)) * kw + phase.tapColumn + sw * (m2 - 1 - j)]
                            }
                        }
                    }
                }
                let count = GEMMPackedMatrix<S>.count(cg, depth: depth, panel: nr)
                _ = GEMMMatrix(flipped + group * cg * depth, ld: depth, transposed: true).packB(
                    depth: 0..<depth, cols: 0..<cg, nr: nr, into: packed + packedOffsets[index] + group * count)
            }
        }
        let largestPixels = phases.map { $0.geometry.outputHeight * $0.geometry.outputWidth }.max()!
        let pixelBlock = Swift.min(largestPixels, Swift.max(24, Self.columnBlockBudget / cg / 24 * 24))
        let hw = g.inputHeight * g.inputWidth
        overImages { images, threads in
            let buffer = Self.allocate(bufferCount, zeroed: true)
            let transposed = Self.allocate(pixelBlock * cg, zeroed: false)
            let planes = Self.allocate(pixelBlock * cg, zeroed: false)
            defer {
                buffer.deallocate()
                transposed.deallocate()
                planes.deallocate()
            }
            for n in images {
                for o in 0..<g.outputChannels {
                    for r in 0..<oh {
                        Self.copy(dy + ((n * g.outputChannels + o) * oh + r) * ow, to: buffer + o * plane + (top + r) * width + left, count: ow)
                    }
                }
                for (index, phase) in phases.enumerated() {
                    let p = phase.geometry
                    let (rows, columns, depth) = (p.outputHeight, p.outputWidth, p.taps)
                    let count = GEMMPackedMatrix<S>.count(cg, depth: depth, panel: nr)
                    for group in 0..<g.groups {
                        let out = dx + (n * g.inputChannels + group * cg) * hw + phase.row * g.inputWidth + phase.column
                        for j0 in stride(from: 0, to: rows * columns, by: pixelBlock) {
                            let block = Swift.min(pixelBlock, rows * columns - j0)
                            Self.gemm(
                                GEMMProblem(m: block, n: cg, k: depth, ldc: cg), narrow: narrow,
                                ConvolutionMatrix(
                                    base: buffer + group * og * plane + shifts[index], rowTable: pixelTables[index],
                                    columnTable: tapTables[index], firstRow: j0),
                                GEMMPackedMatrix(packed: packed + packedOffsets[index] + group * count, depth: depth), 0,
                                transposed, threads)
                            // dx[c, s·u + a, s·v + b] = yᵀ[(u, v), c] (+ bias): transposed in
                            // 8 × 8 register blocks, then each run of a phase row spread out.
                            transposeMatrix(
                                transposed, rows: block, columns: cg, into: planes, stride: block,
                                adding: bias.map { $0 + group * cg })
                            let first = j0 / columns
                            for c in 0..<cg {
                                let source = planes + c * block, target = out + c * hw
                                var j = 0, u = first, v = j0 - first * columns
                                while j < block {
                                    let run = Swift.min(columns - v, block - j)
                                    let row = target + u * sh * g.inputWidth + v * sw
                                    for t in 0..<run { row[t * sw] = source[j + t] }
                                    j += run
                                    u += 1
                                    v = 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
