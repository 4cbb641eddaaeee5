import GlassboxKernels
import Testing

// The fused GELU kernels against the Double formulas, tails of every length, and bitwise
// determinism across thread counts.

/// Deterministic inputs in ±6, with ±0 and large magnitudes mixed in.
private func inputs(_ count: Int) -> [Float] {
    (0..<count).map { i in
        if i % 17 == 3 { return i % 2 == 0 ? 0 : -0.0 }
        if i % 19 == 7 { return i % 2 == 0 ? 40 : -40 }
        return Float((i * 7919) % 2401 - 1200) / 200
    }
}

private func run(_ x: [Float], tanh: Bool, backward: Bool) -> [Float] {
    let g = x.indices.map { Float($0 % 7) - 3 }
    var y = [Float](repeating: .nan, count: x.count)
    x.withUnsafeBufferPointer { xp in
        g.withUnsafeBufferPointer { gp in
            y.withUnsafeMutableBufferPointer { yp in
                if backward {
                    GELUKernel.backward(xp.baseAddress!, gradOutput: gp.baseAddress!, gradInput: yp.baseAddress!, count: x.count, tanh: tanh)
                } else {
                    GELUKernel.forward(xp.baseAddress!, yp.baseAddress!, count: x.count, tanh: tanh)
                }
            }
        }
    }
    return y
}

/// GELU and its derivative in Double, from the definitions.
private func reference(_ x: Double, tanh: Bool) -> (value: Double, derivative: Double) {
    if tanh {
        let c = (2 / Double.pi).squareRoot()
        let t = LibM.tanh(c * (x + 0.044715 * x * x * x))
        return (0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
    }
    let cdf = 0.5 * (1 + LibM.erf(x / 2.0.squareRoot()))
    return (x * cdf, cdf + x * LibM.exp(-x * x / 2) / (2 * Double.pi).squareRoot())
}

@Suite("Fused GELU kernels")
struct GELUKernelTests {
    @Test(arguments: [false, true])
    func matchesTheFormulas(tanh: Bool) {
        let x = inputs(1000)
        let y = run(x, tanh: tanh, backward: false), d = run(x, tanh: tanh, backward: true)
        for i in x.indices {
            let r = reference(Double(x[i]), tanh: tanh), g = Double(Float(i % 7) - 3)
            #expect(abs(Double(y[i]) - r.value) <= 1e-6 * max(1, abs(r.value)), "gelu(\(x[i])) = \(y[i]), expected \(r.value)")
            #expect(abs(Double(d[i]) - g * r.derivative) <= 2e-6 * max(1, abs(g)), "gelu′(\(x[i]))·\(g) = \(d[i])")
        }
    }

    @Test func tailsMatchTheVectorBody() {
        // Every element goes through the same lanes: a prefix of the buffer gives a prefix of
        // the result, whatever the tail length.
        let x = inputs(80)
        for tanh in [false, true] {
            for backward in [false, true] {
                let full = run(x, tanh: tanh, backward: backward)
                for n in [1, 5, 15, 16, 17, 31, 33] {
                    #expect(run(Array(x[..<n]), tanh: tanh, backward: backward) == Array(full[..<n]))
                }
            }
        }
    }

    @Test func bitwiseIdenticalForEveryThreadCount() {
        let x = inputs(200_003)
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for tanh in [false, true] {
            for backward in [false, true] {
                Threading.threadCount = 1
                let one = run(x, tanh: tanh, backward: backward)
                for threads in [2, 3, 8] {
                    Threading.threadCount = threads
                    #expect(run(x, tanh: tanh, backward: backward) == one)
                }
            }
        }
    }

    @Test func doubleFollowsTheFormulas() {
        let x: [Double] = [-5, -1.5, -0.25, 0, 0.3, 2, 7]
        for tanh in [false, true] {
            var y = [Double](repeating: 0, count: x.count), d = y
            let g = [Double](repeating: 1, count: x.count)
            GELUKernel.forward(x, &y, count: x.count, tanh: tanh)
            GELUKernel.backward(x, gradOutput: g, gradInput: &d, count: x.count, tanh: tanh)
            for i in x.indices {
                let r = reference(x[i], tanh: tanh)
                #expect(abs(y[i] - r.value) <= 1e-14 * max(1, abs(r.value)))
                #expect(abs(d[i] - r.derivative) <= 1e-14 * max(1, abs(r.derivative)))
            }
        }
    }
}
