import GlassboxKernels
import Testing

/// The scalar formula the vectorised loop must reproduce bit for bit (RMSprop's loop before it
/// was vectorised).
private func reference<T: KernelScalar>(
    _ s: RMSpropUpdate.Step<T>, _ p: inout [T], _ g: [T], _ sq: inout [T], _ a: inout [T]?, _ b: inout [T]?
) {
    func flushed(_ x: T) -> T { s.flushSubnormals && x.magnitude < T.leastNormalMagnitude ? 0 : x }
    let w = s.oneMinusAlpha
    for i in p.indices {
        var d = s.maximize ? -g[i] : g[i]
        if s.decay != 0 { d = d + s.decay * p[i] }
        sq[i] = flushed(sq[i] * s.alpha + s.oneMinusAlpha * d * d)
        var r: T
        if a != nil {
            a![i] = flushed(w < 0.5 ? a![i] + w * (d - a![i]) : d - (d - a![i]) * (1 - w))
            r = (sq[i] - a![i] * a![i]).squareRoot()
        } else {
            r = sq[i].squareRoot()
        }
        r = r + s.eps
        if b != nil {
            b![i] = flushed(b![i] * s.momentum + d / r)
            p[i] = p[i] + s.negativeLearningRate * b![i]
        } else {
            p[i] = p[i] + s.negativeLearningRate * (d / r)
        }
    }
}

/// The bits of `x` (sign, exponent, significand), NaN payloads included.
private func bits<T: BinaryFloatingPoint>(_ x: T) -> String {
    "\(x.sign == .minus ? 1 : 0) \(x.exponentBitPattern) \(x.significandBitPattern)"
}

/// Deterministic values in ±2 with a few subnormals and exact zeros mixed in.
private func values<T: KernelScalar>(_ count: Int, seed: Int, positive: Bool = false) -> [T] {
    (0..<count).map { i in
        if i % 11 == 3 { return T.leastNormalMagnitude / 8 }
        if i % 13 == 5 { return 0 }
        let x = T(((i * 7919 + seed * 104_729) % 2001) - 1000) / 500
        return positive ? x.magnitude : x
    }
}

@Suite("RMSprop's vectorised update")
struct RMSpropUpdateTests {
    func check<T: KernelScalar>(
        _: T.Type, count: Int, decay: T, maximize: Bool, centered: Bool, momentum: T, alpha: T, eps: T, flush: Bool,
        squareAverages: [T]? = nil
    ) {
        let step = RMSpropUpdate.Step<T>(
            negativeLearningRate: -0.01, alpha: alpha, oneMinusAlpha: 1 - alpha, eps: eps, decay: decay, momentum: momentum,
            maximize: maximize, flushSubnormals: flush)
        var p: [T] = values(count, seed: 1), g: [T] = values(count, seed: 2)
        var sq: [T] = squareAverages ?? values(count, seed: 3, positive: true)
        var a: [T]? = centered ? values(count, seed: 4) : nil
        var b: [T]? = momentum > 0 ? values(count, seed: 5) : nil
        var (p2, sq2, a2, b2) = (p, sq, a, b)
        reference(step, &p, g, &sq, &a, &b)
        p2.withUnsafeMutableBufferPointer { pp in
            sq2.withUnsafeMutableBufferPointer { ss in
                g.withUnsafeBufferPointer { gg in
                    func run(_ aa: UnsafeMutablePointer<T>?, _ bb: UnsafeMutablePointer<T>?) {
                        RMSpropUpdate.apply(
                            step, parameter: pp.baseAddress!, gradient: gg.baseAddress!, squareAverage: ss.baseAddress!,
                            gradientAverage: aa, momentumBuffer: bb, count: count)
                    }
                    switch (a2 != nil, b2 != nil) {
                    case (false, false): run(nil, nil)
                    case (true, false): a2!.withUnsafeMutableBufferPointer { run($0.baseAddress!, nil) }
                    case (false, true): b2!.withUnsafeMutableBufferPointer { run(nil, $0.baseAddress!) }
                    case (true, true):
                        a2!.withUnsafeMutableBufferPointer { aa in b2!.withUnsafeMutableBufferPointer { run(aa.baseAddress!, $0.baseAddress!) } }
                    }
                }
            }
        }
        let label = "\(T.self) n \(count) decay \(decay) maximize \(maximize) centered \(centered) momentum \(momentum) α \(alpha) ε \(eps)"
        #expect(p.map(bits) == p2.map(bits), "parameters: \(label)")
        #expect(sq.map(bits) == sq2.map(bits), "square averages: \(label)")
        #expect(a?.map(bits) == a2?.map(bits), "gradient averages: \(label)")
        #expect(b?.map(bits) == b2?.map(bits), "momentum buffers: \(label)")
    }

    @Test("equals the scalar formula bit for bit: every option, vector tails, Float (flushing) and Double")
    func matchesScalarFormula() {
        for count in [1, 15, 37, 200] {
            for decay in [0.0, 0.1] {
                for maximize in [false, true] {
                    for centered in [false, true] {
                        for momentum in [0.0, 0.9] {
                            for alpha in [0.99, 0.3] {
                                check(
                                    Float.self, count: count, decay: Float(decay), maximize: maximize, centered: centered,
                                    momentum: Float(momentum), alpha: Float(alpha), eps: 1e-8, flush: true)
                                check(
                                    Double.self, count: count, decay: decay, maximize: maximize, centered: centered, momentum: momentum,
                                    alpha: alpha, eps: 1e-8, flush: false)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("negative and signed-zero roots (centered variance below 0, ε 0) give the scalar NaNs and zeros")
    func signedOperands() {
        // Square averages of −0 and negative values (a state loaded from elsewhere) and a centered
        // variance s − a² that rounds below zero: the square root must be IEEE's, lane by lane.
        let squares: [Float] = (0..<40).map { (i: Int) -> Float in
            switch i % 3 {
            case 0: return -0.0
            case 1: return -Float(i) / 7
            default: return Float(i) / 1000
            }
        }
        for centered in [false, true] {
            for eps: Float in [0, 1e-8] {
                check(
                    Float.self, count: 40, decay: 0, maximize: false, centered: centered, momentum: 0, alpha: 0.99, eps: eps,
                    flush: true, squareAverages: squares)
                check(
                    Double.self, count: 40, decay: 0, maximize: false, centered: centered, momentum: 0.9, alpha: 0.99, eps: Double(eps),
                    flush: false, squareAverages: squares.map(Double.init))
            }
        }
    }

    @Test("above the threading threshold the split over threads changes no bit")
    func threads() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for threads in [1, 3] {
            Threading.threadCount = threads
            check(Float.self, count: (1 << 17) + 5, decay: 0, maximize: false, centered: false, momentum: 0, alpha: 0.99, eps: 1e-8, flush: true)
        }
    }
}
