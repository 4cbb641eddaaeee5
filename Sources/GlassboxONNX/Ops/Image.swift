import GlassboxIO

// Col2Im (N-d) and AffineGrid (2-d and 3-d).

extension ONNXOperators {
    nonisolated(unsafe) static let image: [String: ONNXOperator] = [
        "Col2Im": { ctx in
            let x = try ctx.input(0)
            let image = try ctx.intsInput(1) ?? [], block = try ctx.intsInput(2) ?? []
            let n = image.count
            let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: n)
            let dilations = ctx.ints("dilations") ?? [Int](repeating: 1, count: n)
            let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
            let kSize = block.reduce(1, *)
            let (batch, channels) = (x.shape[0], x.shape[1] / max(kSize, 1))
            let blocks = (0..<n).map { d -> Int in
                let span: Int = image[d] + pads[d] + pads[d + n] - dilations[d] * (block[d] - 1) - 1
                return span / strides[d] + 1
            }
            let l = blocks.reduce(1, *)
            guard x.shape[2] == l, channels * kSize == x.shape[1] else { throw ctx.fail("input \(x.shape) does not match \(l) blocks of \(block)") }
            let v = x.reals
            let imageSize = image.reduce(1, *), imageStrides = stridesOf(image)
            var out = [Double](repeating: 0, count: batch * channels * imageSize)
            var kernelOffsets: [[Int]] = [], blockPositions: [[Int]] = []
            forEachIndex(block) { kernelOffsets.append($0) }
            forEachIndex(blocks) { blockPositions.append($0) }
            for b in 0..<batch {
                for c in 0..<channels {
                    for (k, t) in kernelOffsets.enumerated() {
                        for (p, pos) in blockPositions.enumerated() {
                            var f = 0, inside = true
                            for d in 0..<n {
                                let o = pos[d] * strides[d] - pads[d] + t[d] * dilations[d]
                                if o < 0 || o >= image[d] { inside = false; break }
                                f += o * imageStrides[d]
                            }
                            if inside { out[(b * channels + c) * imageSize + f] += v[((b * channels + c) * kSize + k) * l + p] }
                        }
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: [batch, channels] + image, reals: out))
        },
        "AffineGrid": { ctx in
            let theta = try ctx.input(0)
            let size = try ctx.intsInput(1) ?? []
            let align = ctx.int("align_corners", 0) != 0
            let spatial = Array(size.dropFirst(2))
            let n = spatial.count
            guard n == 2 || n == 3, theta.shape == [size[0], n, n + 1] else { throw ctx.fail("theta \(theta.shape) for size \(size)") }
            func base(_ i: Int, _ len: Int) -> Double {
                align ? (len == 1 ? -1 : -1 + 2 * Double(i) / Double(len - 1)) : -1 + (2 * Double(i) + 1) / Double(len)
            }
            let tv = theta.reals
            var out: [Double] = []
            for b in 0..<size[0] {
                forEachIndex(spatial) { idx in
                    // Homogeneous point (x, y[, z], 1) with x along the last axis.
                    let point = (0..<n).map { base(idx[n - 1 - $0], spatial[n - 1 - $0]) } + [1]
                    for r in 0..<n {
                        var s = 0.0
                        for c in 0...n { s += tv[(b * n + r) * (n + 1) + c] * point[c] }
                        out.append(s)
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: theta.dtype, shape: [size[0]] + spatial + [n], reals: out))
        },
    ]
}
