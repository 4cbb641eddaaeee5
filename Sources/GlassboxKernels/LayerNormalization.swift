// Layer normalisation with its affine map in one pass each way, over `rows` rows of `width`
// contiguous elements:
//
//   forward:  μ, σ² (biased) of the row; s = 1/√(σ² + ε); x̂ = x·s + (−μ·s); y = x̂·w + b
//   backward: ĝ = g·w; ∂x = k₁·ĝ + k₂·x + k₃ with k₁ = s, k₂ = −s³·Σĝ(x − μ)/D,
//             k₃ = −s·Σĝ/D − k₂·μ;  ∂w = Σ_rows g·x̂,  ∂b = Σ_rows g
//
// The statistics, x̂ and ∂x are computed exactly as the per-channel kernels of
// Normalization.swift compute them for a row viewed as one channel (the same lane sums, Double
// accumulation and expressions), so the fused op gives the bits of `batchNorm` followed by the
// separate multiply and add it replaces.
//
// Loop structure: forward, rows split over threads in contiguous blocks (each row by one
// thread). Backward, rows in fixed blocks of `rowBlock` rows; each block writes its rows' ∂x and
// its own partial column sums of g·x̂ and g (Float, rows in order); the partials are then added
// in block order in Double. The blocks do not depend on the thread count, so neither do the bits.

/// Fused layer normalisation kernels (see the file comment).
public enum LayerNormalization {
    /// Rows per block of the backward pass's column sums.
    static let rowBlock = 64

    /// `y = (x − μ)/√(σ² + ε) · weight + bias` per row of `width` elements (weight 1 and bias 0
    /// when absent); writes each row's mean and `1/√(σ² + ε)`.
    ///
    /// - Parameters:
    ///   - x, y: `rows · width` elements.
    ///   - mean, inverseStd: `rows` elements each, written.
    ///   - weight, bias: `width` elements each, or nil.
    public static func forward<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, inverseStd: UnsafeMutablePointer<T>,
        weight: UnsafePointer<T>?, bias: UnsafePointer<T>?, rows: Int, width: Int, epsilon: T
    ) {
        if T.self == Float.self {
            forwardImpl(
                rebind(x, Float.self), rebind(y, Float.self), rebind(mean, Float.self), rebind(inverseStd, Float.self),
                weight.map { rebind($0, Float.self) }, bias.map { rebind($0, Float.self) }, rows, width, Float(epsilon))
        } else if T.self == Double.self {
            forwardImpl(
                rebind(x, Double.self), rebind(y, Double.self), rebind(mean, Double.self), rebind(inverseStd, Double.self),
                weight.map { rebind($0, Double.self) }, bias.map { rebind($0, Double.self) }, rows, width, Double(epsilon))
        } else {
            forwardImpl(x, y, mean, inverseStd, weight, bias, rows, width, epsilon)
        }
    }

    /// The gradients of ``forward(_:_:mean:inverseStd:weight:bias:rows:width:epsilon:)`` for an
    /// output gradient `g` (see the file comment).
    ///
    /// - Parameters:
    ///   - g, x, gradInput: `rows · width` elements.
    ///   - mean, inverseStd: what the forward pass wrote.
    ///   - gradWeight, gradBias: `width` elements each, written (nil: not computed).
    public static func backward<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafePointer<T>, mean: UnsafePointer<T>, inverseStd: UnsafePointer<T>,
        weight: UnsafePointer<T>?, gradInput: UnsafeMutablePointer<T>, gradWeight: UnsafeMutablePointer<T>?,
        gradBias: UnsafeMutablePointer<T>?, rows: Int, width: Int
    ) {
        if T.self == Float.self {
            backwardImpl(
                rebind(g, Float.self), rebind(x, Float.self), rebind(mean, Float.self), rebind(inverseStd, Float.self),
                weight.map { rebind($0, Float.self) }, rebind(gradInput, Float.self), gradWeight.map { rebind($0, Float.self) },
                gradBias.map { rebind($0, Float.self) }, rows, width)
        } else if T.self == Double.self {
            backwardImpl(
                rebind(g, Double.self), rebind(x, Double.self), rebind(mean, Double.self), rebind(inverseStd, Double.self),
                weight.map { rebind($0, Double.self) }, rebind(gradInput, Double.self), gradWeight.map { rebind($0, Double.self) },
                gradBias.map { rebind($0, Double.self) }, rows, width)
        } else {
            backwardImpl(g, x, mean, inverseStd, weight, gradInput, gradWeight, gradBias, rows, width)
        }
    }

    static func forwardImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ mean: UnsafeMutablePointer<T>, _ inverseStd: UnsafeMutablePointer<T>,
        _ weight: UnsafePointer<T>?, _ bias: UnsafePointer<T>?, _ rows: Int, _ width: Int, _ epsilon: T
    ) {
        precondition(width > 0, "LayerNormalization.forward: empty rows")
        let xs = SendableConstPointer(x), ys = SendablePointer(y), means = SendablePointer(mean), inv = SendablePointer(inverseStd)
        let weights = weight.map(SendableConstPointer.init), biases = bias.map(SendableConstPointer.init)
        Threading.parallelChunks(rows, minimumChunk: Swift.max(1, Normalization.minimumElementsPerChunk / width)) { block in
            for r in block {
                let src = xs.base + r * width, dst = ys.base + r * width
                let m = T(Double(Reduction.laneSum(src, width)) / Double(width))
                let v = T(Double(Normalization.laneSquaredDeviationSum(src, width, m)) / Double(width))
                let s = Normalization.inverseStandardDeviation(v, epsilon)
                let shift = 0 - m * s
                means.base[r] = m
                inv.base[r] = s
                switch (weights, biases) {
                case let (w?, b?): for i in 0..<width { dst[i] = (src[i] * s + shift) * w.base[i] + b.base[i] }
                case let (w?, nil): for i in 0..<width { dst[i] = (src[i] * s + shift) * w.base[i] }
                case let (nil, b?): for i in 0..<width { dst[i] = (src[i] * s + shift) + b.base[i] }
                case (nil, nil): for i in 0..<width { dst[i] = src[i] * s + shift }
                }
            }
        }
    }

    static func backwardImpl<T: KernelScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ mean: UnsafePointer<T>, _ inverseStd: UnsafePointer<T>,
        _ weight: UnsafePointer<T>?, _ gradInput: UnsafeMutablePointer<T>, _ gradWeight: UnsafeMutablePointer<T>?,
        _ gradBias: UnsafeMutablePointer<T>?, _ rows: Int, _ width: Int
    ) {
        precondition(width > 0, "LayerNormalization.backward: empty rows")
        let blocks = (rows + rowBlock - 1) / rowBlock
        let wantSums = gradWeight != nil || gradBias != nil
        // Per block: width partial sums of g·x̂, then width of g.
        let partials = UnsafeMutablePointer<T>.allocate(capacity: wantSums ? blocks * 2 * width : 0)
        defer { partials.deallocate() }
        let gs = SendableConstPointer(g), xs = SendableConstPointer(x), means = SendableConstPointer(mean)
        let inv = SendableConstPointer(inverseStd), dx = SendablePointer(gradInput), sums = SendablePointer(partials)
        let weights = weight.map(SendableConstPointer.init)
        let minimumBlocks = Swift.max(1, Normalization.minimumElementsPerChunk / (rowBlock * width))
        Threading.parallelChunks(blocks, minimumChunk: minimumBlocks) { range in
            let scaled = UnsafeMutablePointer<T>.allocate(capacity: weights == nil ? 0 : width)
            defer { scaled.deallocate() }
            for block in range {
                let sumGX = sums.base + block * 2 * width, sumG = sumGX + width
                if wantSums {
                    sumGX.update(repeating: 0, count: width)
                    sumG.update(repeating: 0, count: width)
                }
                for r in block * rowBlock..<Swift.min(rows, (block + 1) * rowBlock) {
                    let gr = gs.base + r * width, xr = xs.base + r * width, out = dx.base + r * width
                    let m = means.base[r], s = inv.base[r], shift = 0 - m * s
                    if wantSums {
                        for i in 0..<width {
                            sumGX[i] += gr[i] * (xr[i] * s + shift)
                            sumG[i] += gr[i]
                        }
                    }
                    // ĝ = g·w (g itself without a weight).
                    var gh = gr
                    if let w = weights {
                        for i in 0..<width { scaled[i] = gr[i] * w.base[i] }
                        gh = UnsafePointer(scaled)
                    }
                    let (a, b) = Normalization.laneSums(gh, xr, width, m)
                    let k1 = s
                    let k2 = -k1 * s * s * T(Double(b) / Double(width))
                    let k3 = -k1 * T(Double(a) / Double(width)) - k2 * m
                    for i in 0..<width { out[i] = k1 * gh[i] + k2 * xr[i] + k3 }
                }
            }
        }
        guard wantSums else { return }
        for i in 0..<width {
            var totalGX = 0.0, totalG = 0.0
            for block in 0..<blocks {
                totalGX += Double(partials[block * 2 * width + i])
                totalG += Double(partials[block * 2 * width + width + i])
            }
            gradWeight?[i] = T(totalGX)
            gradBias?[i] = T(totalG)
        }
    }
}
