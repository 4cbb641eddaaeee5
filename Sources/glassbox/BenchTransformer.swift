import Glassbox
import GlassboxKernels

/// `glassbox bench transformer`: forward and backward of one `TransformerEncoderLayer`
/// (d_model 128, 4 heads, feed-forward 512, dropout 0, batch-first) on a random batch of
/// `batchSize` sequences of `length` tokens, in sequences per second — the figure
/// `Benchmarks/torch_transformer.py` sets beside PyTorch's. The loss is `output.sum()`; the
/// parameters' gradients are cleared before each step.
///
/// After 3 warm-up steps, steps run for `seconds` in 5 equal slices; the median slice rate is
/// reported. With `json`, one JSON object is printed as the last line.
func runTransformerBenchmark(batchSize: Int, length: Int, seconds: Double, threads: Int?, json: Bool) -> Int32 {
    if let threads { Threading.threadCount = threads }
    var generator = RandomGenerator(seed: 0)
    let layer = TransformerEncoderLayer<Float>(
        dModel: 128, nhead: 4, dimFeedforward: 512, dropout: 0, batchFirst: true, generator: &generator)
    let input = Tensor<Float>.randn([batchSize, length, 128], generator: &generator)
    func step() {
        layer.zeroGrad()
        layer(input).sum().backward()
    }
    let rate = medianRate(batchSize: batchSize, seconds: seconds, warmUp: 3, step: step)
    let configuration = BuildConfiguration.name
    if json {
        Console.out(
            "{\"benchmark\":\"transformer\",\"batch_size\":\(batchSize),\"length\":\(length),\"threads\":\(Threading.threadCount),"
                + "\"sequences_per_second\":\(TextFormat.fixed(rate, decimals: 1)),"
                + "\"configuration\":\"\(configuration)\"}")
    } else {
        Console.out(
            "transformer encoder layer forward+backward, batch \(batchSize) × \(length) tokens, \(Threading.threadCount) threads, "
                + "\(configuration) build: \(TextFormat.fixed(rate, decimals: 0)) sequences/s")
    }
    return 0
}
