import GlassboxKernels
import Testing

/// A seeded stream of uniform values in [-1, 1) and small integers.
struct ConvolutionRandom {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
    mutating func values<T: KernelScalar>(_ count: Int, _: T.Type) -> [T] {
        (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return T(Double(state >> 11) * 0x1.0p-53 * 2 - 1)
        }
    }
}

/// The three passes computed by direct loops in Double, each with the sum of the absolute
/// values of its terms (the scale of its rounding error).
struct NaiveConvolution {
    let g: ConvolutionGeometry

    /// Calls `body(n, o, c, oh, ow, ki, kj, ih, iw)` for every term whose input position lies
    /// inside the image (`c` is the input channel, `ci` its index in the group).
    func forEachTerm(_ body: (_ n: Int, _ o: Int, _ c: Int, _ ci: Int, _ oh: Int, _ ow: Int, _ ki: Int, _ kj: Int, _ ih: Int, _ iw: Int) -> Void) {
        let cg = g.inputChannelsPerGroup, og = g.outputChannelsPerGroup
        for n in 0..<g.batch {
            for o in 0..<g.outputChannels {
                for ci in 0..<cg {
                    let c = (o / og) * cg + ci
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            for ki in 0..<g.kernelHeight {
                                let ih = oh * g.strideHeight - g.paddingTop + ki * g.dilationHeight
                                if ih < 0 || ih >= g.inputHeight { continue }
                                for kj in 0..<g.kernelWidth {
                                    let iw = ow * g.strideWidth - g.paddingLeft + kj * g.dilationWidth
                                    if iw < 0 || iw >= g.inputWidth { continue }
                                    body(n, o, c, ci, oh, ow, ki, kj, ih, iw)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func xIndex(_ n: Int, _ c: Int, _ ih: Int, _ iw: Int) -> Int { ((n * g.inputChannels + c) * g.inputHeight + ih) * g.inputWidth + iw }
    func yIndex(_ n: Int, _ o: Int, _ oh: Int, _ ow: Int) -> Int { ((n * g.outputChannels + o) * g.outputHeight + oh) * g.outputWidth + ow }
    func wIndex(_ o: Int, _ ci: Int, _ ki: Int, _ kj: Int) -> Int { ((o * g.inputChannelsPerGroup + ci) * g.kernelHeight + ki) * g.kernelWidth + kj }

    func forward(_ x: [Double], _ w: [Double], _ b: [Double]?) -> (value: [Double], scale: [Double]) {
        let plane = g.outputHeight * g.outputWidth
        var y = (0..<g.outputCount).map { b?[($0 / plane) % g.outputChannels] ?? 0 }
        var s = y.map { Swift.abs($0) }
        forEachTerm { n, o, c, ci, oh, ow, ki, kj, ih, iw in
            let t = w[wIndex(o, ci, ki, kj)] * x[xIndex(n, c, ih, iw)]
            y[yIndex(n, o, oh, ow)] += t
            s[yIndex(n, o, oh, ow)] += Swift.abs(t)
        }
        return (y, s)
    }

    func backwardData(_ dy: [Double], _ w: [Double], _ b: [Double]?) -> (value: [Double], scale: [Double]) {
        let plane = g.inputHeight * g.inputWidth
        var dx = (0..<g.inputCount).map { b?[($0 / plane) % g.inputChannels] ?? 0 }
        var s = dx.map { Swift.abs($0) }
        forEachTerm { n, o, c, ci, oh, ow, ki, kj, ih, iw in
            let t = w[wIndex(o, ci, ki, kj)] * dy[yIndex(n, o, oh, ow)]
            dx[xIndex(n, c, ih, iw)] += t
            s[xIndex(n, c, ih, iw)] += Swift.abs(t)
        }
        return (dx, s)
    }

    func backwardWeight(_ x: [Double], _ dy: [Double]) -> (value: [Double], scale: [Double]) {
        var dw = [Double](repeating: 0, count: g.weightCount)
        var s = dw
        forEachTerm { n, o, c, ci, oh, ow, ki, kj, ih, iw in
            let t = dy[yIndex(n, o, oh, ow)] * x[xIndex(n, c, ih, iw)]
            dw[wIndex(o, ci, ki, kj)] += t
            s[wIndex(o, ci, ki, kj)] += Swift.abs(t)
        }
        return (dw, s)
    }
}

/// The three kernels' results for one geometry and seeded data.
struct ConvolutionResults<T: KernelScalar> {
    var x: [T], w: [T], b: [T], dy: [T], bt: [T]
    var y: [T], dx: [T], dw: [T]

    init(_ g: ConvolutionGeometry, seed: UInt64, bias: Bool) {
        var r = ConvolutionRandom(state: seed)
        x = r.values(g.inputCount, T.self)
        w = r.values(g.weightCount, T.self)
        b = bias ? r.values(g.outputChannels, T.self) : []
        dy = r.values(g.outputCount, T.self)
        bt = bias ? r.values(g.inputChannels, T.self) : []
        y = [T](repeating: .nan, count: g.outputCount)
        dx = [T](repeating: .nan, count: g.inputCount)
        dw = [T](repeating: .nan, count: g.weightCount)
        let (bp, btp) = (b, bt)
        y.withUnsafeMutableBufferPointer { out in
            bp.withUnsafeBufferPointer { bias in
                Convolution.forward(g, input: x, weight: w, bias: bias.isEmpty ? nil : bias.baseAddress, output: out.baseAddress!)
            }
        }
        dx.withUnsafeMutableBufferPointer { out in
            btp.withUnsafeBufferPointer { bias in
                Convolution.backwardData(g, gradOutput: dy, weight: w, bias: bias.isEmpty ? nil : bias.baseAddress, gradInput: out.baseAddress!)
            }
        }
        dw.withUnsafeMutableBufferPointer { out in
            Convolution.backwardWeight(g, input: x, gradOutput: dy, gradWeight: out.baseAddress!)
        }
    }

    var bits: [[UInt8]] { [y, dx, dw].map { $0.withUnsafeBytes { Array($0) } } }
}

/// The largest error of `actual` relative to the scale of each element's terms.
func convolutionError<T: KernelScalar>(_ actual: [T], _ expected: (value: [Double], scale: [Double])) -> Double {
    #expect(actual.count == expected.value.count)
    var worst = 0.0
    for i in actual.indices {
        let d = Swift.abs(Double(actual[i]) - expected.value[i]) / (expected.scale[i] + 1e-30)
        worst = Swift.max(worst, d.isNaN ? .infinity : d)
    }
    return worst
}

@Suite("Convolution kernels", .serialized)
struct ConvolutionTests {
    /// Random geometries: batch, channels, groups, sizes, kernels, strides, padding (top/left and
    /// a possibly different bottom/right), dilation.
    static func randomGeometries(count: Int, seed: UInt64, wide: Bool = false) -> [ConvolutionGeometry] {
        var r = ConvolutionRandom(state: seed)
        var result: [ConvolutionGeometry] = []
        while result.count < count {
            let groups = 1 + r.next(3)
            let kh = 1 + r.next(4), kw = 1 + r.next(4)
            let sh = 1 + r.next(3), sw = wide ? 1 : 1 + r.next(3)
            let dh = 1 + r.next(2), dw = 1 + r.next(2)
            let h = 1 + r.next(9), w = wide ? 16 + r.next(30) : 1 + r.next(9)
            let pt = r.next(3), pl = r.next(3)
            let pb = r.next(3), pr = r.next(3)
            let oh = ConvolutionGeometry.outputLength(input: h, kernel: kh, stride: sh, padding: pt + pb, dilation: dh)
            let ow = ConvolutionGeometry.outputLength(input: w, kernel: kw, stride: sw, padding: pl + pr, dilation: dw)
            if oh == 0 || ow == 0 { continue }
            result.append(
                ConvolutionGeometry(
                    batch: 1 + r.next(3), inputChannels: groups * (1 + r.next(3)), outputChannels: groups * (1 + r.next(3)),
                    groups: groups, inputHeight: h, inputWidth: w, outputHeight: oh, outputWidth: ow,
                    kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, paddingTop: pt, paddingLeft: pl,
                    dilationHeight: dh, dilationWidth: dw))
        }
        return result
    }

    /// Geometries large enough to need several GEMM depth blocks (K > 256) and several
    /// backward-data column blocks (K·P > 2¹⁶), and the seed CNN's two layers.
    static let largeGeometries: [ConvolutionGeometry] = {
        #if DEBUG
        let (channels, batch) = (29, 1)
        #else
        let (channels, batch) = (40, 2)
        #endif
        return [
            ConvolutionGeometry(
                batch: batch, inputChannels: channels, outputChannels: 7, inputHeight: 17, inputWidth: 19, outputHeight: 17,
                outputWidth: 19, kernelHeight: 3, kernelWidth: 3, paddingTop: 1, paddingLeft: 1),
            ConvolutionGeometry(
                batch: 3, inputChannels: 1, outputChannels: 32, inputHeight: 28, inputWidth: 28, outputHeight: 26,
                outputWidth: 26, kernelHeight: 3, kernelWidth: 3),
            ConvolutionGeometry(
                batch: batch, inputChannels: 32, outputChannels: 64, inputHeight: 13, inputWidth: 13, outputHeight: 11,
                outputWidth: 11, kernelHeight: 3, kernelWidth: 3),
            ConvolutionGeometry(
                batch: 2, inputChannels: 6, outputChannels: 4, groups: 2, inputHeight: 16, inputWidth: 15, outputHeight: 8,
                outputWidth: 7, kernelHeight: 4, kernelWidth: 4, strideHeight: 2, strideWidth: 2, paddingTop: 1, paddingLeft: 1),
            // Strided, kernel a multiple of the stride, ≥ 8 input channels per group: the
            // polyphase backward data (the GAN's 4 × 4 stride-2 layers; odd sizes, so phases
            // of different sizes; stride 3; a unit vertical stride; groups).
            ConvolutionGeometry(
                batch: 2, inputChannels: 16, outputChannels: 24, inputHeight: 14, inputWidth: 14, outputHeight: 7,
                outputWidth: 7, kernelHeight: 4, kernelWidth: 4, strideHeight: 2, strideWidth: 2, paddingTop: 1, paddingLeft: 1),
            ConvolutionGeometry(
                batch: 1, inputChannels: 16, outputChannels: 6, groups: 2, inputHeight: 11, inputWidth: 10, outputHeight: 6,
                outputWidth: 5, kernelHeight: 4, kernelWidth: 2, strideHeight: 2, strideWidth: 2, paddingTop: 2, paddingLeft: 0),
            ConvolutionGeometry(
                batch: 2, inputChannels: 8, outputChannels: 5, inputHeight: 10, inputWidth: 9, outputHeight: 3,
                outputWidth: 3, kernelHeight: 3, kernelWidth: 6, strideHeight: 3, strideWidth: 3, paddingTop: 0, paddingLeft: 2),
            ConvolutionGeometry(
                batch: 1, inputChannels: 9, outputChannels: 4, inputHeight: 7, inputWidth: 12, outputHeight: 7,
                outputWidth: 6, kernelHeight: 3, kernelWidth: 4, strideHeight: 1, strideWidth: 2, paddingTop: 1, paddingLeft: 1),
            // Taps that are not consecutive in the image (1 × 1, dilated columns) over long rows.
            ConvolutionGeometry(
                batch: batch, inputChannels: 40, outputChannels: 8, inputHeight: 9, inputWidth: 17, outputHeight: 9,
                outputWidth: 17, kernelHeight: 1, kernelWidth: 1),
            ConvolutionGeometry(
                batch: 1, inputChannels: 6, outputChannels: 5, inputHeight: 12, inputWidth: 20, outputHeight: 12,
                outputWidth: 20, kernelHeight: 3, kernelWidth: 3, paddingTop: 1, paddingLeft: 2, dilationHeight: 1,
                dilationWidth: 2),
        ]
    }()

    /// An image whose forward output is split into several pixel blocks (release builds only:
    /// direct loops over it are slow unoptimised).
    static let blockedGeometries: [ConvolutionGeometry] = {
        #if DEBUG
        return []
        #else
        return [
            ConvolutionGeometry(
                batch: 1, inputChannels: 4, outputChannels: 64, inputHeight: 36, inputWidth: 36, outputHeight: 34,
                outputWidth: 34, kernelHeight: 3, kernelWidth: 3)
        ]
        #endif
    }()

    /// Random small geometries, random wide ones with unit horizontal stride (the direct
    /// kernels for few taps), and the large ones.
    static let geometries =
        randomGeometries(count: 48, seed: 3) + randomGeometries(count: 16, seed: 4, wide: true) + largeGeometries
        + blockedGeometries

    func check<T: KernelScalar>(_: T.Type, tolerance: Double) {
        for (i, g) in Self.geometries.enumerated() {
            let bias = i % 3 != 2
            let r = ConvolutionResults<T>(g, seed: UInt64(i + 1), bias: bias)
            let naive = NaiveConvolution(g: g)
            let d = { (a: [T]) in a.map(Double.init) }
            let yError = convolutionError(r.y, naive.forward(d(r.x), d(r.w), bias ? d(r.b) : nil))
            let dxError = convolutionError(r.dx, naive.backwardData(d(r.dy), d(r.w), bias ? d(r.bt) : nil))
            let dwError = convolutionError(r.dw, naive.backwardWeight(d(r.x), d(r.dy)))
            #expect(yError <= tolerance, "\(T.self) forward \(g): error \(yError)")
            #expect(dxError <= tolerance, "\(T.self) backwardData \(g): error \(dxError)")
            #expect(dwError <= tolerance, "\(T.self) backwardWeight \(g): error \(dwError)")
        }
    }

    @Test("forward, backward-data and backward-weight match direct loops in Double (Float)")
    func matchesNaiveFloat() {
        check(Float.self, tolerance: 1e-6)
    }

    @Test("forward, backward-data and backward-weight match direct loops in Double (Double)")
    func matchesNaiveDouble() {
        check(Double.self, tolerance: 1e-14)
    }

    @Test("results are bitwise identical for 1–4 threads")
    func threadCountInvariance() {
        #if DEBUG
        let (batch, channels, size) = (5, 8, 10)
        #else
        let (batch, channels, size) = (8, 16, 20)
        #endif
        let geometries = [
            ConvolutionGeometry(
                batch: batch, inputChannels: channels, outputChannels: 2 * channels, inputHeight: size, inputWidth: size,
                outputHeight: size, outputWidth: size, kernelHeight: 3, kernelWidth: 3, paddingTop: 1, paddingLeft: 1),
            ConvolutionGeometry(
                batch: batch, inputChannels: channels, outputChannels: channels, groups: 4, inputHeight: size,
                inputWidth: size + 1, outputHeight: size / 2, outputWidth: size / 2 + 1, kernelHeight: 4, kernelWidth: 3,
                strideHeight: 2, strideWidth: 2, paddingTop: 1, paddingLeft: 1, dilationHeight: 1, dilationWidth: 2),
            // Unit strides, 16 channels: the padded-grid kernels (forward, weight gradient and,
            // through the flipped convolution, backward data), images split over threads.
            ConvolutionGeometry(
                batch: batch, inputChannels: 16, outputChannels: 16, inputHeight: size + 3, inputWidth: size + 3,
                outputHeight: size + 3, outputWidth: size + 3, kernelHeight: 3, kernelWidth: 3, paddingTop: 1, paddingLeft: 1),
            // The GAN's 4 × 4 stride-2 layer (polyphase backward data), images split over
            // threads, and one image (the phase GEMMs split).
            ConvolutionGeometry(
                batch: batch, inputChannels: channels, outputChannels: 2 * channels, inputHeight: 14, inputWidth: 14,
                outputHeight: 7, outputWidth: 7, kernelHeight: 4, kernelWidth: 4, strideHeight: 2, strideWidth: 2,
                paddingTop: 1, paddingLeft: 1),
            ConvolutionGeometry(
                batch: 1, inputChannels: 64, outputChannels: 128, inputHeight: 14, inputWidth: 14,
                outputHeight: 7, outputWidth: 7, kernelHeight: 4, kernelWidth: 4, strideHeight: 2, strideWidth: 2,
                paddingTop: 1, paddingLeft: 1),
            // Fewer images than threads: the GEMMs split instead.
            ConvolutionGeometry(
                batch: 1, inputChannels: channels, outputChannels: 3 * channels, inputHeight: 2 * size, inputWidth: 2 * size,
                outputHeight: 2 * size - 2, outputWidth: 2 * size - 2, kernelHeight: 3, kernelWidth: 3),
        ]
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for g in geometries {
            Threading.threadCount = 1
            let f1 = ConvolutionResults<Float>(g, seed: 9, bias: true).bits
            let d1 = ConvolutionResults<Double>(g, seed: 9, bias: true).bits
            for threads in 2...4 {
                Threading.threadCount = threads
                #expect(ConvolutionResults<Float>(g, seed: 9, bias: true).bits == f1, "Float \(g), \(threads) threads")
                #expect(ConvolutionResults<Double>(g, seed: 9, bias: true).bits == d1, "Double \(g), \(threads) threads")
            }
        }
    }

    @Test("output length follows PyTorch's formula")
    func outputLength() {
        #expect(ConvolutionGeometry.outputLength(input: 28, kernel: 3, stride: 1, padding: 0, dilation: 1) == 26)
        #expect(ConvolutionGeometry.outputLength(input: 7, kernel: 3, stride: 2, padding: 2, dilation: 1) == 4)
        #expect(ConvolutionGeometry.outputLength(input: 10, kernel: 3, stride: 3, padding: 0, dilation: 2) == 2)
        #expect(ConvolutionGeometry.outputLength(input: 2, kernel: 3, stride: 1, padding: 0, dilation: 1) == 0)
    }
}
