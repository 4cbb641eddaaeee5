// The forward pass of a unit-stride convolution with few output channels, on the padded grid.
//
// With unit strides, output (oh, ow) through tap q reads image[tap(q) + oh·Wp + ow]: on the
// "grid" of positions j = oh·Wp + ow (ow running over the whole read width Wp, not just OW),
// the inputs of consecutive positions are consecutive in the image for every tap. So a tile of
// 2 register vectors of grid positions loads its inputs straight from the image, two vector
// loads per tap, across output rows; the positions with ow ≥ OW (Wp − OW per row) are
// computed and dropped. No im2col packing, no transpose: for Og = 16 (the DDPM U-Net's 28 × 28
// layers) the GEMM path spent a quarter of its time packing A, each packed value feeding only
// 16 multiply-adds.
//
//   for each group, tile of grid positions j0 … j0 + 2L − 1 (the last tile overlaps the one
//   before: it ends at the last output), 6-channel panel:
//     acc[r][h] = Σ_q w[o + r, q] · image[tap(q) + j0 + hL …]      (q in order; 12 accumulators)
//     y[o + r, oh, ow] = acc + bias for the tile's positions with ow < OW
//
// The weights are the 6-row panels the direct kernels use. Every output is one chain of
// multiply-adds over q in order, whatever tile or thread computes it, so the bits do not depend
// on the thread count; the overlapping last tile rewrites identical values. Reads stay within
// `tap(q) + pixel(OH − 1, OW − 1)`, the plan's read extent.

extension ConvolutionPlan {
    /// Grid positions up to the last output: `(OH − 1)·Wp + OW`.
    var gridLength: Int { (geometry.outputHeight - 1) * readWidth + geometry.outputWidth }

    /// Whether the forward pass runs on the padded grid (see the comment at the top of this
    /// file): unit strides, at most 16 output channels per group, at least one tile of positions.
    var usesGridKernel: Bool {
        let g = geometry
        return g.strideHeight == 1 && g.strideWidth == 1 && g.outputChannelsPerGroup <= 16
            && g.outputHeight > 0 && gridLength >= 2 * V.scalarCount
    }

    /// `y[n, group]` for one image on the padded grid; `packed` holds the group's weights as
    /// 6-row panels over the K taps, `tile` room for 6 × 2 vectors.
    func forwardGrid(
        image: UnsafePointer<S>, packed: UnsafePointer<S>, bias: UnsafePointer<S>?, y: UnsafeMutablePointer<S>,
        tile: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, ow = g.outputWidth, wp = readWidth
        let lanes = V.scalarCount, width = 2 * lanes, length = gridLength
        let size = MemoryLayout<S>.stride
        let tapOffsets = taps.offsets
        let panels = (og + 5) / 6
        let tileRaw = UnsafeMutableRawPointer(tile)
        // Runs of valid positions in a tile: (grid offset in the tile, output index, count).
        var runs: [(Int, Int, Int)] = []
        runs.reserveCapacity(width / Swift.max(1, wp) + 2)
        var j0 = 0
        while true {
            let start = Swift.min(j0, length - width)
            let row = UnsafeRawPointer(image + start)
            runs.removeAll(keepingCapacity: true)
            var j = start
            while j < start + width {
                let oh = j / wp, column = j - oh * wp
                if column >= ow {
                    j += wp - column
                    continue
                }
                let run = Swift.min(ow - column, start + width - j)
                runs.append((j - start, oh * ow + column, run))
                j += run
            }
            for panel in 0..<panels {
                let a = packed + panel * 6 * k
                var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
                var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
                for q in 0..<k {
                    let at = tapOffsets[q] * size
                    let b0 = row.loadUnaligned(fromByteOffset: at, as: V.self)
                    let b1 = row.loadUnaligned(fromByteOffset: at + lanes * size, as: V.self)
                    let ap = a + q * 6
                    Self.multiplyAdd(&c00, &c01, V(repeating: ap[0]), b0, b1)
                    Self.multiplyAdd(&c10, &c11, V(repeating: ap[1]), b0, b1)
                    Self.multiplyAdd(&c20, &c21, V(repeating: ap[2]), b0, b1)
                    Self.multiplyAdd(&c30, &c31, V(repeating: ap[3]), b0, b1)
                    Self.multiplyAdd(&c40, &c41, V(repeating: ap[4]), b0, b1)
                    Self.multiplyAdd(&c50, &c51, V(repeating: ap[5]), b0, b1)
                }
                let half = lanes * size, rowBytes = width * size
                tileRaw.storeBytes(of: c00, as: V.self); tileRaw.storeBytes(of: c01, toByteOffset: half, as: V.self)
                tileRaw.storeBytes(of: c10, toByteOffset: rowBytes, as: V.self)
                tileRaw.storeBytes(of: c11, toByteOffset: rowBytes + half, as: V.self)
                tileRaw.storeBytes(of: c20, toByteOffset: 2 * rowBytes, as: V.self)
                tileRaw.storeBytes(of: c21, toByteOffset: 2 * rowBytes + half, as: V.self)
                tileRaw.storeBytes(of: c30, toByteOffset: 3 * rowBytes, as: V.self)
                tileRaw.storeBytes(of: c31, toByteOffset: 3 * rowBytes + half, as: V.self)
                tileRaw.storeBytes(of: c40, toByteOffset: 4 * rowBytes, as: V.self)
                tileRaw.storeBytes(of: c41, toByteOffset: 4 * rowBytes + half, as: V.self)
                tileRaw.storeBytes(of: c50, toByteOffset: 5 * rowBytes, as: V.self)
                tileRaw.storeBytes(of: c51, toByteOffset: 5 * rowBytes + half, as: V.self)
                for r in 0..<Swift.min(6, og - panel * 6) {
                    let o = panel * 6 + r
                    let out = y + o * pixelCount, src = tile + r * width
                    if let bias {
                        let b = bias[o]
                        for (offset, index, count) in runs {
                            for t in 0..<count { out[index + t] = src[offset + t] + b }
                        }
                    } else {
                        for (offset, index, count) in runs {
                            for t in 0..<count { out[index + t] = src[offset + t] }
                        }
                    }
                }
            }
            if start + width >= length { break }
            j0 += width
        }
    }
}
