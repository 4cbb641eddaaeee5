import Glassbox
import GlassboxIO
import GlassboxONNX
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Exported Glassbox models, read back and run by the ONNX runtime, give Glassbox's outputs.
@Suite struct ONNXExportTests {
    /// Where `GLASSBOX_ONNX_EXPORT_DIR` names a folder, each exported model is also written
    /// there as `<name>.onnx` with `<name>.input.npy` and Glassbox's `<name>.expected.npy`, for
    /// `Scripts/check_onnx_export.py` (onnxruntime) to check.
    static func keep(_ model: ONNXModel, _ name: String, input: ArrayData, expected: Tensor<Float>) throws {
        guard let directory = getenv("GLASSBOX_ONNX_EXPORT_DIR").map({ String(cString: $0) }) else { return }
        try ONNXExport.write(model, to: "\(directory)/\(name).onnx")
        try NPY.write(input, to: "\(directory)/\(name).input.npy")
        try NPY.write(expected.arrayData, to: "\(directory)/\(name).expected.npy")
    }

    /// Runs `model` through a serialised round trip on `input` and returns the largest
    /// difference from `expected` relative to 1 + |expected|.
    static func roundTrip(_ model: ONNXModel, _ name: String, input: Tensor<Float>, expected: Tensor<Float>) throws -> Double {
        try keep(model, name, input: input.arrayData, expected: expected)
        let session = try ONNXSession(model: ONNXModel(serialized: model.serialized()))
        let feed = ONNXTensor(dtype: .float, shape: input.shape, reals: input.scalars.map(Double.init))
        let outputs = try session.run(["input": .tensor(feed)])
        let output = try outputs[0].tensor("output")
        #expect(output.shape == expected.shape)
        return zip(output.reals, expected.scalars).map { abs($0 - Double($1)) / (1 + abs(Double($1))) }.max() ?? 0
    }

    static func images(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var g = RandomGenerator(seed: seed)
        return Tensor<Float>.randn(shape, generator: &g)
    }

    // The runtime's Double convolutions over these models take over a minute in a debug build.
    @Test("image classifiers (seed CNN, LeNet-5, small VGG with BatchNorm) match Glassbox", .slow, arguments: ["cnn", "lenet", "vgg"])
    func classifiers(_ name: String) throws {
        var g = RandomGenerator(seed: 3)
        let model: Sequential<Float> =
            switch name {
            case "cnn": makeSeedCNN(generator: &g)
            case "lenet": makeLeNet5(generator: &g)
            default: makeSmallVGG(generator: &g)
            }
        // Running statistics away from 0/1, so that the export must carry them.
        _ = model(Self.images([8, 1, 28, 28], seed: 4) * 2 + 0.5)
        model.eval()
        let x = Self.images([3, 1, 28, 28], seed: 5)
        let expected = withoutGrad { model(x) }
        let exported = try ONNXExport.model(model, inputShape: [nil, 1, 28, 28], name: name)
        #expect(exported.graph.initializers.map(\.name).contains("0.weight"))
        #expect(try Self.roundTrip(exported, name, input: x, expected: expected) < 1e-5)
    }

    @Test func mlpAndLSTM() throws {
        var g = RandomGenerator(seed: 6)
        let mlp = MLP<Float>(generator: &g)
        let x = Self.images([4, 64], seed: 7)
        #expect(try Self.roundTrip(try ONNXExport.model(mlp), "mlp", input: x, expected: withoutGrad { mlp(x) }) < 1e-5)

        let lstm: Sequential<Float> = makeLSTMNet(inputSize: 5, hiddenSize: 6, numLayers: 2, classCount: 3, generator: &g)
        let sequences = Self.images([2, 4, 5], seed: 8)
        let exported = try ONNXExport.model(lstm, inputShape: [nil, 4, 5])
        #expect(try Self.roundTrip(exported, "lstmnet", input: sequences, expected: withoutGrad { lstm(sequences) }) < 1e-5)

        let bidirectional = Sequential<Float>(LSTM(inputSize: 3, hiddenSize: 4, batchFirst: false, bidirectional: true, generator: &g))
        let steps = Self.images([5, 2, 3], seed: 9)
        #expect(try Self.roundTrip(
            try ONNXExport.model(bidirectional, inputShape: [5, nil, 3]), "bilstm", input: steps, expected: withoutGrad { bidirectional(steps) }) < 1e-5)
    }

    @Test func gpt() throws {
        var g = RandomGenerator(seed: 10)
        let gpt = GPT<Float>(GPTConfig(vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0.1), generator: &g)
        gpt.eval()
        let exported = try ONNXExport.model(gpt)
        let session = try ONNXSession(model: ONNXModel(serialized: exported.serialized()))
        for length in [1, 5, 8] {
            let ids = (0..<(2 * length)).map { ($0 * 7 + 3) % 11 }
            let expected = withoutGrad { gpt(IndexTensor(ids, shape: [2, length])) }
            let feed = ONNXTensor(dtype: .int64, shape: [2, length], ints: ids.map { Int64($0) })
            try Self.keep(exported, "gpt_t\(length)", input: ArrayData(int64s: ids.map { Int64($0) }, shape: [2, length]), expected: expected)
            let output = try session.run(["input": .tensor(feed)])[0].tensor("output")
            #expect(output.shape == [2, length, 11])
            let error = zip(output.reals, expected.scalars).map { abs($0 - Double($1)) / (1 + abs(Double($1))) }.max() ?? 0
            #expect(error < 1e-5, "T = \(length)")
        }
    }

    @Test func unsupportedLayersAreNamed() {
        var g = RandomGenerator(seed: 1)
        let model = Sequential<Float>(Linear(inFeatures: 2, outFeatures: 2, generator: &g), Softplus(beta: 2))
        #expect(throws: ONNXError("export: layer 1 (Softplus<Float>) has no ONNX export")) {
            try ONNXExport.model(model, inputShape: [nil, 2])
        }
    }
}
