import Glassbox
import GlassboxKernels

/// A sequence layer `glassbox bench` times: forward and backward on a random batch-first batch,
/// loss `output.sum()`, the parameters' gradients cleared before each step — the figure
/// `Benchmarks/torch_layers.py` sets beside PyTorch's for the same layer.
struct SequenceBenchmark: Sendable {
    /// The name after `bench`, and in the JSON line.
    let name: String
    /// The layer, in words, for the text line.
    let description: String
    /// Features per token of the input.
    let inputSize: Int
    /// Builds the layer.
    let make: @Sendable (inout RandomGenerator) -> any Layer<Float>

    /// One `TransformerEncoderLayer` (d_model 128, 4 heads, feed-forward 512, dropout 0).
    static let transformer = SequenceBenchmark(
        name: "transformer", description: "transformer encoder layer", inputSize: 128,
        make: { TransformerEncoderLayer<Float>(dModel: 128, nhead: 4, dimFeedforward: 512, dropout: 0, batchFirst: true, generator: &$0) })

    /// The seed LSTMNet's LSTM: 100 → 256, 2 layers.
    static let lstm = SequenceBenchmark(
        name: "lstm", description: "LSTM 100→256, 2 layers", inputSize: 100,
        make: { LSTM<Float>(inputSize: 100, hiddenSize: 256, numLayers: 2, batchFirst: true, generator: &$0) })

    /// After 3 warm-up steps, steps run for `seconds` in 5 equal slices; prints the median slice
    /// rate in sequences per second (with `json`, one JSON object as the last line); with
    /// `profiled`, the timed steps run under ``OpProfiler`` and its table goes to stderr.
    func run(batchSize: Int, length: Int, seconds: Double, threads: Int?, json: Bool, profiled: Bool = false) -> Int32 {
        if let threads { Threading.threadCount = threads }
        var generator = RandomGenerator(seed: 0)
        let layer = make(&generator)
        let input = Tensor<Float>.randn([batchSize, length, inputSize], generator: &generator)
        func step() {
            layer.zeroGrad()
            layer(input).sum().backward()
        }
        let rate: Double
        if profiled {
            let (measured, profile) = OpProfiler.profile { medianRate(batchSize: batchSize, seconds: seconds, warmUp: 3, step: step) }
            rate = measured
            Console.err(profile.table(top: 20))
        } else {
            rate = medianRate(batchSize: batchSize, seconds: seconds, warmUp: 3, step: step)
        }
        let configuration = BuildConfiguration.name
        if json {
            Console.out(
                "{\"benchmark\":\"\(name)\",\"batch_size\":\(batchSize),\"length\":\(length),\"threads\":\(Threading.threadCount),"
                    + "\"sequences_per_second\":\(TextFormat.fixed(rate, decimals: 1)),"
                    + "\"configuration\":\"\(configuration)\"}")
        } else {
            Console.out(
                "\(description) forward+backward, batch \(batchSize) × \(length) steps, \(Threading.threadCount) threads, "
                    + "\(configuration) build: \(TextFormat.fixed(rate, decimals: 0)) sequences/s")
        }
        return 0
    }
}
