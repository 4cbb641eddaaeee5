import Glassbox
import GlassboxKernels

/// Times an `N×N·N×N` GEMM in Float and Double (median of 5) and prints GFLOP/s, or with
/// `json` one JSON object as the last line. Returns the process exit status.
func runGEMMBenchmark(size: Int, threads: Int?, json: Bool) -> Int32 {
    if let threads { Threading.threadCount = threads }
    let n = size
    let single = GEMMBenchmark.gflops(Float.self, size: n)
    let double = GEMMBenchmark.gflops(Double.self, size: n)
    let configuration = BuildConfiguration.name
    let kernel = BuildConfiguration.gemmKernel(for: Float.self)
    if json {
        Console.out(
            "{\"benchmark\":\"gemm\",\"size\":\(n),\"threads\":\(Threading.threadCount),\"scalar\":\"f32\","
                + "\"gflops\":\(TextFormat.fixed(single, decimals: 2)),\"gflops_double\":\(TextFormat.fixed(double, decimals: 2)),"
                + "\"configuration\":\"\(configuration)\",\"kernel\":\"\(kernel)\","
                + "\"kernel_double\":\"\(BuildConfiguration.gemmKernel(for: Double.self))\"}")
    } else {
        Console.out(
            "gemm \(n)x\(n)x\(n), \(Threading.threadCount) threads, \(configuration) build (\(kernel)): "
                + "f32 \(TextFormat.fixed(single, decimals: 1)) GFLOP/s, f64 \(TextFormat.fixed(double, decimals: 1)) GFLOP/s")
    }
    return 0
}
