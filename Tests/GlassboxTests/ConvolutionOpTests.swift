import Glassbox
import Testing

@Suite("Convolution ops and layers")
struct ConvolutionOpTests {
    /// Direct loops for `conv2d` on `[N, C, H, W]` with symmetric `padding`.
    static func naiveConv2d(
        _ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>?, stride: Int, padding: Int, dilation: Int, groups: Int
    ) -> [Double] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
        let ow = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
        var out: [Double] = []
        for i in 0..<n {
            for oc in 0..<o {
                for y in 0..<oh {
                    for z in 0..<ow {
                        var s = b?[element: [oc]] ?? 0
                        for ci in 0..<cg {
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let r = y * stride - padding + ki * dilation, q = z * stride - padding + kj * dilation
                                    if r < 0 || r >= h || q < 0 || q >= wd { continue }
                                    s += w[element: [oc, ci, ki, kj]] * x[element: [i, (oc / (o / groups)) * cg + ci, r, q]]
                                }
                            }
                        }
                        out.append(s)
                    }
                }
            }
        }
        _ = c
        return out
    }

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    @Test("conv2d matches direct loops: stride, padding, dilation, groups, bias")
    func matchesNaive() {
        var g = RandomGenerator(seed: 1)
        for (stride, padding, dilation, groups) in [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (2, 1, 1, 2), (3, 2, 2, 3)] {
            let x = Tensor<Double>.randn([2, 3 * groups, 7, 8], generator: &g)
            let w = Tensor<Double>.randn([2 * groups, 3, 3, 2], generator: &g)
            let b = Tensor<Double>.randn([2 * groups], generator: &g)
            let y = conv2d(x, weight: w, bias: b, stride: Size2D(stride), padding: ConvPadding(integerLiteral: padding), dilation: Size2D(dilation), groups: groups)
            let expected = Self.naiveConv2d(x, w, b, stride: stride, padding: padding, dilation: dilation, groups: groups)
            #expect(Self.close(y.scalars, expected), "stride \(stride) padding \(padding) dilation \(dilation) groups \(groups)")
        }
    }

    @Test("output shapes: explicit, 'same' (odd and even kernels), 'valid', unbatched, transposed")
    func shapes() {
        let x = Tensor<Float>.zeros([2, 3, 9, 8])
        #expect(conv2d(x, weight: .zeros([4, 3, 3, 3])).shape == [2, 4, 7, 6])
        #expect(conv2d(x, weight: .zeros([4, 3, 3, 2]), stride: [2, 3], padding: [1, 2]).shape == [2, 4, 5, 4])
        #expect(conv2d(x, weight: .zeros([4, 3, 3, 3]), padding: .same, dilation: 2).shape == [2, 4, 9, 8])
        #expect(conv2d(x, weight: .zeros([4, 3, 2, 4]), padding: .same).shape == [2, 4, 9, 8])
        #expect(conv2d(x, weight: .zeros([4, 3, 3, 3]), padding: .valid).shape == [2, 4, 7, 6])
        #expect(conv2d(Tensor<Float>.zeros([3, 9, 8]), weight: .zeros([6, 1, 1, 1]), groups: 3).shape == [6, 9, 8])
        let t = Tensor<Float>.zeros([2, 4, 5, 6])
        #expect(convTranspose2d(t, weight: .zeros([4, 3, 4, 4]), stride: 2, padding: 1).shape == [2, 3, 10, 12])
        #expect(convTranspose2d(t, weight: .zeros([4, 1, 3, 3]), stride: 2, padding: 1, outputPadding: 1, groups: 2).shape == [2, 2, 10, 12])
        #expect(convTranspose2d(Tensor<Float>.zeros([4, 5, 6]), weight: .zeros([4, 2, 3, 2]), dilation: [1, 3]).shape == [2, 7, 9])
    }

    @Test("'same' with an even kernel pads one more at the bottom and right, as PyTorch does")
    func sameEvenKernel() {
        // A 2×2 kernel of ones on a 3×3 input: output (i, j) sums rows i, i+1 and columns j, j+1.
        let x = Tensor<Double>((1...9).map(Double.init), shape: [1, 1, 3, 3])
        let y = conv2d(x, weight: .ones([1, 1, 2, 2]), padding: .same)
        #expect(y.scalars == [12, 16, 9, 24, 28, 15, 15, 17, 9])
    }

    @Test("convTranspose2d is the adjoint of conv2d: ⟨conv2d(x, w), y⟩ = ⟨x, convTranspose2d(y, w)⟩")
    func adjoint() {
        var g = RandomGenerator(seed: 2)
        let x = Tensor<Double>.randn([2, 4, 9, 8], generator: &g)
        let w = Tensor<Double>.randn([6, 2, 3, 2], generator: &g)
        let y = Tensor<Double>.randn([2, 6, 5, 3], generator: &g)
        let forward = (conv2d(x, weight: w, stride: 2, padding: [1, 0], dilation: [1, 2], groups: 2) * y).sum().item
        let back = convTranspose2d(y, weight: w, stride: 2, padding: [1, 0], outputPadding: [0, 1], groups: 2, dilation: [1, 2])
        #expect(back.shape == x.shape)
        #expect(Swift.abs(forward - (x * back).sum().item) <= 1e-10 * Swift.abs(forward))
    }

    @Test("gradients: input gradient only when required; weight and bias gradients as defined")
    func gradients() {
        var g = RandomGenerator(seed: 3)
        let x = Tensor<Double>.randn([2, 3, 6, 6], generator: &g)
        let layer = Conv2d<Double>(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, generator: &g)
        let upstream = Tensor<Double>.randn([2, 4, 6, 6], generator: &g)
        (layer(x) * upstream).sum().backward()
        #expect(x.grad == nil)
        let expectedWeight = conv2dWeightGradient(x, weightShape: [4, 3, 3, 3], gradOutput: upstream, padding: 1)
        #expect(Self.close(layer.weight.grad!.scalars, expectedWeight.scalars))
        var biasGrad = [Double](repeating: 0, count: 4)
        for (i, v) in upstream.scalars.enumerated() { biasGrad[(i / 36) % 4] += v }
        #expect(Self.close(layer.bias!.grad!.scalars, biasGrad))
        x.requiresGrad = true
        (layer(x) * upstream).sum().backward()
        #expect(Self.close(x.grad!.scalars, convTranspose2d(upstream, weight: layer.weight, padding: 1).scalars))
    }

    @Test("layers: PyTorch parameter names, shapes and initial bounds (fan-in from weight dimension 1)")
    func layers() {
        var g = RandomGenerator(seed: 4)
        let conv = Conv2d<Float>(inChannels: 6, outChannels: 4, kernelSize: [3, 2], groups: 2, generator: &g)
        #expect(conv.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(conv.weight.shape == [4, 3, 3, 2] && conv.bias!.shape == [4])
        let bound = 1 / Float(3 * 3 * 2).squareRoot()
        #expect((conv.weight.scalars + conv.bias!.scalars).allSatisfy { Swift.abs($0) <= bound })
        #expect(conv.weight.scalars.contains { Swift.abs($0) > bound / 2 })
        let up = ConvTranspose2d<Float>(inChannels: 4, outChannels: 6, kernelSize: 4, groups: 2, bias: false, generator: &g)
        #expect(up.namedParameters().map(\.name) == ["weight"])
        #expect(up.weight.shape == [4, 3, 4, 4])
        let upBound = 1 / Float(3 * 4 * 4).squareRoot()
        #expect(up.weight.scalars.allSatisfy { Swift.abs($0) <= upBound })
        #expect(up.weight.scalars.contains { Swift.abs($0) > upBound / 2 })
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        #expect(
            Conv2d<Float>(inChannels: 1, outChannels: 2, kernelSize: 3, generator: &a).weight.scalars
                == Conv2d<Float>(inChannels: 1, outChannels: 2, kernelSize: 3, generator: &b).weight.scalars)
    }

    @Test("Float and Double agree on the seed CNN's layers")
    func floatMatchesDouble() {
        var g = RandomGenerator(seed: 5)
        let x = Tensor<Double>.randn([3, 1, 12, 12], generator: &g)
        let c1 = Conv2d<Double>(inChannels: 1, outChannels: 8, kernelSize: 3, generator: &g)
        let c2 = Conv2d<Double>(inChannels: 8, outChannels: 16, kernelSize: 3, generator: &g)
        let f1 = Conv2d<Float>(weight: c1.weight.converted(to: Float.self), bias: c1.bias!.converted(to: Float.self))
        let f2 = Conv2d<Float>(weight: c2.weight.converted(to: Float.self), bias: c2.bias!.converted(to: Float.self))
        let yd = c2(c1(x).relu()).scalars
        let yf = f2(f1(x.converted(to: Float.self)).relu()).scalars
        #expect(zip(yd, yf).allSatisfy { Swift.abs($0 - Double($1)) <= 1e-5 * Swift.max(1, Swift.abs($0)) })
    }

    @Test("gradient of ‖∇ₓ f‖² through two conv layers matches finite differences (WGAN-GP)")
    func gradientPenalty() {
        var g = RandomGenerator(seed: 6)
        let x = Tensor<Double>.randn([2, 2, 5, 5], generator: &g, requiresGrad: true)
        let params = [
            Tensor<Double>.randn([3, 2, 3, 3], generator: &g), Tensor<Double>.randn([3], generator: &g),
            Tensor<Double>.randn([2, 3, 2, 2], generator: &g), Tensor<Double>.randn([2], generator: &g),
        ].map { Tensor<Double>($0.scalars.map { $0 * 0.5 }, shape: $0.shape, requiresGrad: true) }
        func critic(_ p: [Tensor<Double>]) -> Tensor<Double> {
            let h = conv2d(x, weight: p[0], bias: p[1], padding: 1).tanh()
            return convTranspose2d(h, weight: p[2].transposed(0, 1), bias: p[3], stride: 2).sum()
                + conv2d(h, weight: p[2], bias: p[3], stride: 2).squared().sum()
        }
        func penalty(_ p: [Tensor<Double>], createGraph: Bool) -> Tensor<Double> {
            let gx = Tensor<Double>.gradients(of: critic(p), withRespectTo: [x], createGraph: createGraph)[0]
            return gx.squared().sum()
        }
        let analytic = Tensor<Double>.gradients(of: penalty(params, createGraph: true), withRespectTo: params)
        let eps = 1e-6
        for k in params.indices {
            for i in Swift.stride(from: 0, to: params[k].count, by: 5) {
                func at(_ d: Double) -> Double {
                    let shifted = params.enumerated().map { j, t -> Tensor<Double> in
                        var s = t.scalars
                        if j == k { s[i] += d }
                        return Tensor<Double>(s, shape: t.shape, requiresGrad: true)
                    }
                    return penalty(shifted, createGraph: false).item
                }
                let numeric = (at(eps) - at(-eps)) / (2 * eps)
                #expect(Swift.abs(analytic[k].scalars[i] - numeric) <= 1e-6 * Swift.max(1, Swift.abs(numeric)), "param \(k) element \(i)")
            }
        }
    }
}
