// The weight gradient of a unit-stride convolution with few output channels, on the padded grid
// (see Convolution+Grid.swift for the grid j = oh·Wp + ow).
//
// dw[o, q] = Σ_{oh, ow} dy[o, oh, ow] · image[tap(q) + oh·Wp + ow]. With dy spread onto the grid
// (dyᵍ[o, j], zero where ow ≥ OW and past the last output), that is a dot product of two
// contiguous runs, dyᵍ[o, ·] and image[tap(q) + ·], over the whole grid: no im2col packing
// (the GEMM path packs every im2col value by register transposes and then uses it only Og times).
//
//   for each image of a chunk (in order), group: spread dy[n, group] onto the grid, then
//     for each tile of 4 output channels × 3 taps (12 vector accumulators, kept in memory
//     between images), for each grid vector v:
//       acc[i][j] += dyᵍ[o + i, vL …] · image[tap(q + j) + vL …]
//   at the end of the chunk each accumulator is summed across its lanes into dwᵀ[q + j, o + i]
//   (`storeWeightGradient`, shared with the direct kernels), then chunks are reduced in order.
//
// The order of every sum depends only on the shape, so the bits do not depend on the thread
// count. Reads reach `tap(q) + ⌈gridLength / L⌉·L − 1`, within the plan's read extent.

extension ConvolutionPlan {
    /// Whether the weight gradient runs on the padded grid (see the comment at the top of this
    /// file): unit strides, at most 16 output channels per group, and not the few-tap kernels.
    var usesGridWeightGradient: Bool {
        let g = geometry
        return g.strideHeight == 1 && g.strideWidth == 1 && g.outputChannelsPerGroup <= 16 && g.outputHeight > 0
            && !usesDirectKernels
    }

    /// Scalars of one output channel on the grid: the grid rounded up to whole vectors.
    var gridStride: Int { (gridLength + V.scalarCount - 1) / V.scalarCount * V.scalarCount }

    /// Scalars of the per-thread buffer that holds one group's `dy` on the grid (channels
    /// rounded up to the 4 of a tile; the extra ones stay zero).
    var gridGradientCount: Int { (geometry.outputChannelsPerGroup + 3) / 4 * 4 * gridStride }

    /// Copies `dy` of one image and group (`Og × OH × OW`) onto the grid `gridDy`, whose other
    /// positions are zero and stay so.
    func spreadOnGrid(_ dy: UnsafePointer<S>, into gridDy: UnsafeMutablePointer<S>) {
        let g = geometry
        let ow = g.outputWidth
        for o in 0..<g.outputChannelsPerGroup {
            for oh in 0..<g.outputHeight {
                Self.copy(dy + o * pixelCount + oh * ow, to: gridDy + o * gridStride + oh * readWidth, count: ow)
            }
        }
    }

    /// Adds one image's contribution to the chunk accumulators of one group (the layout of
    /// ``weightGradientDirect(image:dy:zeroRow:accumulators:)``), from `gridDy` filled by
    /// ``spreadOnGrid(_:into:)``.
    func weightGradientGrid(image: UnsafePointer<S>, gridDy: UnsafePointer<S>, accumulators: UnsafeMutablePointer<V>) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps
        let size = MemoryLayout<S>.stride, step = V.scalarCount * size
        let vectors = gridStride / V.scalarCount
        let row = UnsafeRawPointer(image)
        var tile = accumulators
        for o in stride(from: 0, to: og, by: 4) {
            let d0 = UnsafeRawPointer(gridDy + o * gridStride), d1 = d0 + gridStride * size
            let d2 = d1 + gridStride * size, d3 = d2 + gridStride * size
            for q in stride(from: 0, to: k, by: 3) {
                let t0 = taps.offsets[q] * size
                let t1 = taps.offsets[Swift.min(q + 1, k - 1)] * size
                let t2 = taps.offsets[Swift.min(q + 2, k - 1)] * size
                var c00 = tile[0], c01 = tile[1], c02 = tile[2], c10 = tile[3], c11 = tile[4], c12 = tile[5]
                var c20 = tile[6], c21 = tile[7], c22 = tile[8], c30 = tile[9], c31 = tile[10], c32 = tile[11]
                for v in 0..<vectors {
                    let s = v &* step
                    let v0 = d0.load(fromByteOffset: s, as: V.self), v1 = d1.load(fromByteOffset: s, as: V.self)
                    let v2 = d2.load(fromByteOffset: s, as: V.self), v3 = d3.load(fromByteOffset: s, as: V.self)
                    let x0 = row.loadUnaligned(fromByteOffset: t0 &+ s, as: V.self)
                    let x1 = row.loadUnaligned(fromByteOffset: t1 &+ s, as: V.self)
                    let x2 = row.loadUnaligned(fromByteOffset: t2 &+ s, as: V.self)
                    Self.multiplyAdd(&c00, &c01, &c02, v0, x0, x1, x2)
                    Self.multiplyAdd(&c10, &c11, &c12, v1, x0, x1, x2)
                    Self.multiplyAdd(&c20, &c21, &c22, v2, x0, x1, x2)
                    Self.multiplyAdd(&c30, &c31, &c32, v3, x0, x1, x2)
                }
                tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c10; tile[4] = c11; tile[5] = c12
                tile[6] = c20; tile[7] = c21; tile[8] = c22; tile[9] = c30; tile[10] = c31; tile[11] = c32
                tile += 12
            }
        }
    }
}
