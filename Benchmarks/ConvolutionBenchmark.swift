import Glassbox

/// The `conv` mode: the seed CNN's two convolution layers (batch 64, 28×28, Float), timed as
/// one training step needs them — conv1: forward, then the weight and bias gradients (its
/// input needs none); conv2: forward, then the input, weight and bias gradients — and the
/// forward pass alone. Medians of 9 timings, each repeating the pass for at least 0.2 s.
/// `Benchmarks/torch_conv.py` runs the same passes in PyTorch and prints the ratio.
enum ConvolutionBenchmark {
    struct Layer {
        let name: String
        let layer: Conv2d<Float>
        let input: Tensor<Float>
        let gradOutput: Tensor<Float>
    }

    static func layers() -> [Layer] {
        var g = RandomGenerator(seed: 1)
        let conv1 = Conv2d<Float>(inChannels: 1, outChannels: 32, kernelSize: 3, generator: &g)
        let conv2 = Conv2d<Float>(inChannels: 32, outChannels: 64, kernelSize: 3, generator: &g)
        return [
            Layer(
                name: "conv1", layer: conv1, input: .randn([64, 1, 28, 28], generator: &g),
                gradOutput: .randn([64, 32, 26, 26], generator: &g)),
            Layer(
                name: "conv2", layer: conv2, input: .randn([64, 32, 13, 13], generator: &g, requiresGrad: true),
                gradOutput: .randn([64, 64, 11, 11], generator: &g)),
        ]
    }

    /// Milliseconds per call of `body`: the median of `samples` timings after two warm-ups.
    static func milliseconds(samples: Int = 9, minimumSeconds: Double = 0.2, _ body: () -> Void) -> Double {
        body()
        body()
        var results: [Double] = []
        for _ in 0..<samples {
            let start = GEMMBenchmark.now()
            var repetitions = 0
            repeat {
                body()
                repetitions += 1
            } while GEMMBenchmark.now() - start < minimumSeconds
            results.append((GEMMBenchmark.now() - start) / Double(repetitions) * 1e3)
        }
        return results.sorted()[samples / 2]
    }

    static func run(threadCounts: [Int], json: Bool) {
        let layers = layers()
        if !json {
            print("configuration \(BuildConfiguration.name): seed CNN convolutions, batch 64, Float, ms per pass")
            print("layer\tthreads\tforward\tfwd+bwd")
        }
        for threads in threadCounts {
            Threading.threadCount = threads
            for l in layers {
                let wrt = (l.input.requiresGrad ? [l.input] : []) + l.layer.parameters
                let forward = milliseconds { _ = withoutGrad { l.layer(l.input) } }
                let step = milliseconds {
                    _ = Tensor.gradients(of: l.layer(l.input), withRespectTo: wrt, gradOutput: l.gradOutput)
                }
                if json {
                    print(
                        "{\"layer\":\"\(l.name)\",\"threads\":\(threads),\"forward\":\(forward),\"step\":\(step),\"configuration\":\"\(BuildConfiguration.name)\"}"
                    )
                } else {
                    print("\(l.name)\t\(threads)\t\((forward * 1000).rounded() / 1000)\t\((step * 1000).rounded() / 1000)")
                }
            }
        }
    }
}
