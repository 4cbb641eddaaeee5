import Testing
import GlassboxKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Accuracy of the Float VectorMath functions against the Double libm result rounded to Float.
//
// The error of one result is its distance, in representable Floats, from the rounded reference
// (ordered bit patterns, so subnormals count in subnormal spacing and a result of 0 for a tiny
// nonzero reference counts every subnormal in between). Release builds sweep ≥ 10⁷ points per
// function; debug builds (unspecialised SIMD is slow there) sweep a strided subset of 10⁵.
// Set GLASSBOX_VMATH_REPORT=1 to print the error table (the throughput comparison is
// `Benchmarks vmath`, see Scripts/measure_vector_math.sh).

#if DEBUG
let sweepPoints = 100_000
#else
let sweepPoints = 10_000_000
#endif

let reportEnabled = getenv("GLASSBOX_VMATH_REPORT") != nil

/// Ordered integer for a Float: monotone in the value, -0 and +0 both 0.
func orderedBits(_ f: Float) -> Int64 {
    let b = Int64(f.bitPattern & 0x7FFF_FFFF)
    return f.sign == .minus ? -b : b
}

/// Distance in ulps between `got` and `ref` rounded to Float; 0 when both are the same NaN
/// class or the same infinity, `Int64.max` for a NaN mismatch.
func ulpDistance(_ got: Float, _ ref: Double) -> Int64 {
    let r = Float(ref)
    if r.isNaN || got.isNaN { return r.isNaN && got.isNaN ? 0 : Int64.max }
    if r.isInfinite || got.isInfinite { return r == got ? 0 : Int64.max }
    return abs(orderedBits(got) - orderedBits(r))
}

struct SweepResult: CustomStringConvertible {
    var points = 0
    var maxUlp: Int64 = 0
    var worstX: Float = 0
    var description: String { "max \(maxUlp) ulp at x = \(worstX) over \(points) points" }
    mutating func merge(_ o: SweepResult) {
        points += o.points
        if o.maxUlp > maxUlp { maxUlp = o.maxUlp; worstX = o.worstX }
    }
}

/// Runs `f` on the inputs in chunks and compares with `ref` lane by lane.
func sweep(
    _ inputs: (Int) -> Float, count: Int,
    _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
    _ ref: (Double) -> Double
) -> SweepResult {
    var result = SweepResult()
    let chunk = 1 << 16
    var xs = [Float](repeating: 0, count: chunk)
    var ys = [Float](repeating: 0, count: chunk)
    var start = 0
    while start < count {
        let n = min(chunk, count - start)
        for i in 0..<n { xs[i] = inputs(start + i) }
        xs.withUnsafeBufferPointer { xp in
            ys.withUnsafeMutableBufferPointer { yp in f(xp.baseAddress!, yp.baseAddress!, n) }
        }
        for i in 0..<n {
            let d = ulpDistance(ys[i], ref(Double(xs[i])))
            if d > result.maxUlp { result.maxUlp = d; result.worstX = xs[i] }
        }
        result.points += n
        start += n
    }
    return result
}

/// `count` points evenly spaced on [lo, hi].
func linear(_ lo: Double, _ hi: Double, _ count: Int) -> (Int) -> Float {
    { i in Float(lo + (hi - lo) * Double(i) / Double(count - 1)) }
}

/// `count` Floats whose bit patterns are evenly spaced over [lo, hi] (lo, hi ≥ 0), alternating
/// sign when `signed`: every binade in the range gets points in proportion to its floats.
func bitPatterns(_ lo: Float, _ hi: Float, _ count: Int, signed: Bool) -> (Int) -> Float {
    let a = Double(lo.bitPattern), b = Double(hi.bitPattern)
    return { i in
        let v = Float(bitPattern: UInt32(a + (b - a) * Double(i) / Double(count - 1)))
        return signed && i % 2 == 1 ? -v : v
    }
}

func refSigmoid(_ x: Double) -> Double {
    let e = Glibc.exp(-Swift.abs(x))
    return (x < 0 ? e : 1) / (1 + e)
}

typealias BufferFunction = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

let floatExp: BufferFunction = { VectorMath.exp($0, $1, count: $2) }
let floatLog: BufferFunction = { VectorMath.log($0, $1, count: $2) }
let floatTanh: BufferFunction = { VectorMath.tanh($0, $1, count: $2) }
let floatSigmoid: BufferFunction = { VectorMath.sigmoid($0, $1, count: $2) }
let floatErf: BufferFunction = { VectorMath.erf($0, $1, count: $2) }

/// The sweeps of each function: (name, inputs, point count, range text).
func sweeps(_ name: String) -> [(String, (Int) -> Float, Int)] {
    let n = sweepPoints
    switch name {
    case "exp":
        return [("linear [-87.3, 88.72]", linear(-87.3, 88.72, n), n),
                ("linear [-103.9, -87.3] (subnormal results)", linear(-103.9, -87.3, n / 10), n / 10),
                ("bit patterns ±[1e-30, 88.72]", bitPatterns(1e-30, 88.72, n, signed: true), n)]
    case "log":
        return [("bit patterns [least subnormal, greatest finite]",
                 bitPatterns(.leastNonzeroMagnitude, .greatestFiniteMagnitude, n, signed: false), n),
                ("linear [0.5, 2]", linear(0.5, 2, n), n)]
    case "tanh", "sigmoid":
        return [("linear [-20, 20]", linear(-20, 20, n), n),
                ("bit patterns ±[least subnormal, 120]",
                 bitPatterns(.leastNonzeroMagnitude, 120, n, signed: true), n)]
    default:  // erf
        return [("linear [-6, 6]", linear(-6, 6, n), n),
                ("bit patterns ±[least subnormal, 10]",
                 bitPatterns(.leastNonzeroMagnitude, 10, n, signed: true), n)]
    }
}

func check(_ name: String, _ f: BufferFunction, _ ref: (Double) -> Double, bound: Int64) {
    for (range, inputs, count) in sweeps(name) {
        let r = sweep(inputs, count: count, f, ref)
        if reportEnabled { print("VMATH \(name) \(range): \(r)") }
        #expect(r.maxUlp <= bound, "\(name) \(range): \(r)")
    }
}

@Suite struct VectorMathAccuracy {
    @Test func expWithin4Ulp() { check("exp", floatExp, { Glibc.exp($0) }, bound: 4) }
    @Test func logWithin4Ulp() { check("log", floatLog, { Glibc.log($0) }, bound: 4) }
    @Test func tanhWithin4Ulp() { check("tanh", floatTanh, { Glibc.tanh($0) }, bound: 4) }
    @Test func sigmoidWithin4Ulp() { check("sigmoid", floatSigmoid, refSigmoid, bound: 4) }
    @Test func erfWithin4Ulp() { check("erf", floatErf, { Glibc.erf($0) }, bound: 4) }
}

func apply(_ f: BufferFunction, _ xs: [Float]) -> [Float] {
    var ys = [Float](repeating: .nan, count: xs.count)
    xs.withUnsafeBufferPointer { xp in
        ys.withUnsafeMutableBufferPointer { yp in f(xp.baseAddress!, yp.baseAddress!, xs.count) }
    }
    return ys
}

@Suite struct VectorMathSpecialValues {
    let inf = Float.infinity

    @Test func expSpecials() {
        let y = apply(floatExp, [.nan, inf, -inf, 0, -0.0, 88.8, 1000, -104, -1000, 88.72283, -103.9])
        #expect(y[0].isNaN)
        #expect(y[1] == inf && y[2] == 0 && y[3] == 1 && y[4] == 1)
        #expect(y[5] == inf && y[6] == inf && y[7] == 0 && y[8] == 0)
        #expect(y[9].isFinite && y[9] > 3.4e38)
        #expect(y[10] > 0 && y[10] < Float.leastNormalMagnitude)  // subnormal, not flushed
    }

    @Test func logSpecials() {
        let y = apply(floatLog, [.nan, inf, -inf, 0, -0.0, -1, 1, .leastNonzeroMagnitude,
                                 .greatestFiniteMagnitude])
        #expect(y[0].isNaN && y[1] == inf && y[2].isNaN)
        #expect(y[3] == -inf && y[4] == -inf && y[5].isNaN && y[6] == 0)
        #expect(ulpDistance(y[7], Glibc.log(Double(Float.leastNonzeroMagnitude))) <= 1)
        #expect(ulpDistance(y[8], Glibc.log(Double(Float.greatestFiniteMagnitude))) <= 1)
    }

    @Test func tanhSigmoidErfSaturate() {
        let xs: [Float] = [.nan, inf, -inf, 1e30, -1e30, 50, -50, 0, -0.0]
        let t = apply(floatTanh, xs), s = apply(floatSigmoid, xs), e = apply(floatErf, xs)
        for y in [t, s, e] { #expect(y[0].isNaN) }
        #expect(t[1...6] == [1, -1, 1, -1, 1, -1])
        #expect(e[1...6] == [1, -1, 1, -1, 1, -1])
        #expect(s[1...4] == [1, 0, 1, 0])
        #expect(s[5] == 1 && s[6] > 0 && s[6] < 3e-22)
        #expect(t[7] == 0 && t[8] == 0 && t[8].sign == .minus)
        #expect(e[7] == 0 && e[8] == 0 && e[8].sign == .minus)
        #expect(s[7] == 0.5 && s[8] == 0.5)
        for y in s { #expect(y.isNaN || (y >= 0 && y <= 1)) }
    }

    @Test func singleVectorMatchesBuffer() {
        let xs: [Float] = (0..<16).map { Float($0) * 0.7 - 5 }
        let v = SIMD16<Float>(xs)
        let v8 = SIMD8<Float>(xs[0..<8])
        #expect(Array(0..<16).map { VectorMath.exp(v)[$0] } == apply(floatExp, xs))
        #expect(Array(0..<16).map { VectorMath.tanh(v)[$0] } == apply(floatTanh, xs))
        #expect(Array(0..<8).map { VectorMath.sigmoid(v8)[$0] } == Array(apply(floatSigmoid, xs)[0..<8]))
        #expect(Array(0..<8).map { VectorMath.erf(v8)[$0] } == Array(apply(floatErf, xs)[0..<8]))
        let pos = SIMD8<Float>(xs[0..<8].map { Swift.abs($0) + 0.1 })
        #expect(Array(0..<8).map { VectorMath.log(pos)[$0] }
            == apply(floatLog, xs[0..<8].map { Swift.abs($0) + 0.1 }))
    }
}

@Suite struct VectorMathBuffers {
    /// Odd lengths exercise the padded tail; x and y the same buffer.
    @Test func aliasingMatchesSeparateBuffers() {
        for n in [0, 1, 7, 8, 9, 17, 100, 1000] {
            let xs: [Float] = (0..<n).map { Float($0 % 37) * 0.3 - 5 }
            for f in [floatExp, floatTanh, floatSigmoid, floatErf] {
                let separate = apply(f, xs)
                var inPlace = xs
                inPlace.withUnsafeMutableBufferPointer { p in
                    if let b = p.baseAddress { f(UnsafePointer(b), b, n) }
                }
                #expect(inPlace == separate)
            }
            let pos = xs.map { Swift.abs($0) + 0.01 }
            var inPlace = pos
            inPlace.withUnsafeMutableBufferPointer { p in
                if let b = p.baseAddress { VectorMath.log(UnsafePointer(b), b, count: n) }
            }
            #expect(inPlace == apply(floatLog, pos))
        }
    }

    @Test func doubleEqualsLibm() {
        let xs: [Double] = (0..<1001).map { Double($0) * 0.037 - 18.5 } + [.nan, .infinity, -.infinity, 0, 800, -800]
        func run(_ f: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void) -> [Double] {
            var ys = [Double](repeating: 0, count: xs.count)
            xs.withUnsafeBufferPointer { xp in
                ys.withUnsafeMutableBufferPointer { yp in f(xp.baseAddress!, yp.baseAddress!, xs.count) }
            }
            return ys
        }
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
        }
        #expect(same(run { VectorMath.exp($0, $1, count: $2) }, xs.map { Glibc.exp($0) }))
        #expect(same(run { VectorMath.tanh($0, $1, count: $2) }, xs.map { Glibc.tanh($0) }))
        #expect(same(run { VectorMath.erf($0, $1, count: $2) }, xs.map { Glibc.erf($0) }))
        #expect(same(run { VectorMath.sigmoid($0, $1, count: $2) }, xs.map(refSigmoid)))
        let pos = xs.map { Swift.abs($0) }
        var ys = [Double](repeating: 0, count: pos.count)
        pos.withUnsafeBufferPointer { xp in
            ys.withUnsafeMutableBufferPointer { yp in VectorMath.log(xp.baseAddress!, yp.baseAddress!, count: pos.count) }
        }
        #expect(same(ys, pos.map { Glibc.log($0) }))
    }
}

/// Thread count is global: these tests change it, so they run one at a time and restore it.
@Suite(.serialized) struct VectorMathThreading {
    @Test func sameBitsForEveryThreadCount() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        #if DEBUG
        let n = (1 << 16) + 13
        #else
        let n = (1 << 20) + 13
        #endif
        let xs: [Float] = (0..<n).map { Float(($0 * 7919) % 20011) * 0.001 - 10 }
        var first: [[Float]] = []
        for threads in 1...4 {
            Threading.threadCount = threads
            let ys = [floatExp, floatTanh, floatSigmoid, floatErf].map { apply($0, xs) }
            if first.isEmpty { first = ys } else { #expect(ys == first, "threads = \(threads)") }
        }
    }
}
