// The loops of the three convolution passes (structure and threading: Convolution.swift).

/// One convolution geometry prepared for the GEMM with register vector `V`: the image layout
/// the GEMM reads (the input itself or a zero-bordered copy) and the two offset tables of its
/// im2col view.
struct ConvolutionPlan<V: SIMD> where V.Scalar: KernelScalar {
    typealias S = V.Scalar
    let geometry: ConvolutionGeometry
    /// Whether the window leaves the image, so that it is read from a zero-bordered copy.
    let bordered: Bool
    /// Rows and columns of the image as read (`Hp`, `Wp`).
    let readHeight: Int, readWidth: Int
    /// `c·Hp·Wp + ki·dh·Wp + kj·dw` for each tap of one group (K entries).
    let taps: ConvolutionOffsets
    /// `oh·sh·Wp + ow·sw` for each output pixel (P entries).
    let pixels: ConvolutionOffsets
    /// How far past the start of an image the GEMM may read (vector loads included).
    let readExtent: Int

    /// Column blocks of the backward-data pass hold at most this many elements (K × |J|).
    static var columnBlockBudget: Int { 1 << 16 }
    /// The weight gradient sums the batch in at most this many chunks...
    static var maximumChunks: Int { 16 }
    /// ...whose partial sums together hold at most this many elements.
    static var partialBudget: Int { 1 << 22 }

    init(_ g: ConvolutionGeometry) {
        geometry = g
        let neededHeight = g.outputHeight == 0 ? 0 : (g.outputHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1
        let neededWidth = g.outputWidth == 0 ? 0 : (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1
        bordered =
            g.paddingTop > 0 || g.paddingLeft > 0 || neededHeight > g.inputHeight || neededWidth > g.inputWidth
        readHeight = bordered ? Swift.max(g.paddingTop + g.inputHeight, neededHeight) : g.inputHeight
        readWidth = bordered ? Swift.max(g.paddingLeft + g.inputWidth, neededWidth) : g.inputWidth
        var tapValues: [Int] = []
        tapValues.reserveCapacity(g.taps)
        for c in 0..<g.inputChannelsPerGroup {
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    tapValues.append(c * readHeight * readWidth + ki * g.dilationHeight * readWidth + kj * g.dilationWidth)
                }
            }
        }
        var pixelValues: [Int] = []
        pixelValues.reserveCapacity(g.outputHeight * g.outputWidth)
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                pixelValues.append(oh * g.strideHeight * readWidth + ow * g.strideWidth)
            }
        }
        taps = ConvolutionOffsets(tapValues)
        pixels = ConvolutionOffsets(pixelValues)
        readExtent =
            (g.groups - 1) * g.inputChannelsPerGroup * readHeight * readWidth + taps.maximum + pixels.maximum
            + Swift.max(8, V.scalarCount)
    }

    var pixelCount: Int { geometry.outputHeight * geometry.outputWidth }
    var imageCount: Int { geometry.inputChannels * geometry.inputHeight * geometry.inputWidth }
    var readChannelCount: Int { readHeight * readWidth }
    /// The size of a buffer that holds one image as read, with room for the vector loads.
    var readBufferCount: Int { Swift.max(geometry.inputChannels * readChannelCount, readExtent) }

    // MARK: Passes

    func forward(_ x: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ y: UnsafeMutablePointer<S>) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixelCount
        if g.outputCount == 0 { return }
        if k == 0 {
            for n in 0..<g.batch {
                for o in 0..<g.outputChannels {
                    (y + (n * g.outputChannels + o) * p).update(repeating: bias?[o] ?? 0, count: p)
                }
            }
            return
        }
        // The weights, packed once for all images: as 6-row panels of w[g] for the direct
        // kernels, else as the 16-column panels of w[g]ᵀ, op(B) of y[n,g]ᵀ = colᵀ · w[g]ᵀ.
        let direct = usesDirectKernels || usesGridKernel
        let grid = !usesDirectKernels && usesGridKernel
        let narrow = Self.narrow(columns: og)
        let nr = narrow ? V.scalarCount : 2 * V.scalarCount
        let packedCount = GEMMPackedMatrix<S>.count(og, depth: k, panel: direct ? GEMMBlocking.mr : nr)
        let packed = Self.allocate(g.groups * packedCount, zeroed: false)
        defer { packed.deallocate() }
        for group in 0..<g.groups {
            let weights = GEMMMatrix(w + group * og * k, ld: k, transposed: direct ? false : true)
            if direct {
                _ = weights.packA(rows: 0..<og, depth: 0..<k, into: packed + group * packedCount)
            } else {
                _ = weights.packB(depth: 0..<k, cols: 0..<og, nr: nr, into: packed + group * packedCount)
            }
        }
        // Blocks of pixels (rows of yᵀ) whose yᵀ holds at most the budget (one block for small
        // images), a multiple of 24 rows (whole micro-panels and 8 × 8 transposes).
        let pixelBlock = Swift.min(p, Swift.max(24, Self.columnBlockBudget / og / 24 * 24))
        overImages { images, threads in
            var scratch: UnsafeMutablePointer<S>? = nil
            let transposed = direct ? nil : Self.allocate(pixelBlock * og, zeroed: false)
            let tile = grid ? Self.allocate(12 * V.scalarCount, zeroed: false) : nil
            defer {
                scratch?.deallocate()
                transposed?.deallocate()
                tile?.deallocate()
            }
            for n in images {
                let image = read(x, image: n, scratch: &scratch)
                for group in 0..<g.groups {
                    let groupImage = image + group * g.inputChannelsPerGroup * readChannelCount
                    let out = y + (n * g.outputChannels + group * og) * p
                    let groupBias = bias.map { $0 + group * og }
                    if let transposed {
                        for j0 in stride(from: 0, to: p, by: pixelBlock) {
                            let rows = Swift.min(pixelBlock, p - j0)
                            Self.gemm(
                                GEMMProblem(m: rows, n: og, k: k, ldc: og), narrow: narrow,
                                ConvolutionMatrix(base: groupImage, rowTable: pixels, columnTable: taps, firstRow: j0),
                                GEMMPackedMatrix(packed: packed + group * packedCount, depth: k), 0, transposed, threads)
                            transposeMatrix(transposed, rows: rows, columns: og, into: out + j0, stride: p, adding: groupBias)
                        }
                    } else if let tile {
                        forwardGrid(image: groupImage, packed: packed + group * packedCount, bias: groupBias, y: out, tile: tile)
                    } else {
                        forwardDirect(image: groupImage, packed: packed + group * packedCount, bias: groupBias, y: out)
                    }
                }
            }
        }
    }

    func backwardData(
        _ dy: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ dx: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixelCount
        let hw = g.inputHeight * g.inputWidth
        if g.inputCount == 0 { return }
        if p == 0 || og == 0 {
            for n in 0..<g.batch {
                for c in 0..<g.inputChannels {
                    (dx + (n * g.inputChannels + c) * hw).update(repeating: bias?[c] ?? 0, count: hw)
                }
            }
            return
        }
        if let flipped = flippedGeometry {
            backwardDataFlipped(flipped, dy, w, bias, dx)
            return
        }
        if let phases = polyphase {
            backwardDataPolyphase(phases, dy, w, bias, dx)
            return
        }
        // Column blocks of whole output rows, K × |J| ≤ the budget (one block for small images).
        let rowsPerBlock = Swift.max(1, Swift.min(g.outputHeight, Self.columnBlockBudget / (k * g.outputWidth)))
        let blockColumns = rowsPerBlock * g.outputWidth
        // The transposed weights, packed once for all images.
        let packedCount = GEMMPackedMatrix<S>.count(k, depth: og, panel: GEMMBlocking.mr)
        let packed = Self.allocate(g.groups * packedCount, zeroed: false)
        defer { packed.deallocate() }
        for group in 0..<g.groups {
            _ = GEMMMatrix(w + group * og * k, ld: k, transposed: true).packA(
                rows: 0..<k, depth: 0..<og, into: packed + group * packedCount)
        }
        let col2im = Col2im(plan: self)
        overImages { images, threads in
            // The padded image the columns are added into: a buffer of its own when the window
            // leaves the image, else dx[n] itself (col2im never writes outside the image).
            let border = bordered ? Self.allocate(g.inputChannels * readChannelCount, zeroed: false) : nil
            let columnBuffer = Self.allocate(k * blockColumns + col2im.columnSlack, zeroed: false)
            defer {
                border?.deallocate()
                columnBuffer.deallocate()
            }
            let columns = columnBuffer + col2im.columnFrontSlack
            for n in images {
                let out = dx + n * imageCount
                let target = border ?? out
                target.update(repeating: 0, count: g.inputChannels * readChannelCount)
                for group in 0..<g.groups {
                    let weights = GEMMPackedMatrix(packed: packed + group * packedCount, depth: og)
                    let gradient = dy + (n * g.outputChannels + group * og) * p
                    let groupTarget = target + group * g.inputChannelsPerGroup * readChannelCount
                    for oh0 in stride(from: 0, to: g.outputHeight, by: rowsPerBlock) {
                        let rows = oh0..<Swift.min(oh0 + rowsPerBlock, g.outputHeight)
                        let width = rows.count * g.outputWidth
                        GEMMProblem(m: k, n: width, k: og, ldc: width).run(
                            V.self, 1, weights, GEMMMatrix(gradient + oh0 * g.outputWidth, ld: p, transposed: false),
                            0, columns, threads)
                        col2im.add(columns, outputRows: rows, into: groupTarget)
                    }
                }
                // dx[n] = the interior of the padded image (+ bias).
                if let border {
                    for c in 0..<g.inputChannels {
                        let b = bias?[c] ?? 0
                        for ih in 0..<g.inputHeight {
                            let src = border + c * readChannelCount + (ih + g.paddingTop) * readWidth + g.paddingLeft
                            let dst = out + (c * g.inputHeight + ih) * g.inputWidth
                            if bias != nil {
                                for iw in 0..<g.inputWidth { dst[iw] = src[iw] + b }
                            } else {
                                Self.copy(src, to: dst, count: g.inputWidth)
                            }
                        }
                    }
                } else if let bias {
                    let plane = g.inputHeight * g.inputWidth
                    for c in 0..<g.inputChannels {
                        let dst = out + c * plane, b = bias[c]
                        for i in 0..<plane { dst[i] += b }
                    }
                }
            }
        }
    }

    func backwardWeight(_ x: UnsafePointer<S>, _ dy: UnsafePointer<S>, _ dw: UnsafeMutablePointer<S>) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixelCount
        let count = g.weightCount
        if count == 0 { return }
        if g.batch == 0 || p == 0 {
            dw.update(repeating: 0, count: count)
            return
        }
        // The GEMM forms dw[g]ᵀ = col·dyᵀ (K × Og): col as op(A), interleaved run by run
        // straight from the image, costs less to pack than colᵀ as op(B) piece by piece.
        // Images go in fixed chunks (by shape only), each summed in its own buffer; the chunks
        // are then added in chunk order and the sum transposed into dw.
        let chunks = Swift.min(g.batch, Self.maximumChunks, Swift.max(1, Self.partialBudget / count))
        let partials = Self.allocate(chunks * count, zeroed: false)
        defer { partials.deallocate() }
        let inner = Swift.max(1, Threading.threadCount / chunks)
        let direct = usesDirectKernels
        let gridded = !direct && usesGridWeightGradient
        let narrow = Self.narrow(columns: og)
        let zeroRow = direct ? Self.allocate(p, zeroed: true) : nil
        defer { zeroRow?.deallocate() }
        Threading.parallelChunks(chunks) { range in
            var scratch: UnsafeMutablePointer<S>? = nil
            let accumulators =
                direct || gridded ? UnsafeMutablePointer<V>.allocate(capacity: g.groups * directAccumulatorCount) : nil
            let gridDy = gridded ? Self.allocate(gridGradientCount, zeroed: true) : nil
            defer {
                scratch?.deallocate()
                accumulators?.deallocate()
                gridDy?.deallocate()
            }
            for chunk in range {
                let first = chunk * g.batch / chunks
                let images = first..<((chunk + 1) * g.batch / chunks)
                if let accumulators {
                    accumulators.initialize(repeating: V(), count: g.groups * directAccumulatorCount)
                    for n in images {
                        let image = read(x, image: n, scratch: &scratch)
                        for group in 0..<g.groups {
                            let groupImage = image + group * g.inputChannelsPerGroup * readChannelCount
                            let groupDy = dy + (n * g.outputChannels + group * og) * p
                            let groupAccumulators = accumulators + group * directAccumulatorCount
                            if let gridDy {
                                spreadOnGrid(groupDy, into: gridDy)
                                weightGradientGrid(image: groupImage, gridDy: gridDy, accumulators: groupAccumulators)
                            } else if let zeroRow {
                                weightGradientDirect(
                                    image: groupImage, dy: groupDy, zeroRow: zeroRow, accumulators: groupAccumulators)
                            }
                        }
                    }
                    for group in 0..<g.groups {
                        storeWeightGradient(
                            accumulators + group * directAccumulatorCount, into: partials + chunk * count + group * k * og)
                    }
                    continue
                }
                for n in images {
                    let image = read(x, image: n, scratch: &scratch)
                    for group in 0..<g.groups {
                        Self.gemm(
                            GEMMProblem(m: k, n: og, k: p, ldc: og), narrow: narrow,
                            ConvolutionMatrix(
                                base: image + group * g.inputChannelsPerGroup * readChannelCount, rowTable: taps,
                                columnTable: pixels),
                            GEMMMatrix(dy + (n * g.outputChannels + group * og) * p, ld: p, transposed: true),
                            n == first ? 0 : 1, partials + chunk * count + group * k * og, inner)
                    }
                }
            }
        }
        Threading.parallelChunks(count, granularity: 64, minimumChunk: 1 << 14) { range in
            for chunk in 1..<chunks {
                let src = partials + chunk * count
                for i in range { partials[i] += src[i] }
            }
        }
        for group in 0..<g.groups {
            let src = partials + group * k * og, dst = dw + group * og * k
            for q in 0..<k {
                for o in 0..<og { dst[o * k + q] = src[q * og + o] }
            }
        }
    }

    // MARK: Helpers

    /// Whether a GEMM with `columns` columns of C runs on half-width vectors: with 512-bit
    /// vectors the 6 × 2-vector tile is 32 Floats wide, so a C of 16 columns (a layer of 16
    /// channels) would fill half of it; the 256-bit tile (6 × 16) fits it exactly and runs at
    /// the same rate per vector on Zen 4 (AVX-512 is double-pumped there). Both accumulate every
    /// element over k in the same order, so the choice does not change the bits.
    static func narrow(columns: Int) -> Bool {
        V.scalarCount * MemoryLayout<S>.stride == 64 && columns <= V.scalarCount
    }

    /// Runs `problem` (alpha 1) on the register tile of `V`, or of half its width when `narrow`
    /// (see ``narrow(columns:)``); packed B panels must have the matching width.
    @inline(__always)
    static func gemm<A: GEMMPackingA, B: GEMMPackingB>(
        _ problem: GEMMProblem, narrow: Bool, _ a: A, _ b: B, _ beta: S, _ c: UnsafeMutablePointer<S>, _ threads: Int
    ) where A.Scalar == S, B.Scalar == S {
        if narrow && V.scalarCount == 16 {
            problem.run(SIMD8<S>.self, 1, a, b, beta, c, threads)
        } else if narrow && V.scalarCount == 8 {
            problem.run(SIMD4<S>.self, 1, a, b, beta, c, threads)
        } else {
            problem.run(V.self, 1, a, b, beta, c, threads)
        }
    }

    /// Runs `body(images, gemmThreads)`: ranges of whole images on each thread with
    /// single-threaded GEMMs when there are enough images, else all images with GEMMs that use
    /// every thread.
    func overImages(_ body: (Range<Int>, Int) -> Void) {
        let threads = Threading.threadCount
        if threads > 1 && geometry.batch >= threads {
            Threading.parallelChunks(geometry.batch) { body($0, 1) }
        } else {
            body(0..<geometry.batch, threads)
        }
    }

    /// Image `n` of `x` as the GEMM reads it: in place when the window stays inside the image
    /// and the vector loads stay inside `x`, else copied into `scratch` (allocated on first use,
    /// its border and slack zero).
    private func read(_ x: UnsafePointer<S>, image n: Int, scratch: inout UnsafeMutablePointer<S>?) -> UnsafePointer<S> {
        let g = geometry
        let start = n * imageCount
        if !bordered && start + readExtent <= g.inputCount { return x + start }
        if scratch == nil { scratch = Self.allocate(readBufferCount, zeroed: true) }
        let buffer = scratch!
        if bordered {
            for c in 0..<g.inputChannels {
                for ih in 0..<g.inputHeight {
                    Self.copy(
                        x + start + (c * g.inputHeight + ih) * g.inputWidth,
                        to: buffer + c * readChannelCount + (ih + g.paddingTop) * readWidth + g.paddingLeft,
                        count: g.inputWidth)
                }
            }
        } else {
            buffer.update(from: x + start, count: imageCount)
        }
        return UnsafePointer(buffer)
    }

    /// Copies `count` scalars with vector moves: rows of an image are short, and a memmove
    /// call per row costs more than the copy.
    @inline(__always)
    static func copy(_ src: UnsafePointer<S>, to dst: UnsafeMutablePointer<S>, count: Int) {
        let lanes = V.scalarCount, size = MemoryLayout<S>.stride
        if count < lanes {
            for i in 0..<count { dst[i] = src[i] }
            return
        }
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        var t = 0
        while t + lanes <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: t * size, as: V.self), toByteOffset: t * size, as: V.self)
            t += lanes
        }
        if t < count {
            // The last vector overlaps the one before it.
            let u = (count - lanes) * size
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: u, as: V.self), toByteOffset: u, as: V.self)
        }
    }

    /// A 64-byte-aligned buffer of `count` scalars.
    static func allocate(_ count: Int, zeroed: Bool) -> UnsafeMutablePointer<S> {
        let p = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<S>.stride, alignment: 64
        ).bindMemory(to: S.self, capacity: Swift.max(count, 1))
        if zeroed { p.initialize(repeating: 0, count: count) }
        return p
    }
}
