import Glassbox
import GlassboxKernels
#if canImport(Glibc)
import Glibc
#endif

/// The `convpass` mode: each kernel pass (forward, backward data, backward weight) of the
/// convolutions of `train gan` and `train ddpm`, alone, Float, in milliseconds per call and
/// GFLOP/s (2·N·O·P·K per pass). For choosing a kernel path by measurement. Timed in process
/// CPU time (the minimum of 5 samples), which a machine shared with other jobs inflates less
/// than wall-clock time.
enum ConvolutionPassBenchmark {
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Milliseconds of CPU time per call of `body`: the least of 5 samples of at least 0.1 s.
    static func milliseconds(_ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<5 {
            let start = cpuSeconds()
            var repetitions = 0
            repeat {
                body()
                repetitions += 1
            } while cpuSeconds() - start < 0.1
            best = Swift.min(best, (cpuSeconds() - start) / Double(repetitions) * 1e3)
        }
        return best
    }

    static func geometry(
        _ n: Int, _ c: Int, _ o: Int, _ size: Int, kernel: Int, stride: Int, padding: Int
    ) -> ConvolutionGeometry {
        let out = ConvolutionGeometry.outputLength(input: size, kernel: kernel, stride: stride, padding: 2 * padding, dilation: 1)
        return ConvolutionGeometry(
            batch: n, inputChannels: c, outputChannels: o, inputHeight: size, inputWidth: size, outputHeight: out,
            outputWidth: out, kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
            paddingTop: padding, paddingLeft: padding)
    }

    /// The layers, by name.
    static let layers: [(String, ConvolutionGeometry)] = [
        ("gan 1→64 28² k4s2", geometry(64, 1, 64, 28, kernel: 4, stride: 2, padding: 1)),
        ("gan 64→128 14² k4s2", geometry(64, 64, 128, 14, kernel: 4, stride: 2, padding: 1)),
        ("ddpm 16→16 28²", geometry(128, 16, 16, 28, kernel: 3, stride: 1, padding: 1)),
        ("ddpm 32→16 28²", geometry(128, 32, 16, 28, kernel: 3, stride: 1, padding: 1)),
        ("ddpm 16→16 28² s2", geometry(128, 16, 16, 28, kernel: 3, stride: 2, padding: 1)),
        ("ddpm 16→32 14²", geometry(128, 16, 32, 14, kernel: 3, stride: 1, padding: 1)),
        ("ddpm 32→32 14²", geometry(128, 32, 32, 14, kernel: 3, stride: 1, padding: 1)),
        ("ddpm 64→32 14²", geometry(128, 64, 32, 14, kernel: 3, stride: 1, padding: 1)),
        ("ddpm 32→32 14² s2", geometry(128, 32, 32, 14, kernel: 3, stride: 2, padding: 1)),
        ("ddpm 32→32 7²", geometry(128, 32, 32, 7, kernel: 3, stride: 1, padding: 1)),
        ("cnn 32→64 13²", geometry(64, 32, 64, 13, kernel: 3, stride: 1, padding: 0)),
    ]

    static func run(threadCounts: [Int], filter: String?) {
        print("configuration \(BuildConfiguration.name): convolution kernel passes, Float, CPU ms per call (GFLOP/s)")
        print("layer\tthreads\tforward\tbackwardData\tbackwardWeight")
        for threads in threadCounts {
            Threading.threadCount = threads
            for (name, g) in layers where filter.map({ name.contains($0) }) ?? true {
                var r = RandomGenerator(seed: 1)
                let x = Tensor<Float>.randn([g.inputCount], generator: &r).scalars
                let w = Tensor<Float>.randn([g.weightCount], generator: &r).scalars
                let dy = Tensor<Float>.randn([g.outputCount], generator: &r).scalars
                var y = [Float](repeating: 0, count: g.outputCount)
                var dx = [Float](repeating: 0, count: g.inputCount)
                var dw = [Float](repeating: 0, count: g.weightCount)
                let flop = 2.0 * Double(g.outputCount) * Double(g.taps)
                func cell(_ ms: Double) -> String { "\((ms * 100).rounded() / 100) (\(Int((flop / ms / 1e6).rounded())))" }
                let f = milliseconds {
                    Convolution.forward(g, input: x, weight: w, bias: nil, output: &y)
                }
                let d = milliseconds {
                    Convolution.backwardData(g, gradOutput: dy, weight: w, bias: nil, gradInput: &dx)
                }
                let b = milliseconds {
                    Convolution.backwardWeight(g, input: x, gradOutput: dy, gradWeight: &dw)
                }
                print("\(name)\t\(threads)\t\(cell(f))\t\(cell(d))\t\(cell(b))")
            }
        }
    }
}
