import Glassbox
import Testing

/// Nodes with several outputs: one `lstmLayer` node gives `output`, `h_n` and `c_n`.
@Suite("Autograd nodes with several outputs")
struct MultiOutputNodeTests {
    /// `x` `[4, 2, 3]`, `h0`, `c0` `[2, 3]`, weights `[12, 3]`, biases `[12]`, all requiring grad.
    static func inputs() -> [Tensor<Double>] {
        var g = RandomGenerator(seed: 7)
        return [[4, 2, 3], [2, 3], [2, 3], [12, 3], [12, 3], [12], [12]].map { shape in
            let t = Tensor<Double>.uniform(shape, low: -0.6, high: 0.6, generator: &g)
            t.requiresGrad = true
            return t
        }
    }

    static func lstm(_ p: [Tensor<Double>]) -> (output: Tensor<Double>, hN: Tensor<Double>, cN: Tensor<Double>) {
        lstmLayer(p[0], h0: p[1], c0: p[2], weightIH: p[3], weightHH: p[4], biasIH: p[5], biasHH: p[6])
    }

    @Test("output, h_n and c_n are the outputs of one lstmLayer node, not slices of a packed tensor")
    func oneNode() {
        let r = Self.lstm(Self.inputs())
        #expect(r.output.shape == [4, 2, 3] && r.hN.shape == [2, 3] && r.cN.shape == [2, 3])
        #expect([r.output, r.hN, r.cN].map(\.gradFunctionName) == ["lstmLayer", "lstmLayer", "lstmLayer"])
        // h_n is the last step's output.
        #expect(r.output[3].scalars == r.hN.scalars)
    }

    @Test("each output alone, and all together, differentiate correctly (gradcheck in Double)")
    func gradients() {
        let p = Self.inputs()
        for (name, pick) in [
            ("output", { (r: (output: Tensor<Double>, hN: Tensor<Double>, cN: Tensor<Double>)) in r.output }),
            ("h_n", { $0.hN }), ("c_n", { $0.cN }),
            ("h_n + c_n", { $0.hN * 2 + $0.cN }),
        ] {
            let result = gradcheck({ pick(Self.lstm($0)) }, inputs: p)
            #expect(result.passed, "\(name): \(result)")
        }
    }

    @Test("a third derivative through the fused recurrent node follows from its composite")
    func thirdDerivative() {
        // d³/dx³ of sum(h_n) for a one-step layer, against central differences of the second.
        let p = Self.inputs()
        let x = p[0].sliced(dim: 0, 0..<1).detached()
        x.requiresGrad = true
        func second(_ x: Tensor<Double>) -> Tensor<Double> {
            withGrad {
                let h = lstmLayer(x, h0: p[1], c0: p[2], weightIH: p[3], weightHH: p[4], biasIH: p[5], biasHH: p[6]).hN
                let g1 = Tensor.gradients(of: h.tanh().sum(), withRespectTo: [x], createGraph: true)[0]
                return Tensor.gradients(of: (g1 * g1).sum(), withRespectTo: [x], createGraph: true)[0]
            }
        }
        let result = gradcheck({ second($0[0]) }, inputs: [x], tolerance: 1e-5)
        #expect(result.passed, "\(result)")
    }
}
