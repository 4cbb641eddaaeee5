// Direct kernels for convolutions with few taps (K = Cg·KH·KW ≤ 32, as in a first layer on
// one or three channels) and unit horizontal stride, where a GEMM spends more time packing
// and writing back than multiplying (K = 9 gives 9 multiply-adds per tile write-back).
//
// With unit horizontal stride, the inputs that the outputs ow…ow+L−1 of output row oh read
// through tap q are L consecutive values, image[tap(q) + pixel(oh, 0) + ow …], so both kernels
// load them straight from the image (no packing). A row of OW outputs is covered by vectors
// at ow = 0, L, 2L, … and one last vector ending at OW − 1, which overlaps the one before.
//
//   forward (tile: 6 output channels × 2 vectors of one output row, 12 accumulators)
//     for each group, 6-channel panel, output row, column tile:
//       acc[r][h] = Σ_q w[o + r, q] · image[tap(q) + pixel(oh, ow + hL …)]      (q in order)
//       y = acc + bias
//     The weights come from the same packed panels as the GEMM path (6 values per tap), and
//     every output is summed over q in the same order, so both paths give the same bits; the
//     overlapping last tile recomputes and rewrites identical values.
//
//   weight gradient (tile: 4 output channels × 3 taps, 12 vector accumulators over pixels)
//     for each image of a chunk (in order), group, tile, output row, column vector:
//       acc[i][j] += dy[o + i, pixel … ] · image[tap(q + j) + pixel …]
//     the last, overlapping vector with the already counted lanes of dy zeroed. The
//     accumulators of a chunk live in memory between images; at the end each is summed across
//     its lanes into dwᵀ[q + j, o + i] of the chunk (then reduced over chunks as for the GEMM
//     path). The order of every sum depends only on the shape.

extension ConvolutionPlan {
    /// Whether the direct kernels apply: few taps, unit horizontal stride, output rows at least
    /// two vectors wide.
    var usesDirectKernels: Bool {
        geometry.strideWidth == 1 && geometry.taps <= 32 && geometry.outputWidth >= 2 * V.scalarCount
    }

    /// The vector column starts covering an output row: 0, `step`, 2·`step`, …, and `OW − width`.
    func columnStarts(width: Int, step: Int) -> [Int] {
        let ow = geometry.outputWidth
        var starts = Array(stride(from: 0, to: ow - width, by: step))
        starts.append(ow - width)
        return starts
    }

    /// `y[n, group]` for one image by the direct kernel; `packed` holds the group's weights as
    /// 6-row panels over the K taps.
    func forwardDirect(
        image: UnsafePointer<S>, packed: UnsafePointer<S>, bias: UnsafePointer<S>?, y: UnsafeMutablePointer<S>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, ow = g.outputWidth
        let lanes = V.scalarCount
        let starts = columnStarts(width: 2 * lanes, step: 2 * lanes)
        let tapOffsets = taps.offsets
        for panel in 0..<((og + 5) / 6) {
            let a = packed + panel * 6 * k
            let rows = Swift.min(6, og - panel * 6)
            for oh in 0..<g.outputHeight {
                let row = UnsafeRawPointer(image + oh * g.strideHeight * readWidth)
                let out = y + panel * 6 * pixelCount + oh * ow
                let size = MemoryLayout<S>.stride
                for start in starts {
                    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
                    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
                    for q in 0..<k {
                        let at = (tapOffsets[q] + start) * size
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
                    let bp = bias.map { $0 + panel * 6 }
                    let tileOut = out + start, second = lanes * size
                    Self.storeRow(c00, c01, 0, rows, tileOut, pixelCount, bp, second)
                    Self.storeRow(c10, c11, 1, rows, tileOut, pixelCount, bp, second)
                    Self.storeRow(c20, c21, 2, rows, tileOut, pixelCount, bp, second)
                    Self.storeRow(c30, c31, 3, rows, tileOut, pixelCount, bp, second)
                    Self.storeRow(c40, c41, 4, rows, tileOut, pixelCount, bp, second)
                    Self.storeRow(c50, c51, 5, rows, tileOut, pixelCount, bp, second)
                }
            }
        }
    }

    /// Stores output row `r` of a forward tile (`c0`, `c1` at `out + r·stride`) plus its bias,
    /// if `r` is one of the `rows` valid ones.
    @inline(__always)
    static func storeRow(
        _ c0: V, _ c1: V, _ r: Int, _ rows: Int, _ out: UnsafeMutablePointer<S>, _ stride: Int,
        _ bias: UnsafePointer<S>?, _ secondOffset: Int
    ) {
        guard r < rows else { return }
        let dst = UnsafeMutableRawPointer(out + r * stride)
        if let bias {
            let b = V(repeating: bias[r])
            dst.storeBytes(of: c0 + b, as: V.self)
            dst.storeBytes(of: c1 + b, toByteOffset: secondOffset, as: V.self)
        } else {
            dst.storeBytes(of: c0, as: V.self)
            dst.storeBytes(of: c1, toByteOffset: secondOffset, as: V.self)
        }
    }

    /// Adds image `image`'s contribution to the chunk accumulators `accumulators` (12 vectors per
    /// 4 × 3 tile, tiles in order) of one group; `zeroRow` is a row of P zeros standing in for
    /// output channels past the last.
    func weightGradientDirect(
        image: UnsafePointer<S>, dy: UnsafePointer<S>, zeroRow: UnsafePointer<S>,
        accumulators: UnsafeMutablePointer<V>
    ) {
        let g = geometry
        let og = g.outputChannelsPerGroup, k = g.taps, ow = g.outputWidth
        let lanes = V.scalarCount
        let starts = columnStarts(width: lanes, step: lanes)
        // The last vector repeats lanes the one before it counted: zero them in dy.
        let repeated = starts.count > 1 ? starts[starts.count - 2] + lanes - starts[starts.count - 1] : 0
        let keep = V((0..<lanes).map { S($0) }) .>= V(repeating: S(repeated))
        let size = MemoryLayout<S>.stride
        var tile = accumulators
        for o in stride(from: 0, to: og, by: 4) {
            func channel(_ i: Int) -> UnsafeRawPointer {
                UnsafeRawPointer(o + i < og ? dy + (o + i) * pixelCount : zeroRow)
            }
            let (d0, d1, d2, d3) = (channel(0), channel(1), channel(2), channel(3))
            for q in stride(from: 0, to: k, by: 3) {
                let t0 = taps.offsets[q] * size
                let t1 = taps.offsets[Swift.min(q + 1, k - 1)] * size
                let t2 = taps.offsets[Swift.min(q + 2, k - 1)] * size
                var c00 = tile[0], c01 = tile[1], c02 = tile[2], c10 = tile[3], c11 = tile[4], c12 = tile[5]
                var c20 = tile[6], c21 = tile[7], c22 = tile[8], c30 = tile[9], c31 = tile[10], c32 = tile[11]
                for oh in 0..<g.outputHeight {
                    let row = UnsafeRawPointer(image + oh * g.strideHeight * readWidth)
                    let y = oh * ow * size
                    for (index, start) in starts.enumerated() {
                        let s = start * size
                        var v0 = d0.loadUnaligned(fromByteOffset: y + s, as: V.self)
                        var v1 = d1.loadUnaligned(fromByteOffset: y + s, as: V.self)
                        var v2 = d2.loadUnaligned(fromByteOffset: y + s, as: V.self)
                        var v3 = d3.loadUnaligned(fromByteOffset: y + s, as: V.self)
                        if index == starts.count - 1 && repeated > 0 {
                            v0.replace(with: 0, where: .!keep)
                            v1.replace(with: 0, where: .!keep)
                            v2.replace(with: 0, where: .!keep)
                            v3.replace(with: 0, where: .!keep)
                        }
                        let x0 = row.loadUnaligned(fromByteOffset: t0 + s, as: V.self)
                        let x1 = row.loadUnaligned(fromByteOffset: t1 + s, as: V.self)
                        let x2 = row.loadUnaligned(fromByteOffset: t2 + s, as: V.self)
                        Self.multiplyAdd(&c00, &c01, &c02, v0, x0, x1, x2)
                        Self.multiplyAdd(&c10, &c11, &c12, v1, x0, x1, x2)
                        Self.multiplyAdd(&c20, &c21, &c22, v2, x0, x1, x2)
                        Self.multiplyAdd(&c30, &c31, &c32, v3, x0, x1, x2)
                    }
                }
                tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c10; tile[4] = c11; tile[5] = c12
                tile[6] = c20; tile[7] = c21; tile[8] = c22; tile[9] = c30; tile[10] = c31; tile[11] = c32
                tile += 12
            }
        }
    }

    /// Writes the chunk accumulators of one group, each summed across its lanes, into
    /// `dwT` (`[K, Og]`).
    func storeWeightGradient(_ accumulators: UnsafePointer<V>, into dwT: UnsafeMutablePointer<S>) {
        let og = geometry.outputChannelsPerGroup, k = geometry.taps
        var tile = accumulators
        for o in stride(from: 0, to: og, by: 4) {
            for q in stride(from: 0, to: k, by: 3) {
                for i in 0..<4 where o + i < og {
                    for j in 0..<3 where q + j < k { dwT[(q + j) * og + o + i] = tile[i * 3 + j].sum() }
                }
                tile += 12
            }
        }
    }

    /// The number of accumulator vectors of one group for the direct weight gradient.
    var directAccumulatorCount: Int {
        (geometry.outputChannelsPerGroup + 3) / 4 * ((geometry.taps + 2) / 3) * 12
    }

    /// `c0 += a·b0; c1 += a·b1`, fused where the build has FMA.
    @inline(__always)
    static func multiplyAdd(_ c0: inout V, _ c1: inout V, _ a: V, _ b0: V, _ b1: V) {
        #if FMA || arch(arm64)
        c0.addProduct(a, b0); c1.addProduct(a, b1)
        #else
        c0 += a * b0; c1 += a * b1
        #endif
    }

    /// `cj += a·xj` for j = 0, 1, 2, fused where the build has FMA.
    @inline(__always)
    static func multiplyAdd(_ c0: inout V, _ c1: inout V, _ c2: inout V, _ a: V, _ x0: V, _ x1: V, _ x2: V) {
        #if FMA || arch(arm64)
        c0.addProduct(a, x0); c1.addProduct(a, x1); c2.addProduct(a, x2)
        #else
        c0 += a * x0; c1 += a * x1; c2 += a * x2
        #endif
    }
}
