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
    let tapOffsets: [Int]
    /// `oh·sh·Wp + ow·sw` for each output pixel (P entries).
    let pixelOffsets: [Int]

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
        var taps: [Int] = []
        taps.reserveCapacity(g.taps)
        for c in 0..<g.inputChannelsPerGroup {
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    taps.append(c * readHeight * readWidth + ki * g.dilationHeight * readWidth + kj * g.dilationWidth)
                }
            }
        }
        var pixels: [Int] = []
        pixels.reserveCapacity(g.outputHeight * g.outputWidth)
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                pixels.append(oh * g.strideHeight * readWidth + ow * g.strideWidth)
            }
        }
        tapOffsets = taps
        pixelOffsets = pixels
    }

    var pixels: Int { geometry.outputHeight * geometry.outputWidth }
    var imageCount: Int { geometry.inputChannels * geometry.inputHeight * geometry.inputWidth }
    var readCount: Int { geometry.inputChannels * readHeight * readWidth }
    var readChannelCount: Int { readHeight * readWidth }

    // MARK: Passes

    func forward(_ x: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ y: UnsafeMutablePointer<S>) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixels
        if g.outputCount == 0 { return }
        if k == 0 {
            for n in 0..<g.batch {
                for o in 0..<g.outputChannels {
                    (y + (n * g.outputChannels + o) * p).update(repeating: bias?[o] ?? 0, count: p)
                }
            }
            return
        }
        withOffsets { taps, pixelOffsets in
            overImages { images, threads in
                let border = bordered ? Self.allocate(readCount, zeroed: true) : nil
                defer { border?.deallocate() }
                for n in images {
                    let image = read(x + n * imageCount, through: border)
                    for group in 0..<g.groups {
                        let out = y + (n * g.outputChannels + group * og) * p
                        if let bias {
                            for o in 0..<og { (out + o * p).update(repeating: bias[group * og + o], count: p) }
                        }
                        GEMMProblem(m: og, n: p, k: k, ldc: p).run(
                            V.self, 1, GEMMMatrix(w + group * og * k, ld: k, transposed: false),
                            ConvolutionMatrix(
                                base: image + group * g.inputChannelsPerGroup * readChannelCount, rowOffsets: taps,
                                columnOffsets: pixelOffsets),
                            bias == nil ? 0 : 1, out, threads)
                    }
                }
            }
        }
    }

    func backwardData(
        _ dy: UnsafePointer<S>, _ w: UnsafePointer<S>, _ bias: UnsafePointer<S>?, _ dx: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixels
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
        let nr = 2 * V.scalarCount
        let block = Swift.min(p, Swift.max(nr, Self.columnBlockBudget / k / nr * nr))
        withOffsets { taps, pixelOffsets in
            overImages { images, threads in
                let border = bordered ? Self.allocate(readCount, zeroed: false) : nil
                let columns = Self.allocate(k * block, zeroed: false)
                defer {
                    border?.deallocate()
                    columns.deallocate()
                }
                for n in images {
                    let target = border ?? dx + n * imageCount
                    target.update(repeating: 0, count: bordered ? readCount : imageCount)
                    for group in 0..<g.groups {
                        let weights = GEMMMatrix(w + group * og * k, ld: k, transposed: true)
                        let groupTarget = target + group * g.inputChannelsPerGroup * readChannelCount
                        var j0 = 0
                        while j0 < p {
                            let width = Swift.min(block, p - j0)
                            GEMMProblem(m: k, n: width, k: og, ldc: width).run(
                                V.self, 1, weights,
                                GEMMMatrix(dy + (n * g.outputChannels + group * og) * p + j0, ld: p, transposed: false),
                                0, columns, threads)
                            ConvolutionMatrix.scatterAdd(
                                columns, rows: k, columns: width, ld: width, into: groupTarget, rowOffsets: taps,
                                columnOffsets: pixelOffsets + j0)
                            j0 += width
                        }
                    }
                    let out = dx + n * imageCount
                    if let border {
                        for c in 0..<g.inputChannels {
                            let b = bias?[c] ?? 0
                            for ih in 0..<g.inputHeight {
                                let src = border + c * readChannelCount + (ih + g.paddingTop) * readWidth + g.paddingLeft
                                let dst = out + (c * g.inputHeight + ih) * g.inputWidth
                                if bias != nil {
                                    for iw in 0..<g.inputWidth { dst[iw] = src[iw] + b }
                                } else {
                                    dst.update(from: src, count: g.inputWidth)
                                }
                            }
                        }
                    } else if let bias {
                        for c in 0..<g.inputChannels {
                            let dst = out + c * hw
                            let b = bias[c]
                            for i in 0..<hw { dst[i] += b }
                        }
                    }
                }
            }
        }
    }

    func backwardWeight(_ x: UnsafePointer<S>, _ dy: UnsafePointer<S>, _ dw: UnsafeMutablePointer<S>) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, p = pixels
        let count = g.weightCount
        if count == 0 { return }
        if g.batch == 0 || p == 0 {
            dw.update(repeating: 0, count: count)
            return
        }
        // Fixed chunks of images (by shape only); chunk 0 accumulates in dw, the others in
        // partial buffers added to it in chunk order.
        let chunks = Swift.min(g.batch, Self.maximumChunks, Swift.max(1, Self.partialBudget / count))
        let partials = chunks > 1 ? Self.allocate((chunks - 1) * count, zeroed: false) : nil
        defer { partials?.deallocate() }
        let inner = Swift.max(1, Threading.threadCount / chunks)
        let dws = SendablePointer(dw)
        withOffsets { taps, pixelOffsets in
            Threading.parallelChunks(chunks) { range in
                let border = bordered ? Self.allocate(readCount, zeroed: true) : nil
                defer { border?.deallocate() }
                for chunk in range {
                    let target = chunk == 0 ? dws.base : partials! + (chunk - 1) * count
                    let first = chunk * g.batch / chunks
                    for n in first..<((chunk + 1) * g.batch / chunks) {
                        let image = read(x + n * imageCount, through: border)
                        for group in 0..<g.groups {
                            GEMMProblem(m: og, n: k, k: p, ldc: k).run(
                                V.self, 1,
                                GEMMMatrix(dy + (n * g.outputChannels + group * og) * p, ld: p, transposed: false),
                                ConvolutionMatrix(
                                    base: image + group * g.inputChannelsPerGroup * readChannelCount,
                                    rowOffsets: pixelOffsets, columnOffsets: taps),
                                n == first ? 0 : 1, target + group * og * k, inner)
                        }
                    }
                }
            }
        }
        if let partials {
            Threading.parallelChunks(count, granularity: 64, minimumChunk: 1 << 14) { range in
                for chunk in 1..<chunks {
                    let src = partials + (chunk - 1) * count
                    for i in range { dws.base[i] += src[i] }
                }
            }
        }
    }

    // MARK: Helpers

    /// Calls `body` with the tap and pixel offset tables.
    private func withOffsets(_ body: (UnsafePointer<Int>, UnsafePointer<Int>) -> Void) {
        tapOffsets.withUnsafeBufferPointer { taps in
            pixelOffsets.withUnsafeBufferPointer { pixels in body(taps.baseAddress!, pixels.baseAddress!) }
        }
    }

    /// Runs `body(images, gemmThreads)`: ranges of whole images on each thread with
    /// single-threaded GEMMs when there are enough images, else all images with GEMMs that use
    /// every thread.
    private func overImages(_ body: (Range<Int>, Int) -> Void) {
        let threads = Threading.threadCount
        if threads > 1 && geometry.batch >= threads {
            Threading.parallelChunks(geometry.batch) { body($0, 1) }
        } else {
            body(0..<geometry.batch, threads)
        }
    }

    /// The image as the GEMM reads it: `image` itself, or its copy into the interior of
    /// `border` (whose border is zero).
    private func read(_ image: UnsafePointer<S>, through border: UnsafeMutablePointer<S>?) -> UnsafePointer<S> {
        guard let border else { return image }
        let g = geometry
        for c in 0..<g.inputChannels {
            for ih in 0..<g.inputHeight {
                (border + c * readChannelCount + (ih + g.paddingTop) * readWidth + g.paddingLeft).update(
                    from: image + (c * g.inputHeight + ih) * g.inputWidth, count: g.inputWidth)
            }
        }
        return UnsafePointer(border)
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
