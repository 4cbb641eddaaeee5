import Testing
import GlassboxKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Softmax, log-softmax and logsumexp against a naive Double reference, special rows (PyTorch
// semantics), aliasing, and bitwise determinism across thread counts.

/// Naive reference in Double: returns (softmax, logSoftmax, logSumExp) for [outer, axis, inner].
func softmaxReference(_ x: [Double], outer: Int, axis: Int, inner: Int)
    -> ([Double], [Double], [Double]) {
    var sm = [Double](repeating: 0, count: x.count), lsm = sm
    var lse = [Double](repeating: 0, count: outer * inner)
    for o in 0..<outer {
        for i in 0..<inner {
            let idx = (0..<axis).map { o * axis * inner + $0 * inner + i }
            var m = idx.map { x[$0] }.max() ?? -.infinity
            if idx.contains(where: { x[$0].isNaN }) { m = .nan }
            let s = idx.reduce(0.0) { $0 + LibM.exp(x[$1] - m) }
            for k in idx {
                sm[k] = LibM.exp(x[k] - m) / s
                lsm[k] = x[k] - m - LibM.log(s)
            }
            let mm = m.isInfinite ? 0 : m
            lse[o * inner + i] = mm + LibM.log(idx.reduce(0.0) { $0 + LibM.exp(x[$1] - mm) })
        }
    }
    return (sm, lsm, lse)
}

func runSoftmax<T: KernelScalar>(_ x: [T], _ o: Int, _ a: Int, _ i: Int, log: Bool) -> [T] {
    var y = [T](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            if let xb = xp.baseAddress, let yb = yp.baseAddress {
                Softmax.forward(xb, yb, outer: o, axis: a, inner: i, log: log)
            }
        }
    }
    return y
}

func runLogSumExp<T: KernelScalar>(_ x: [T], _ o: Int, _ a: Int, _ i: Int) -> [T] {
    var y = [T](repeating: 0, count: o * i)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            if let yb = yp.baseAddress {
                Softmax.logSumExp(xp.baseAddress ?? UnsafePointer(yb), yb, outer: o, axis: a, inner: i)
            }
        }
    }
    return y
}

/// Same value, or both NaN, or relative/absolute error within tolerance.
func close(_ got: Double, _ ref: Double, rel: Double, abs absTol: Double) -> Bool {
    if ref.isNaN { return got.isNaN }
    if ref.isInfinite { return got == ref }
    return Swift.abs(got - ref) <= absTol + rel * Swift.abs(ref)
}

/// Deterministic pseudo-random values in [-scale, scale].
func pseudoRandom(_ n: Int, seed: UInt64, scale: Double) -> [Double] {
    var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<n).map { _ in
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        return (Double(s >> 11) / Double(1 << 53) * 2 - 1) * scale
    }
}

let softmaxShapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 5, 1), (3, 7, 1), (2, 8, 1), (2, 9, 1), (4, 33, 1), (1, 1000, 1),
    (2, 3, 2), (3, 4, 5), (2, 6, 8), (2, 5, 17), (1, 1, 9), (5, 1, 3), (2, 40, 23),
]

@Suite struct SoftmaxAccuracy {
    @Test(arguments: [1.0, 30.0, 1e4])
    func floatMatchesDoubleReference(scale: Double) {
        for (o, a, i) in softmaxShapes {
            let xd = pseudoRandom(o * a * i, seed: UInt64(o * 1000 + a * 10 + i), scale: scale)
            let xf = xd.map { Float($0) }
            let (sm, lsm, lse) = softmaxReference(xf.map { Double($0) }, outer: o, axis: a, inner: i)
            let y = runSoftmax(xf, o, a, i, log: false)
            let ly = runSoftmax(xf, o, a, i, log: true)
            let l = runLogSumExp(xf, o, a, i)
            let tol = 8e-7 * (4 + Double(a) / 8)
            for k in 0..<xf.count {
                #expect(close(Double(y[k]), sm[k], rel: tol, abs: 1e-44), "softmax \(o)x\(a)x\(i) at \(k)")
                #expect(close(Double(ly[k]), lsm[k], rel: 1e-6, abs: 1e-6 * (1 + Swift.abs(lsm[k]))),
                        "log_softmax \(o)x\(a)x\(i) at \(k): \(ly[k]) vs \(lsm[k])")
            }
            for k in 0..<l.count {
                #expect(close(Double(l[k]), lse[k], rel: 1e-6, abs: 1e-6), "logsumexp \(o)x\(a)x\(i) at \(k)")
            }
        }
    }

    @Test func doubleMatchesReference() {
        for (o, a, i) in softmaxShapes {
            let x = pseudoRandom(o * a * i, seed: UInt64(a * 7 + i), scale: 50)
            let (sm, lsm, lse) = softmaxReference(x, outer: o, axis: a, inner: i)
            let y = runSoftmax(x, o, a, i, log: false), ly = runSoftmax(x, o, a, i, log: true)
            let l = runLogSumExp(x, o, a, i)
            for k in 0..<x.count {
                #expect(close(y[k], sm[k], rel: 1e-13, abs: 1e-300))
                #expect(close(ly[k], lsm[k], rel: 1e-13, abs: 1e-13))
            }
            for k in 0..<l.count { #expect(close(l[k], lse[k], rel: 1e-13, abs: 1e-13)) }
        }
    }

    /// PyTorch: softmax/log_softmax of all -inf → NaN; logsumexp → -inf; a +inf entry makes
    /// softmax NaN and logsumexp +inf; NaN poisons everything; -inf entries give exactly 0.
    @Test(arguments: [1, 3])
    func specialRows(inner: Int) {
        let inf = Float.infinity
        let rows: [[Float]] = [
            [-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf],
            [1, -inf, 2, -inf, 3, -inf, 4, -inf, 5],
            [1, 2, inf, 4, 5, 6, 7, 8, 9],
            [1, 2, .nan, 4, 5, 6, 7, 8, 9],
            [1e30, -1e30, 1e30, 0, 0, 0, 0, 0, 3e38],
        ]
        for row in rows {
            // [1, 9, inner]: column c holds row shifted by c (still the same multiset for c = 0).
            var x = [Float](repeating: 0, count: 9 * inner)
            for a in 0..<9 { for c in 0..<inner { x[a * inner + c] = row[(a + c) % 9] } }
            let (sm, lsm, lse) = softmaxReference(x.map { Double($0) }, outer: 1, axis: 9, inner: inner)
            for (got, want) in [(runSoftmax(x, 1, 9, inner, log: false), sm),
                                (runSoftmax(x, 1, 9, inner, log: true), lsm)] {
                for k in 0..<x.count {
                    #expect(close(Double(got[k]), want[k], rel: 1e-5, abs: 1e-6), "\(row) k=\(k): \(got[k]) vs \(want[k])")
                }
            }
            let l = runLogSumExp(x, 1, 9, inner)
            for k in 0..<inner { #expect(close(Double(l[k]), lse[k], rel: 1e-6, abs: 1e-6), "\(row): \(l[k]) vs \(lse[k])") }
            let d = runSoftmax(x.map { Double($0) }, 1, 9, inner, log: false)
            for k in 0..<x.count { #expect(close(d[k], sm[k], rel: 1e-13, abs: 1e-300)) }
            let dl = runLogSumExp(x.map { Double($0) }, 1, 9, inner)
            for k in 0..<inner { #expect(close(dl[k], lse[k], rel: 1e-13, abs: 1e-13)) }
        }
        #expect(runSoftmax(rows[0], 1, 9, 1, log: false).allSatisfy { $0.isNaN })
        #expect(runSoftmax(rows[0], 1, 9, 1, log: true).allSatisfy { $0.isNaN })
        #expect(runLogSumExp(rows[0], 1, 9, 1) == [-inf])
        #expect(runLogSumExp(rows[2], 1, 9, 1) == [inf])
        #expect(runSoftmax(rows[1], 1, 9, 1, log: false)[1] == 0)
    }

    @Test func emptyShapes() {
        #expect(runSoftmax([Float](), 0, 4, 3, log: false).isEmpty)
        #expect(runLogSumExp([Float](), 2, 0, 3) == [Float](repeating: -.infinity, count: 6))
    }

    @Test func inPlace() {
        for (o, a, i) in [(3, 37, 1), (2, 5, 11)] {
            let x = pseudoRandom(o * a * i, seed: 9, scale: 10).map { Float($0) }
            for log in [false, true] {
                var y = x
                y.withUnsafeMutableBufferPointer { p in
                    Softmax.forward(UnsafePointer(p.baseAddress!), p.baseAddress!, outer: o, axis: a, inner: i, log: log)
                }
                #expect(y == runSoftmax(x, o, a, i, log: log))
            }
        }
    }
}

/// Thread count is global: changed here one test at a time, and restored.
@Suite(.serialized) struct SoftmaxThreading {
    @Test func sameBitsForEveryThreadCount() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        for (o, a, i) in [(257, 300, 1), (64, 50, 37), (1, 70_000, 1), (3000, 20, 1)] {
            let xf = pseudoRandom(o * a * i, seed: UInt64(a), scale: 20).map { Float($0) }
            let xd = xf.map { Double($0) }
            var first: ([Float], [Float], [Float], [Double])? = nil
            for threads in 1...4 {
                Threading.threadCount = threads
                let r = (runSoftmax(xf, o, a, i, log: false), runSoftmax(xf, o, a, i, log: true),
                         runLogSumExp(xf, o, a, i), runSoftmax(xd, o, a, i, log: false))
                if let f = first {
                    #expect(r.0 == f.0 && r.1 == f.1 && r.2 == f.2 && r.3 == f.3,
                            "\(o)x\(a)x\(i), threads = \(threads)")
                } else {
                    first = r
                }
            }
        }
    }
}
