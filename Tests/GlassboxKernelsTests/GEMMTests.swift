import Testing
import GlassboxKernels

/// A naive reference: C = alpha·op(A)·op(B) + beta·C accumulated in Double.
func referenceGEMM<T: KernelScalar>(
    _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: T, _ a: [T], _ lda: Int,
    _ b: [T], _ ldb: Int, _ beta: T, _ c: [T], _ ldc: Int
) -> [Double] {
    var out = c.map { Double($0) }
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = ta ? a[p * lda + i] : a[i * lda + p]
                let bv = tb ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            out[i * ldc + j] = Double(alpha) * s + old
        }
    }
    return out
}

struct GEMMCase {
    var ta: Bool, tb: Bool, m: Int, n: Int, k: Int
    var alpha: Double, beta: Double, pad: Int
}

/// Runs one case in `T` and returns the max error relative to the problem's scale.
func gemmError<T: KernelScalar>(_: T.Type, _ c: GEMMCase, seed: UInt64) -> (error: Double, result: [T]) {
    var state = seed
    func rnd() -> T {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return T(Double(state >> 11) * 0x1.0p-53 * 2 - 1)
    }
    let rowsA = c.ta ? c.k : c.m, colsA = c.ta ? c.m : c.k
    let rowsB = c.tb ? c.n : c.k, colsB = c.tb ? c.k : c.n
    let lda = colsA + c.pad, ldb = colsB + c.pad, ldc = c.n + c.pad
    let a = (0..<(rowsA * lda)).map { _ in rnd() }
    let b = (0..<(rowsB * ldb)).map { _ in rnd() }
    var cm = (0..<(c.m * ldc)).map { _ in rnd() }
    if c.beta == 0 { cm = cm.map { _ in T.nan } }
    let expected = referenceGEMM(c.ta, c.tb, c.m, c.n, c.k, T(c.alpha), a, lda, b, ldb, T(c.beta), cm, ldc)
    var out = cm
    out.withUnsafeMutableBufferPointer { cp in
        gemm(
            c.ta ? .transpose : .none, c.tb ? .transpose : .none, m: c.m, n: c.n, k: c.k,
            alpha: T(c.alpha), a: a, lda: lda, b: b, ldb: ldb, beta: T(c.beta),
            c: cp.baseAddress!, ldc: ldc)
    }
    var err = 0.0
    let scale = Double(max(c.k, 1)) * (abs(c.alpha) + abs(c.beta) + 1)
    for i in 0..<c.m {
        for j in 0..<c.n {
            let d = abs(Double(out[i * ldc + j]) - expected[i * ldc + j])
            err = max(err, d.isNaN ? .infinity : d / scale)
        }
        // Padding columns are untouched.
        for j in c.n..<ldc where !(out[i * ldc + j].isNaN && cm[i * ldc + j].isNaN) {
            if out[i * ldc + j] != cm[i * ldc + j] { err = .infinity }
        }
    }
    return (err, out)
}

@Suite("GEMM", .serialized)
struct GEMMTests {
    static func randomCases(count: Int, seed: UInt64) -> [GEMMCase] {
        var s = seed
        func next(_ bound: Int) -> Int {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Int((s >> 33) % UInt64(bound))
        }
        let alphas = [1.0, -0.5, 2.0, 0.0], betas = [0.0, 1.0, 0.5, -1.5]
        return (0..<count).map { _ in
            GEMMCase(
                ta: next(2) == 1, tb: next(2) == 1, m: 1 + next(67), n: 1 + next(67), k: 1 + next(67),
                alpha: alphas[next(4)], beta: betas[next(4)], pad: next(3))
        }
    }

    // Debug builds run unoptimised code about 100× slower: they check a subset; release
    // builds (`swift test -c release`, run by CI) check every case.
    #if DEBUG
    static let randomCount = 24
    static let largeShapes = [(1000, 3, 7), (3, 1000, 5), (7, 5, 1000), (1, 1, 1)]
    static let invarianceScale = 2
    #else
    static let randomCount = 80
    static let largeShapes = [(1000, 3, 7), (3, 1000, 5), (7, 5, 1000), (1, 1, 1), (67, 67, 67), (130, 70, 300)]
    static let invarianceScale = 1
    #endif

    static let shapes: [GEMMCase] =
        randomCases(count: randomCount, seed: 5)
        + largeShapes.flatMap { m, n, k in
            [(false, false), (false, true), (true, false), (true, true)].map { ta, tb in
                GEMMCase(ta: ta, tb: tb, m: m, n: n, k: k, alpha: 1.5, beta: 0.5, pad: 1)
            }
        }

    @Test("Float and Double GEMM equal a naive Double reference, 1–4 threads")
    func matchesReference() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for threads in 1...4 {
            Threading.threadCount = threads
            for (i, c) in Self.shapes.enumerated() {
                let f = gemmError(Float.self, c, seed: UInt64(i))
                #expect(f.error < 1e-6, "Float \(c) threads \(threads): error \(f.error)")
                let d = gemmError(Double.self, c, seed: UInt64(i))
                #expect(d.error < 1e-14, "Double \(c) threads \(threads): error \(d.error)")
            }
        }
    }

    @Test("results are bitwise identical for 1–4 threads")
    func threadCountInvariance() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        let cases = [
            GEMMCase(ta: false, tb: false, m: 300, n: 257, k: 300, alpha: 1, beta: 0.5, pad: 0),
            GEMMCase(ta: true, tb: true, m: 37, n: 700, k: 290, alpha: -1, beta: 0, pad: 3),
            GEMMCase(ta: false, tb: true, m: 520, n: 20, k: 260, alpha: 1, beta: 1, pad: 0),
        ]
        for var c in cases {
            c.m /= Self.invarianceScale
            c.k /= Self.invarianceScale
            Threading.threadCount = 1
            let f1 = gemmError(Float.self, c, seed: 1).result.map(\.bitPattern)
            let d1 = gemmError(Double.self, c, seed: 1).result.map(\.bitPattern)
            for threads in 2...4 {
                Threading.threadCount = threads
                #expect(gemmError(Float.self, c, seed: 1).result.map(\.bitPattern) == f1, "Float \(c), \(threads) threads")
                #expect(gemmError(Double.self, c, seed: 1).result.map(\.bitPattern) == d1, "Double \(c), \(threads) threads")
            }
        }
    }

    @Test("batched GEMM, including a broadcast (stride 0) operand")
    func batched() {
        let m = 5, n = 7, k = 9, batch = 6
        let a = (0..<(batch * m * k)).map { Float(($0 * 37) % 11) - 5 }
        let b = (0..<(k * n)).map { Float(($0 * 13) % 7) - 3 }
        var c = [Float](repeating: .nan, count: batch * m * n)
        c.withUnsafeMutableBufferPointer { cp in
            batchedGEMM(
                .none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, strideA: m * k,
                b: b, ldb: n, strideB: 0, beta: 0, c: cp.baseAddress!, ldc: n, strideC: m * n,
                batchCount: batch)
        }
        for i in 0..<batch {
            let expected = referenceGEMM(
                false, false, m, n, k, Float(1), Array(a[(i * m * k)..<((i + 1) * m * k)]), k, b, n, Float(0),
                [Float](repeating: 0, count: m * n), n)
            #expect(Array(c[(i * m * n)..<((i + 1) * m * n)]).map(Double.init) == expected)
        }
    }

    @Test("alpha = 0 and k = 0 scale C by beta without reading A or B")
    func degenerate() {
        var c: [Double] = [1, 2, 3, 4]
        let a: [Double] = [.nan, .nan], b: [Double] = [.nan, .nan]
        c.withUnsafeMutableBufferPointer { cp in
            gemm(.none, .none, m: 2, n: 2, k: 1, alpha: 0, a: a, lda: 1, b: b, ldb: 2, beta: 2, c: cp.baseAddress!, ldc: 2)
        }
        #expect(c == [2, 4, 6, 8])
        c.withUnsafeMutableBufferPointer { cp in
            gemm(.none, .none, m: 2, n: 2, k: 0, alpha: 1, a: a, lda: 1, b: b, ldb: 2, beta: 0, c: cp.baseAddress!, ldc: 2)
        }
        #expect(c == [0, 0, 0, 0])
    }

    @Test("a bias gives the bits of C filled with the bias rows and beta = 1, 1 and 2 threads")
    func biasEpilogue() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        // Full and edge tiles in both directions, one and several k blocks (520: 3 of KC = 256,
        // 2 of KC = 512), k = 0, every transpose.
        let shapes = [(13, 40, 520), (37, 33, 5), (6, 64, 256), (1, 1, 1), (40, 9, 0)]
        func run<T: KernelScalar>(_: T.Type) {
            for (m, n, k) in shapes {
                for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                    for alpha: T in [1, -0.5] {
                        let ldc = n + 3
                        let a = (0..<max(1, m * k)).map { T(($0 * 37) % 23) * 0.125 - 1.375 }
                        let b = (0..<max(1, k * n)).map { T(($0 * 13) % 19) * 0.0625 - 0.5 }
                        let bias = (0..<n).map { T($0 % 7) * 0.3 - 0.9 }
                        var filled = [T](repeating: 0, count: m * ldc)
                        for i in 0..<m { for j in 0..<n { filled[i * ldc + j] = bias[j] } }
                        var expected = filled
                        expected.withUnsafeMutableBufferPointer { cp in
                            gemm(
                                ta ? .transpose : .none, tb ? .transpose : .none, m: m, n: n, k: k, alpha: alpha, a: a,
                                lda: ta ? m : k, b: b, ldb: tb ? k : n, beta: 1, c: cp.baseAddress!, ldc: ldc)
                        }
                        for threads in 1...2 {
                            Threading.threadCount = threads
                            // C starts as NaN in the bias columns: a bias run must not read it.
                            var got = [T](repeating: 0, count: m * ldc)
                            for i in 0..<m { for j in 0..<n { got[i * ldc + j] = .nan } }
                            got.withUnsafeMutableBufferPointer { cp in
                                gemm(
                                    ta ? .transpose : .none, tb ? .transpose : .none, m: m, n: n, k: k, alpha: alpha, a: a,
                                    lda: ta ? m : k, b: b, ldb: tb ? k : n, beta: 0, c: cp.baseAddress!, ldc: ldc, bias: bias)
                            }
                            #expect(
                                got.map { Double($0).bitPattern } == expected.map { Double($0).bitPattern },
                                "\(T.self) m \(m) n \(n) k \(k) ta \(ta) tb \(tb) alpha \(alpha), \(threads) threads")
                        }
                    }
                }
            }
        }
        run(Float.self)
        run(Double.self)
    }
}
