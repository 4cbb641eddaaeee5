import GlassboxKernels
import Testing

/// The scalar formula the vectorised loop must reproduce bit for bit.
private func reference<T: KernelScalar>(
    _ s: AdamUpdate.Step<T>, _ p: inout [T], _ g: [T], _ m: inout [T], _ v: inout [T], _ vMax: inout [T]?
) {
    func flushed(_ x: T) -> T { s.flushSubnormals && x.magnitude < T.leastNormalMagnitude ? 0 : x }
    for i in p.indices {
        var d = s.maximize ? -g[i] : g[i]
        if s.decay != 0 {
            if s.decoupled { p[i] = p[i] * s.decoupledFactor } else { d = d + s.decay * p[i] }
        }
        let w = s.oneMinusBeta1
        m[i] = flushed(w < 0.5 ? m[i] + w * (d - m[i]) : d - (d - m[i]) * (1 - w))
        v[i] = flushed(v[i] * s.beta2 + s.oneMinusBeta2 * d * d)
        var second = v[i]
        if vMax != nil {
            vMax![i] = Swift.max(vMax![i], v[i])
            second = vMax![i]
        }
        p[i] = p[i] + s.negativeStepSize * (m[i] / (second.squareRoot() / s.biasCorrection2Sqrt + s.eps))
    }
}

/// The bits of `x` (sign, exponent, significand), NaN payloads included.
private func bits<T: BinaryFloatingPoint>(_ x: T) -> String {
    "\(x.sign == .minus ? 1 : 0) \(x.exponentBitPattern) \(x.significandBitPattern)"
}

/// Deterministic values in ±2 with a few subnormal moments and exact zeros mixed in.
private func values<T: KernelScalar>(_ count: Int, seed: Int, positive: Bool = false) -> [T] {
    (0..<count).map { i in
        if i % 11 == 3 { return T.leastNormalMagnitude / 8 }
        if i % 13 == 5 { return 0 }
        let x = T(((i * 7919 + seed * 104_729) % 2001) - 1000) / 500
        return positive ? x.magnitude : x
    }
}

@Suite("Adam's vectorised update")
struct AdamUpdateTests {
    func check<T: KernelScalar>(_: T.Type, count: Int, decay: T, decoupled: Bool, maximize: Bool, amsgrad: Bool, beta1: T, flush: Bool) {
        let step = AdamUpdate.Step<T>(
            negativeStepSize: -0.01 / (1 - beta1), biasCorrection2Sqrt: T(0.05).squareRoot(), eps: 1e-8, oneMinusBeta1: 1 - beta1,
            beta2: 0.999, oneMinusBeta2: 1 - 0.999, decay: decay, decoupled: decoupled, decoupledFactor: 1 - 0.01 * decay,
            maximize: maximize, flushSubnormals: flush)
        var p: [T] = values(count, seed: 1), g: [T] = values(count, seed: 2)
        var m: [T] = values(count, seed: 3), v: [T] = values(count, seed: 4, positive: true)
        var vMax: [T]? = amsgrad ? values(count, seed: 5, positive: true) : nil
        var (p2, m2, v2, vMax2) = (p, m, v, vMax)
        reference(step, &p, g, &m, &v, &vMax)
        p2.withUnsafeMutableBufferPointer { pp in
            m2.withUnsafeMutableBufferPointer { mm in
                v2.withUnsafeMutableBufferPointer { vv in
                    g.withUnsafeBufferPointer { gg in
                        if vMax2 == nil {
                            AdamUpdate.apply(
                                step, parameter: pp.baseAddress!, gradient: gg.baseAddress!, firstMoment: mm.baseAddress!,
                                secondMoment: vv.baseAddress!, maxSecondMoment: nil, count: count)
                        } else {
                            vMax2!.withUnsafeMutableBufferPointer { xx in
                                AdamUpdate.apply(
                                    step, parameter: pp.baseAddress!, gradient: gg.baseAddress!, firstMoment: mm.baseAddress!,
                                    secondMoment: vv.baseAddress!, maxSecondMoment: xx.baseAddress!, count: count)
                            }
                        }
                    }
                }
            }
        }
        let label = "\(T.self) n \(count) decay \(decay) decoupled \(decoupled) maximize \(maximize) amsgrad \(amsgrad) β₁ \(beta1)"
        #expect(p.map(bits) == p2.map(bits), "parameters: \(label)")
        #expect(m.map(bits) == m2.map(bits), "first moments: \(label)")
        #expect(v.map(bits) == v2.map(bits), "second moments: \(label)")
        #expect(vMax?.map(bits) == vMax2?.map(bits), "max second moments: \(label)")
    }

    @Test("equals the scalar formula bit for bit: every option, vector tails, Float (flushing) and Double")
    func matchesScalarFormula() {
        for count in [1, 15, 37, 200] {
            for (decay, decoupled) in [(0.0, false), (0.1, false), (0.1, true)] {
                for maximize in [false, true] {
                    for amsgrad in [false, true] {
                        for beta1 in [0.9, 0.3] {
                            check(Float.self, count: count, decay: Float(decay), decoupled: decoupled, maximize: maximize, amsgrad: amsgrad, beta1: Float(beta1), flush: true)
                            check(Double.self, count: count, decay: decay, decoupled: decoupled, maximize: maximize, amsgrad: amsgrad, beta1: beta1, flush: false)
                        }
                    }
                }
            }
        }
    }

    @Test("above the threading threshold the split over threads changes no bit")
    func threads() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for threads in [1, 3] {
            Threading.threadCount = threads
            check(Float.self, count: (1 << 17) + 5, decay: 0, decoupled: false, maximize: false, amsgrad: false, beta1: 0.9, flush: true)
        }
    }
}
