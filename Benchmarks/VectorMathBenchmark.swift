// Throughput of the Float vector math functions (VectorMath.exp/log/tanh/sigmoid/erf) against
// the libm loop, one thread: the figure in Docs/Kernels.md. Best of 3 timings of 400 passes over
// 2^16 elements each.
//
//   .build/release/Benchmarks vmath [--json]
import Glassbox
import GlassboxKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum VectorMathBenchmark {
    typealias BufferFunction = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    /// Elements per second of `body` over `input`, the best of three timings.
    static func rate(_ input: [Float], _ body: BufferFunction) -> Double {
        let n = input.count
        let reps = 400
        var output = [Float](repeating: 0, count: n)
        var best = Double.infinity
        for _ in 0..<3 {
            let clock = ContinuousClock()
            let time = clock.measure {
                input.withUnsafeBufferPointer { x in
                    output.withUnsafeMutableBufferPointer { y in
                        for _ in 0..<reps { body(x.baseAddress!, y.baseAddress!, n) }
                    }
                }
            }
            best = min(best, Double(time.components.seconds) + Double(time.components.attoseconds) * 1e-18)
        }
        return Double(n * reps) / best
    }

    static func run(json: Bool) {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        Threading.threadCount = 1
        let n = 1 << 16
        let xs: [Float] = (0..<n).map { Float($0) / Float(n) * 16 - 8 }
        let positive: [Float] = xs.map { Swift.abs($0) + 0.001 }
        let cases: [(String, [Float], BufferFunction, BufferFunction)] = [
            ("exp", xs, { VectorMath.exp($0, $1, count: $2) }, { x, y, n in for i in 0..<n { y[i] = expf(x[i]) } }),
            ("log", positive, { VectorMath.log($0, $1, count: $2) }, { x, y, n in for i in 0..<n { y[i] = logf(x[i]) } }),
            ("tanh", xs, { VectorMath.tanh($0, $1, count: $2) }, { x, y, n in for i in 0..<n { y[i] = tanhf(x[i]) } }),
            ("sigmoid", xs, { VectorMath.sigmoid($0, $1, count: $2) }, { x, y, n in for i in 0..<n { y[i] = 1 / (1 + expf(-x[i])) } }),
            ("erf", xs, { VectorMath.erf($0, $1, count: $2) }, { x, y, n in for i in 0..<n { y[i] = erff(x[i]) } }),
        ]
        for (name, input, simd, libm) in cases {
            let a = rate(input, simd), b = rate(input, libm)
            if json {
                print("{\"function\":\"\(name)\",\"simd_per_second\":\(a),\"libm_per_second\":\(b),\"configuration\":\"\(BuildConfiguration.name)\"}")
            } else {
                print("\(name): SIMD \(Int(a / 1e6)) M elem/s, libm loop \(Int(b / 1e6)) M elem/s, speed-up ×\((a / b * 10).rounded() / 10)")
            }
        }
    }
}
