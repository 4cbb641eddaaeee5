import Glassbox
import GlassboxIO
import GlassboxKernels
import GlassboxONNX

/// `glassbox bench onnx`: inference of an ONNX model on Glassbox's ONNX runtime, in samples per
/// second — on Glassbox tensors (`ONNXSession.runOnTensors`, the fast path) and, with `plain`,
/// on the plain executor (the `Double` reference path, one timed run). The model is the seed CNN exported by
/// `ONNXExport` (seed 0, batch `batchSize` of 1×28×28; written to `out` when given, so that
/// `Scripts/bench_onnx.py` can run the same file in onnxruntime), or the file `model`, whose
/// inputs get the declared shapes with `batchSize` for every symbolic dimension. Inputs are
/// uniform in [−1, 1) (integer inputs 0). With `json`, one JSON object is the last line.
func runONNXBenchmark(
    model path: String?, out: String?, batchSize: Int, seconds: Double, threads: Int?, plain: Bool, json: Bool
) throws -> Int32 {
    do {
        return try benchmarkONNX(model: path, out: out, batchSize: batchSize, seconds: seconds, threads: threads, plain: plain, json: json)
    } catch let error as ONNXError {
        throw CLIError.failure("bench onnx: \(error.message)")
    }
}

private func benchmarkONNX(
    model path: String?, out: String?, batchSize: Int, seconds: Double, threads: Int?, plain: Bool, json: Bool
) throws -> Int32 {
    if let threads { Threading.threadCount = threads }
    let session: ONNXSession
    if let path {
        session = try ONNXSession(path: path)
    } else {
        var generator = RandomGenerator(seed: 0)
        let cnn: Sequential<Float> = makeSeedCNN(generator: &generator)
        cnn.eval()
        let model = try ONNXExport.model(cnn, inputShape: [nil, 1, 28, 28])
        if let out { try ONNXExport.write(model, to: out) }
        session = try ONNXSession(model: model)
    }
    var generator = RandomGenerator(seed: 1)
    var inputs: [String: ONNXValue] = [:]
    var batch = batchSize
    for (k, name) in session.inputNames.enumerated() {
        let info = session.model.graph.inputs.first { $0.name == name }!
        guard case .tensor(let rawType, let dims?) = info.type, let dtype = ONNXDataType(rawValue: rawType) else {
            throw CLIError.failure("bench onnx: graph input '\(name)' has no tensor shape")
        }
        let shape = dims.map { if case .value(let v) = $0 { Int(v) } else { batchSize } }
        if k == 0 { batch = shape.first ?? 1 }
        let count = shape.reduce(1, *)
        inputs[name] = .tensor(
            dtype.isFloatingPoint
                ? ONNXTensor(dtype: dtype, shape: shape, reals: (0..<count).map { _ in 2 * generator.nextUniform() - 1 })
                : ONNXTensor(dtype: dtype, shape: shape, ints: [Int64](repeating: 0, count: count)))
    }
    let name = path.map { String($0.split(separator: "/").last ?? "") } ?? "seed-cnn"
    _ = try session.runOnTensors(inputs)  // errors surface here, once
    let tensorRate = medianRate(batchSize: batch, seconds: seconds, warmUp: 1) { _ = try? session.runOnTensors(inputs) }
    var plainRate: Double? = nil
    if plain {
        let clock = Stopwatch()
        _ = try session.run(inputs)
        plainRate = Double(batch) / clock.seconds
    }
    let configuration = BuildConfiguration.name
    func ms(_ rate: Double) -> String { TextFormat.fixed(1000 * Double(batch) / rate, decimals: 3) }
    if json {
        Console.out(
            "{\"benchmark\":\"onnx\",\"model\":\"\(name)\",\"batch_size\":\(batch),\"threads\":\(Threading.threadCount),"
                + "\"milliseconds_per_batch\":\(ms(tensorRate)),"
                + (plainRate.map { "\"plain_milliseconds_per_batch\":\(ms($0))," } ?? "")
                + "\"configuration\":\"\(configuration)\"}")
    } else {
        Console.out(
            "onnx \(name) inference, batch \(batch), \(Threading.threadCount) threads, \(configuration) build: "
                + "\(ms(tensorRate)) ms per batch on tensors"
                + (plainRate.map { ", \(ms($0)) ms on the plain executor" } ?? ""))
    }
    return 0
}
