// PLACEHOLDER until the gemm branch lands: its BenchGEMM.swift replaces this file. Same
// signature; this version times the current `gemm` from GlassboxKernels naively.
import GlassboxKernels

/// Times an `N×N·N×N` single-precision GEMM and prints GFLOP/s (or one JSON object with
/// `--json`). Returns the process exit status.
func runGEMMBenchmark(size: Int, threads: Int?, json: Bool) -> Int32 {
    if let threads { Threading.threadCount = threads }
    let n = size
    var a = [Float](repeating: 0, count: n * n)
    var b = [Float](repeating: 0, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    for i in 0..<(n * n) {
        a[i] = Float(i % 7) * 0.25 - 0.75
        b[i] = Float(i % 5) * 0.5 - 1
    }
    func once() {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(
                        .none, .none, m: n, n: n, k: n, alpha: 1, a: pa.baseAddress!, lda: n,
                        b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
    }
    once()  // warm-up
    var repetitions = 0
    let clock = Stopwatch()
    repeat {
        once()
        repetitions += 1
    } while clock.seconds < 0.5
    let seconds = clock.seconds / Double(repetitions)
    let gflops = 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9
    if json {
        Console.out(
            "{\"benchmark\":\"gemm\",\"size\":\(n),\"threads\":\(Threading.threadCount),"
                + "\"repetitions\":\(repetitions),\"seconds\":\(seconds),\"gflops\":\(gflops)}")
    } else {
        Console.out(
            "gemm \(n)x\(n)x\(n) f32, \(Threading.threadCount) threads: "
                + "\(TextFormat.fixed(seconds * 1e3, decimals: 2)) ms, \(TextFormat.fixed(gflops, decimals: 2)) GFLOP/s")
    }
    return 0
}
