#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Times square GEMMs, for `glassbox bench gemm` and the `Benchmarks` executable.
public enum GEMMBenchmark {
    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The median GFLOP/s of `samples` timings of an `n × n · n × n` GEMM of `T`, each timing
    /// repeating the GEMM for at least `minimumSeconds`, after one warm-up.
    public static func gflops<T: KernelScalar>(
        _: T.Type, size n: Int, samples: Int = 5, minimumSeconds: Double = 0.2
    ) -> Double {
        let count = n * n
        let a = UnsafeMutablePointer<T>.allocate(capacity: count)
        let b = UnsafeMutablePointer<T>.allocate(capacity: count)
        let c = UnsafeMutablePointer<T>.allocate(capacity: count)
        defer {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
        for i in 0..<count {
            a[i] = T(i % 7) * 0.25 - 0.75
            b[i] = T(i % 5) * 0.5 - 1
        }
        func once() {
            gemm(.none, .none, m: n, n: n, k: n, alpha: 1, a: a, lda: n, b: b, ldb: n, beta: 0, c: c, ldc: n)
        }
        once()
        var results: [Double] = []
        for _ in 0..<Swift.max(1, samples) {
            var repetitions = 0
            let start = now()
            repeat {
                once()
                repetitions += 1
            } while now() - start < minimumSeconds
            let seconds = (now() - start) / Double(repetitions)
            results.append(2 * Double(n) * Double(n) * Double(n) / seconds / 1e9)
        }
        results.sort()
        return results[results.count / 2]
    }
}
