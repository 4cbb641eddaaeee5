import Glassbox
import GlassboxKernels

/// `glassbox bench cnn`: one Adam training step of the seed CNN (``makeSeedCNN(classCount:generator:)``)
/// on a random batch, in images per second — the figure `Benchmarks/torch_cnn.py` sets beside
/// PyTorch's.
///
/// After 5 warm-up steps, steps run for `seconds` in 5 equal slices; the median slice rate is
/// reported. With `json`, one JSON object is printed as the last line.
func runCNNBenchmark(batchSize: Int, seconds: Double, threads: Int?, json: Bool) -> Int32 {
    if let threads { Threading.threadCount = threads }
    var generator = RandomGenerator(seed: 0)
    let model: Sequential<Float> = makeSeedCNN(generator: &generator)
    let optimizer = Adam(model.parameters, lr: 1e-3)
    let images = Tensor<Float>.randn([batchSize, 1, 28, 28], generator: &generator)
    let labels = IndexTensor((0..<batchSize).map { _ in generator.nextInt(below: 10) }, shape: [batchSize])
    func step() {
        optimizer.zeroGrad()
        let loss = crossEntropy(model(images), labels)
        loss.backward()
        optimizer.step()
    }
    let rate = medianRate(batchSize: batchSize, seconds: seconds, warmUp: 5, step: step)
    let configuration = BuildConfiguration.name
    if json {
        Console.out(
            "{\"benchmark\":\"cnn\",\"batch_size\":\(batchSize),\"threads\":\(Threading.threadCount),"
                + "\"images_per_second\":\(TextFormat.fixed(rate, decimals: 1)),"
                + "\"milliseconds_per_step\":\(TextFormat.fixed(1000 * Double(batchSize) / rate, decimals: 3)),"
                + "\"configuration\":\"\(configuration)\"}")
    } else {
        Console.out(
            "cnn training step, batch \(batchSize), \(Threading.threadCount) threads, \(configuration) build: "
                + "\(TextFormat.fixed(rate, decimals: 0)) images/s "
                + "(\(TextFormat.fixed(1000 * Double(batchSize) / rate, decimals: 2)) ms per step)")
    }
    return 0
}
