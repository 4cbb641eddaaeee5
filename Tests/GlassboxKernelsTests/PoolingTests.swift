import Testing
import GlassboxKernels

// Pooling, indexed gather/scatter, nearest indices and per-channel normalisation kernels against
// naive loops written from PyTorch's definitions, in Float and Double, over random
// configurations; special values; and bitwise determinism across thread counts.

/// One pooling configuration along both axes: `[planes, h, w]` input, kernel, stride, padding,
/// dilation, ceil mode.
struct PoolCase: CustomStringConvertible {
    var planes: Int, h: Int, w: Int
    var kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)
    var ceilMode: Bool

    var description: String {
        "planes \(planes) \(h)×\(w) k\(kernel) s\(stride) p\(padding) d\(dilation) ceil \(ceilMode)"
    }

    var height: PoolingAxis {
        PoolingAxis(input: h, kernel: kernel.0, stride: stride.0, padding: padding.0, dilation: dilation.0, ceilMode: ceilMode)
    }
    var width: PoolingAxis {
        PoolingAxis(input: w, kernel: kernel.1, stride: stride.1, padding: padding.1, dilation: dilation.1, ceilMode: ceilMode)
    }
}

/// PyTorch's `pooling_output_shape`, written out independently.
func referenceOutputSize(_ n: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int, _ ceil: Bool) -> Int {
    let span = Double(n + 2 * p - d * (k - 1) - 1)
    var out = Int((ceil ? (span / Double(s)).rounded(.up) : (span / Double(s)).rounded(.down))) + 1
    if ceil && (out - 1) * s >= n + p { out -= 1 }
    return out
}

/// Random valid configurations (padding at most half the kernel, positive outputs).
func randomPoolCases(count: Int, seed: UInt64, dilation: Bool) -> [PoolCase] {
    let r = pseudoRandom(count * 40, seed: seed, scale: 1).map { Int(($0 + 1) * 1000) }
    var cases: [PoolCase] = []
    var i = 0
    func pick(_ range: ClosedRange<Int>) -> Int {
        defer { i += 1 }
        return range.lowerBound + r[i] % (range.count)
    }
    while cases.count < count && i + 12 <= r.count {
        let k = (pick(1...4), pick(1...4))
        let c = PoolCase(
            planes: pick(1...5), h: pick(1...11), w: pick(1...13), kernel: k, stride: (pick(1...3), pick(1...3)),
            padding: (pick(0...k.0 / 2), pick(0...k.1 / 2)), dilation: dilation ? (pick(1...3), pick(1...2)) : (1, 1),
            ceilMode: pick(0...1) == 1)
        if c.height.output > 0 && c.width.output > 0 && c.height.everyWindowOverlapsInput && c.width.everyWindowOverlapsInput {
            cases.append(c)
        }
    }
    return cases
}

/// Naive max pooling (PyTorch's loop: −∞ start, first index of the clipped window, `>` or NaN).
func referenceMaxPool<T: KernelScalar>(_ x: [T], _ c: PoolCase) -> ([T], [Int32]) {
    let oh = referenceOutputSize(c.h, c.kernel.0, c.stride.0, c.padding.0, c.dilation.0, c.ceilMode)
    let ow = referenceOutputSize(c.w, c.kernel.1, c.stride.1, c.padding.1, c.dilation.1, c.ceilMode)
    var y: [T] = [], idx: [Int32] = []
    for p in 0..<c.planes {
        for i in 0..<oh {
            for j in 0..<ow {
                let hs = (0..<c.kernel.0).map { i * c.stride.0 - c.padding.0 + $0 * c.dilation.0 }.filter { (0..<c.h).contains($0) }
                let ws = (0..<c.kernel.1).map { j * c.stride.1 - c.padding.1 + $0 * c.dilation.1 }.filter { (0..<c.w).contains($0) }
                var best = -T.infinity, bestIndex = hs[0] * c.w + ws[0]
                for h in hs {
                    for w in ws where x[p * c.h * c.w + h * c.w + w] > best || x[p * c.h * c.w + h * c.w + w].isNaN {
                        best = x[p * c.h * c.w + h * c.w + w]
                        bestIndex = h * c.w + w
                    }
                }
                y.append(best)
                idx.append(Int32(bestIndex))
            }
        }
    }
    return (y, idx)
}

/// Naive average pooling (PyTorch's `avg_pool2d` loop).
func referenceAvgPool<T: KernelScalar>(_ x: [T], _ c: PoolCase, countIncludePad: Bool, divisorOverride: Int?) -> [T] {
    let oh = referenceOutputSize(c.h, c.kernel.0, c.stride.0, c.padding.0, 1, c.ceilMode)
    let ow = referenceOutputSize(c.w, c.kernel.1, c.stride.1, c.padding.1, 1, c.ceilMode)
    var y: [T] = []
    for p in 0..<c.planes {
        for i in 0..<oh {
            for j in 0..<ow {
                var h0 = i * c.stride.0 - c.padding.0, w0 = j * c.stride.1 - c.padding.1
                var h1 = min(h0 + c.kernel.0, c.h + c.padding.0), w1 = min(w0 + c.kernel.1, c.w + c.padding.1)
                let poolSize = (h1 - h0) * (w1 - w0)
                h0 = max(h0, 0); w0 = max(w0, 0); h1 = min(h1, c.h); w1 = min(w1, c.w)
                if h0 >= h1 || w0 >= w1 { y.append(0); continue }
                var sum: T = 0
                for h in h0..<h1 { for w in w0..<w1 { sum += x[p * c.h * c.w + h * c.w + w] } }
                y.append(sum / T(divisorOverride ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0))))
            }
        }
    }
    return y
}

/// Runs a kernel writing `outputCount` elements from `x`.
func apply<T: KernelScalar>(_ x: [T], outputCount: Int, _ body: (UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) -> [T] {
    var y = [T](repeating: .nan, count: outputCount)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in body(xp.baseAddress!, yp.baseAddress!) }
    }
    return y
}

func runMaxPool<T: KernelScalar>(_ x: [T], _ c: PoolCase) -> ([T], [Int32]) {
    let n = c.planes * c.height.output * c.width.output
    var indices = [Int32](repeating: -1, count: n)
    let y = apply(x, outputCount: n) { xp, yp in
        indices.withUnsafeMutableBufferPointer { ip in
            Pooling.maxForward(xp, yp, ip.baseAddress!, planes: c.planes, height: c.height, width: c.width)
        }
    }
    return (y, indices)
}

/// Same bits, or both NaN.
func identical<T: KernelScalar>(_ a: [T], _ b: [T]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}

func closeArrays<T: KernelScalar>(_ a: [T], _ b: [T], tolerance: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - Double($1)) <= tolerance * max(1, abs(Double($1))) }
}

/// `n` distinct values (no ties), shuffled by the seed.
func distinctValues<T: KernelScalar>(_ n: Int, seed: UInt64) -> [T] {
    let keys = pseudoRandom(n, seed: seed, scale: 1)
    let order = keys.indices.sorted { keys[$0] < keys[$1] }
    var values = [T](repeating: 0, count: n)
    for (rank, i) in order.enumerated() { values[i] = T(rank) * 0.25 - T(n) * 0.1 }
    return values
}

@Suite struct PoolingKernels {
    @Test("output size follows PyTorch's rule, ceil mode included")
    func outputSizes() {
        // (input, kernel, stride, padding, dilation, ceil) → PyTorch's output size.
        let cases: [(Int, Int, Int, Int, Int, Bool, Int)] = [
            (26, 2, 2, 0, 1, false, 13), (11, 2, 2, 0, 1, false, 5), (11, 2, 2, 0, 1, true, 6),
            (5, 3, 2, 1, 1, true, 3), (6, 3, 3, 1, 1, true, 3), (4, 2, 3, 0, 1, true, 2), (7, 3, 2, 1, 2, false, 3),
            (1, 1, 1, 0, 1, false, 1), (5, 2, 4, 1, 1, true, 2), (6, 2, 4, 1, 1, true, 2),
        ]
        for (n, k, s, p, d, ceil, expected) in cases {
            #expect(PoolingAxis(input: n, kernel: k, stride: s, padding: p, dilation: d, ceilMode: ceil).output == expected, "\(n) \(k) \(s) \(p) \(d) \(ceil)")
            #expect(referenceOutputSize(n, k, s, p, d, ceil) == expected)
        }
        for c in randomPoolCases(count: 200, seed: 1, dilation: true) {
            #expect(c.height.output == referenceOutputSize(c.h, c.kernel.0, c.stride.0, c.padding.0, c.dilation.0, c.ceilMode))
        }
    }

    func checkMaxPool<T: KernelScalar>(_: T.Type, _ cases: [PoolCase], seed: UInt64, ties: Bool) {
        for (n, c) in cases.enumerated() {
            let count = c.planes * c.h * c.w
            // Ties: values from a small set, so windows hold repeated maxima.
            let x: [T] = ties
                ? pseudoRandom(count, seed: seed + UInt64(n), scale: 2).map { T($0.rounded()) }
                : distinctValues(count, seed: seed + UInt64(n))
            let (y, idx) = runMaxPool(x, c)
            let (ry, ridx) = referenceMaxPool(x, c)
            #expect(identical(y, ry), "\(T.self) \(c)")
            #expect(idx == ridx, "\(T.self) \(c)")
        }
    }

    @Test("max pooling equals the naive loop: values and first-maximum indices (random configs, ties)")
    func maxPoolRandom() {
        let cases = randomPoolCases(count: 60, seed: 2, dilation: true)
        #expect(cases.count >= 40)
        checkMaxPool(Float.self, cases, seed: 10, ties: false)
        checkMaxPool(Double.self, cases, seed: 20, ties: true)
        checkMaxPool(Float.self, cases, seed: 30, ties: true)
    }

    @Test("max pooling 2×2 stride 2 (the SIMD paths) equals the naive loop, odd sizes, ceil mode and ties included")
    func maxPool2x2() {
        let sizes = [(3, 26, 26), (2, 11, 11), (1, 4, 17), (2, 5, 15), (1, 16, 32), (2, 3, 7), (1, 2, 2), (1, 5, 9), (2, 7, 3)]
        let cases = [false, true].flatMap { ceil in
            sizes.map {
                PoolCase(planes: $0.0, h: $0.1, w: $0.2, kernel: (2, 2), stride: (2, 2), padding: (0, 0), dilation: (1, 1), ceilMode: ceil)
            }
        }
        checkMaxPool(Float.self, cases, seed: 40, ties: false)
        checkMaxPool(Double.self, cases, seed: 50, ties: false)
        checkMaxPool(Float.self, cases, seed: 60, ties: true)
        checkMaxPool(Double.self, cases, seed: 70, ties: true)
    }

    @Test("max pooling: NaN wins (the last NaN of a window), −∞ windows keep their first index")
    func maxPoolSpecialValues() {
        for kernelPath in [(2, 2), (3, 2)] {
            let c = PoolCase(
                planes: 1, h: 2, w: 16, kernel: kernelPath, stride: (2, 2), padding: (0, 0), dilation: (1, 1), ceilMode: false)
            var x = [Float](repeating: -.infinity, count: 32)
            x[2] = 5; x[3] = .nan; x[18] = 7  // window 1: 5, NaN, then 7 below: NaN stays
            x[4] = .nan; x[21] = .nan  // window 2: first NaN at 4, later NaN at 21
            x[6] = 1; x[7] = 3; x[22] = 3; x[23] = 2  // window 3: tie 3 at 7 and 22: first wins
            let (y, idx) = runMaxPool(x, c)
            let (ry, ridx) = referenceMaxPool(x, c)
            #expect(identical(y, ry) && idx == ridx, "kernel \(kernelPath): \(y) \(idx) vs \(ry) \(ridx)")
            if kernelPath == (2, 2) {
                #expect(y[0] == -.infinity && idx[0] == 0)
                #expect(y[1].isNaN && idx[1] == 3)
                #expect(y[2].isNaN && idx[2] == 21)
                #expect(y[3] == 3 && idx[3] == 7)
            }
        }
    }

    @Test("average pooling equals the naive loop (padding, ceil mode, count_include_pad, divisor override)")
    func averagePoolRandom() {
        let cases = randomPoolCases(count: 60, seed: 3, dilation: false)
        for (n, c) in cases.enumerated() {
            for (includePad, divisor) in [(true, nil), (false, nil), (true, 3)] as [(Bool, Int?)] {
                let rows = PoolingWindows(averaging: c.height, countIncludePad: includePad)
                let columns = PoolingWindows(averaging: c.width, countIncludePad: includePad)
                let x = pseudoRandom(c.planes * c.h * c.w, seed: UInt64(100 + n), scale: 3)
                let xf = x.map { Float($0) }
                let y = apply(x, outputCount: c.planes * rows.count * columns.count) {
                    Pooling.averageForward($0, $1, planes: c.planes, inputHeight: c.h, inputWidth: c.w, rows: rows, columns: columns, divisorOverride: divisor)
                }
                let yf = apply(xf, outputCount: c.planes * rows.count * columns.count) {
                    Pooling.averageForward($0, $1, planes: c.planes, inputHeight: c.h, inputWidth: c.w, rows: rows, columns: columns, divisorOverride: divisor)
                }
                #expect(identical(y, referenceAvgPool(x, c, countIncludePad: includePad, divisorOverride: divisor)), "\(c)")
                #expect(identical(yf, referenceAvgPool(xf, c, countIncludePad: includePad, divisorOverride: divisor)), "\(c)")
            }
        }
    }

    /// ⟨A x, g⟩ = ⟨x, Aᵀ g⟩ for the window average A and its adjoint, and the adjoint equals a
    /// naive scatter of g/d.
    func checkAdjoint(_ c: PoolCase, rows: PoolingWindows, columns: PoolingWindows, divisor: Int?, seed: UInt64) {
        let outCount = c.planes * rows.count * columns.count
        let x = pseudoRandom(c.planes * c.h * c.w, seed: seed, scale: 1)
        let g = pseudoRandom(outCount, seed: seed + 1, scale: 1)
        let ax = apply(x, outputCount: outCount) {
            Pooling.averageForward($0, $1, planes: c.planes, inputHeight: c.h, inputWidth: c.w, rows: rows, columns: columns, divisorOverride: divisor)
        }
        let atg = apply(g, outputCount: x.count) {
            Pooling.averageBackward($0, $1, planes: c.planes, inputHeight: c.h, inputWidth: c.w, rows: rows, columns: columns, divisorOverride: divisor)
        }
        var naive = [Double](repeating: 0, count: x.count)
        var o = 0
        for p in 0..<c.planes {
            for i in 0..<rows.count {
                for j in 0..<columns.count {
                    let share = g[o] / Double(divisor ?? rows.divisor[i] * columns.divisor[j])
                    o += 1
                    for h in rows.start[i]..<max(rows.start[i], rows.end[i]) {
                        for w in columns.start[j]..<max(columns.start[j], columns.end[j]) { naive[p * c.h * c.w + h * c.w + w] += share }
                    }
                }
            }
        }
        #expect(identical(atg, naive), "\(c)")
        let lhs = zip(ax, g).reduce(0) { $0 + $1.0 * $1.1 }, rhs = zip(x, atg).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(lhs - rhs) <= 1e-12 * max(1, abs(lhs)), "\(c)")
    }

    @Test("average-pooling adjoint: naive scatter and ⟨Ax, g⟩ = ⟨x, Aᵀg⟩ (random configs, the 2×2 path, adaptive bins)")
    func averageAdjoint() {
        for (n, c) in randomPoolCases(count: 40, seed: 4, dilation: false).enumerated() {
            checkAdjoint(
                c, rows: PoolingWindows(averaging: c.height, countIncludePad: n % 2 == 0),
                columns: PoolingWindows(averaging: c.width, countIncludePad: n % 2 == 0), divisor: n % 3 == 0 ? 5 : nil,
                seed: UInt64(200 + n))
        }
        for (h, w) in [(4, 6), (5, 7), (26, 26), (3, 2)] {
            let c = PoolCase(planes: 2, h: h, w: w, kernel: (2, 2), stride: (2, 2), padding: (0, 0), dilation: (1, 1), ceilMode: false)
            checkAdjoint(c, rows: PoolingWindows(averaging: c.height, countIncludePad: true), columns: PoolingWindows(averaging: c.width, countIncludePad: true), divisor: nil, seed: 300)
        }
        for (h, w, oh, ow) in [(7, 5, 3, 4), (5, 5, 5, 5), (6, 9, 1, 1), (3, 4, 7, 2)] {
            let c = PoolCase(planes: 2, h: h, w: w, kernel: (1, 1), stride: (1, 1), padding: (0, 0), dilation: (1, 1), ceilMode: false)
            checkAdjoint(c, rows: PoolingWindows(adaptiveInput: h, output: oh), columns: PoolingWindows(adaptiveInput: w, output: ow), divisor: nil, seed: 400)
        }
    }

    @Test("a dilated window entirely in the padding is detected")
    func windowInPadding() {
        #expect(!PoolingAxis(input: 2, kernel: 2, stride: 1, padding: 1, dilation: 3).everyWindowOverlapsInput)
        #expect(PoolingAxis(input: 3, kernel: 2, stride: 1, padding: 1, dilation: 3).everyWindowOverlapsInput)
        #expect(PoolingAxis(input: 5, kernel: 3, stride: 2, padding: 1, dilation: 1, ceilMode: true).everyWindowOverlapsInput)
    }

    @Test("adaptive bins are PyTorch's floor/ceil bins")
    func adaptiveBins() {
        let bins = PoolingWindows(adaptiveInput: 7, output: 3)
        #expect(bins.start == [0, 2, 4] && bins.end == [3, 5, 7] && bins.divisor == [3, 3, 3])
        let up = PoolingWindows(adaptiveInput: 3, output: 5)
        #expect(up.start == [0, 0, 1, 1, 2] && up.end == [1, 2, 2, 3, 3])
        for (n, m) in [(10, 4), (13, 5), (5, 5), (1, 3)] {
            let b = PoolingWindows(adaptiveInput: n, output: m)
            for i in 0..<m {
                #expect(b.start[i] == Int((Double(i * n) / Double(m)).rounded(.down)))
                #expect(b.end[i] == Int((Double((i + 1) * n) / Double(m)).rounded(.up)))
            }
        }
    }

    @Test("gather and scatter-add by plane indices (per-plane and shared maps, repeated positions)")
    func gatherScatter() {
        let planes = 3, inCount = 10, outCount = 7
        let x = pseudoRandom(planes * inCount, seed: 5, scale: 1)
        let g = pseudoRandom(planes * outCount, seed: 6, scale: 1)
        for shared in [false, true] {
            let indices = (0..<(shared ? outCount : planes * outCount)).map { Int32(($0 * 7 + 3) % inCount / (shared ? 2 : 1)) }
            let index = { (p: Int, o: Int) in Int(indices[shared ? o : p * outCount + o]) }
            let gathered = apply(x, outputCount: planes * outCount) { xp, yp in
                indices.withUnsafeBufferPointer {
                    Pooling.gather(xp, yp, $0.baseAddress!, planes: planes, inputCount: inCount, outputCount: outCount, sharedIndices: shared)
                }
            }
            let scattered = apply(g, outputCount: planes * inCount) { gp, yp in
                indices.withUnsafeBufferPointer {
                    Pooling.scatterAdd(gp, yp, $0.baseAddress!, planes: planes, inputCount: inCount, outputCount: outCount, sharedIndices: shared)
                }
            }
            var naive = [Double](repeating: 0, count: planes * inCount)
            for p in 0..<planes {
                for o in 0..<outCount {
                    #expect(gathered[p * outCount + o] == x[p * inCount + index(p, o)])
                    naive[p * inCount + index(p, o)] += g[p * outCount + o]
                }
            }
            #expect(identical(scattered, naive), "shared \(shared)")
        }
    }

    @Test("nearest source indices match PyTorch (scale factor and recomputed scale)")
    func nearestIndices() {
        #expect(Pooling.nearestSourceIndices(input: 5, output: 7, scaleFactor: nil) == [0, 0, 1, 2, 2, 3, 4])
        #expect(Pooling.nearestSourceIndices(input: 7, output: 3, scaleFactor: nil) == [0, 2, 4])
        #expect(Pooling.nearestSourceIndices(input: 4, output: 10, scaleFactor: 2.5) == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
        #expect(Pooling.nearestSourceIndices(input: 10, output: 3, scaleFactor: 0.35) == [0, 2, 5])
        #expect(Pooling.nearestSourceIndices(input: 10, output: 3, scaleFactor: nil) == [0, 3, 6])
        #expect(Pooling.nearestSourceIndices(input: 6, output: 9, scaleFactor: 1.55) == [0, 0, 1, 1, 2, 3, 3, 4, 5])
        #expect(Pooling.nearestSourceIndices(input: 6, output: 9, scaleFactor: nil) == [0, 0, 1, 2, 2, 3, 4, 4, 5])
        #expect(Pooling.nearestSourceIndices(input: 3, output: 6, scaleFactor: 2) == [0, 0, 1, 1, 2, 2])
    }
}

/// Naive per-channel normalisation of `[outer, channels, inner]` in Double: output, mean,
/// biased variance, and the backward for `g`.
func referenceNormalization(
    _ x: [Double], _ g: [Double], weight: [Double]?, bias: [Double]?, outer: Int, channels: Int, inner: Int, eps: Double
) -> (y: [Double], mean: [Double], variance: [Double], dx: [Double], dw: [Double], db: [Double]) {
    var y = x, dx = x, mean: [Double] = [], variance: [Double] = [], dw: [Double] = [], db: [Double] = []
    let m = Double(outer * inner)
    for c in 0..<channels {
        let positions = (0..<outer).flatMap { o in (0..<inner).map { (o * channels + c) * inner + $0 } }
        let mu = positions.reduce(0) { $0 + x[$1] } / m
        let v = positions.reduce(0) { $0 + (x[$1] - mu) * (x[$1] - mu) } / m
        let invStd = 1 / (v + eps).squareRoot()
        let w = weight?[c] ?? 1, b = bias?[c] ?? 0
        let sumG = positions.reduce(0) { $0 + g[$1] }
        let sumGXhat = positions.reduce(0) { $0 + g[$1] * (x[$1] - mu) * invStd }
        for i in positions {
            let xhat = (x[i] - mu) * invStd
            y[i] = xhat * w + b
            dx[i] = w * invStd * (g[i] - sumG / m - xhat * sumGXhat / m)
        }
        mean.append(mu); variance.append(v); dw.append(sumGXhat); db.append(sumG)
    }
    return (y, mean, variance, dx, dw, db)
}

/// Runs the normalisation kernels; returns (y, mean, variance, dx, dw, db).
func runNormalization<T: KernelScalar>(
    _ x: [T], _ g: [T], weight: [T]?, bias: [T]?, outer: Int, channels: Int, inner: Int, eps: T
) -> ([T], [T], [T], [T], [T], [T]) {
    var y = [T](repeating: .nan, count: x.count), dx = y
    var mean = [T](repeating: .nan, count: channels), variance = mean, dw = mean, db = mean
    x.withUnsafeBufferPointer { xp in
        g.withUnsafeBufferPointer { gp in
            (weight ?? []).withUnsafeBufferPointer { wp in
                (bias ?? []).withUnsafeBufferPointer { bp in
                    let w = weight == nil ? nil : wp.baseAddress, b = bias == nil ? nil : bp.baseAddress
                    Normalization.forward(
                        xp.baseAddress!, &y, mean: &mean, variance: &variance, weight: w, bias: b, outer: outer,
                        channels: channels, inner: inner, epsilon: eps)
                    Normalization.backward(
                        gp.baseAddress!, xp.baseAddress!, mean: mean, variance: variance, weight: w, gradInput: &dx,
                        gradWeight: &dw, gradBias: &db, outer: outer, channels: channels, inner: inner, epsilon: eps)
                }
            }
        }
    }
    return (y, mean, variance, dx, dw, db)
}

@Suite struct NormalizationKernels {
    @Test("per-channel normalisation forward and backward equal the naive formulas (Float and Double)",
          arguments: [(4, 3, 25), (2, 5, 1), (7, 2, 9), (1, 6, 33), (3, 1, 8), (64, 4, 17)])
    func againstReference(shape: (Int, Int, Int)) {
        let (outer, channels, inner) = shape
        let n = outer * channels * inner
        let x = pseudoRandom(n, seed: UInt64(n), scale: 2).map { $0 + 0.7 }
        let g = pseudoRandom(n, seed: UInt64(n) + 1, scale: 1)
        let weight = pseudoRandom(channels, seed: 9, scale: 1), bias = pseudoRandom(channels, seed: 10, scale: 1)
        for affine in [true, false] {
            let ref = referenceNormalization(
                x, g, weight: affine ? weight : nil, bias: affine ? bias : nil, outer: outer, channels: channels, inner: inner, eps: 1e-5)
            let d = runNormalization(
                x, g, weight: affine ? weight : nil, bias: affine ? bias : nil, outer: outer, channels: channels, inner: inner, eps: 1e-5)
            let f = runNormalization(
                x.map { Float($0) }, g.map { Float($0) }, weight: affine ? weight.map { Float($0) } : nil,
                bias: affine ? bias.map { Float($0) } : nil, outer: outer, channels: channels, inner: inner, eps: 1e-5)
            for (name, got, gotF, want) in [
                ("y", d.0, f.0.map(Double.init), ref.y), ("mean", d.1, f.1.map(Double.init), ref.mean),
                ("variance", d.2, f.2.map(Double.init), ref.variance), ("dx", d.3, f.3.map(Double.init), ref.dx),
                ("dw", d.4, f.4.map(Double.init), ref.dw), ("db", d.5, f.5.map(Double.init), ref.db),
            ] {
                #expect(closeArrays(got, want, tolerance: 1e-12), "Double \(name) \(shape) affine \(affine)")
                #expect(closeArrays(gotF, want, tolerance: 2e-5), "Float \(name) \(shape) affine \(affine)")
            }
        }
    }
}

@Suite(.serialized) struct PoolingDeterminism {
    @Test("pooling and normalisation kernels give identical bits for 1, 2, 3 and 4 threads")
    func threadCounts() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        #if DEBUG
        let (planes, side) = (24, 14)
        #else
        let (planes, side) = (96, 26)
        #endif
        let x: [Float] = pseudoRandom(planes * side * side, seed: 11, scale: 1).map { Float($0) }
        let general = PoolCase(planes: planes, h: side, w: side, kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (1, 1), ceilMode: true)
        let plain = PoolCase(planes: planes, h: side, w: side, kernel: (2, 2), stride: (2, 2), padding: (0, 0), dilation: (1, 1), ceilMode: false)
        func run() -> [[Float]] {
            var results: [[Float]] = []
            for c in [general, plain] {
                let (y, idx) = runMaxPool(x, c)
                let gathered = apply(x, outputCount: y.count) { xp, yp in
                    idx.withUnsafeBufferPointer {
                        Pooling.gather(xp, yp, $0.baseAddress!, planes: planes, inputCount: side * side, outputCount: y.count / planes, sharedIndices: false)
                    }
                }
                let scattered = apply(y, outputCount: x.count) { yp, xp in
                    idx.withUnsafeBufferPointer {
                        Pooling.scatterAdd(yp, xp, $0.baseAddress!, planes: planes, inputCount: side * side, outputCount: y.count / planes, sharedIndices: false)
                    }
                }
                let rows = PoolingWindows(averaging: c.height, countIncludePad: false)
                let columns = PoolingWindows(averaging: c.width, countIncludePad: false)
                let average = apply(x, outputCount: planes * rows.count * columns.count) {
                    Pooling.averageForward($0, $1, planes: planes, inputHeight: side, inputWidth: side, rows: rows, columns: columns)
                }
                let adjoint = apply(average, outputCount: x.count) {
                    Pooling.averageBackward($0, $1, planes: planes, inputHeight: side, inputWidth: side, rows: rows, columns: columns)
                }
                results += [y, idx.map { Float($0) }, gathered, scattered, average, adjoint]
            }
            let n = runNormalization(x, x.reversed(), weight: nil, bias: nil, outer: planes / 4, channels: 4, inner: side * side, eps: 1e-5)
            return results + [n.0, n.1, n.2, n.3, n.4, n.5]
        }
        Threading.threadCount = 1
        let reference = run()
        for threads in 2...4 {
            Threading.threadCount = threads
            let results = run()
            for (a, b) in zip(results, reference) { #expect(identical(a, b), "\(threads) threads") }
        }
    }
}
