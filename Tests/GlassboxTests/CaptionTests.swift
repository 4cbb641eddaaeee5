import Glassbox
import Testing

/// The ``Captioner``: shapes and names, greedy decoding's stop at `<eos>`, and (release
/// builds: it trains a CNN) that a short training run learns to caption digit strips.
@Suite("Captioner: CNN encoder + GRU decoder on digit strips")
struct CaptionTests {
    static let vocabularySize = DigitStrips.vocabulary.count

    @Test("shapes: state [N, H], teacher-forced logits [N, T, V], PyTorch-style names")
    func shapes() {
        var g = RandomGenerator(seed: 1)
        let model = Captioner<Float>(hiddenSize: 16, generator: &g)
        let images = Tensor<Float>.randn([2, 1, 28, 84], generator: &g)
        #expect(model.encoder(images).shape == [2, 16])
        #expect(model.decoder.inputSize == 32 + 16)
        let words = IndexTensor([1, 10, 5, 3, 1, 4, 4, 12], shape: [2, 4])
        #expect(model(images, words: words).shape == [2, 4, Self.vocabularySize])
        let names = model.namedParameters().map(\.name)
        #expect(
            names == [
                "encoder.0.weight", "encoder.0.bias", "encoder.3.weight", "encoder.3.bias", "encoder.7.weight", "encoder.7.bias",
                "embedding.weight", "decoder.weight_ih_l0", "decoder.weight_hh_l0", "decoder.bias_ih_l0", "decoder.bias_hh_l0",
                "fc.weight", "fc.bias",
            ])
        #expect(model.encoder.layers[7].namedParameters()[0].tensor.shape == [16, 32 * 5 * 19])
    }

    @Test("the loss is the cross-entropy of each next word, padding ignored")
    func lossIsNextWordCrossEntropy() {
        var g = RandomGenerator(seed: 2)
        let model = Captioner<Double>(hiddenSize: 8, generator: &g)
        let images = Tensor<Double>.randn([2, 1, 28, 84], generator: &g)
        let captions = PaddedSequences([[1, 3, 4, 2], [1, 5, 2]])
        let inputs = IndexTensor([1, 3, 4, 1, 5, 2], shape: [2, 3])
        let logits = model(images, words: inputs).reshaped([6, Self.vocabularySize])
        let expected = crossEntropy(logits, IndexTensor([3, 4, 2, 5, 2, 0]), ignoreIndex: Vocabulary.padding)
        #expect(abs(model.loss(images, captions: captions).item - expected.item) < 1e-12)
    }

    @Test("greedy decoding stops at <eos>, or after maxLength words")
    func greedyDecodeStopsAtEnd() {
        var g = RandomGenerator(seed: 3)
        let model = Captioner<Float>(hiddenSize: 8, generator: &g)
        let images = Tensor<Float>.randn([3, 1, 28, 84], generator: &g)
        let seven = DigitStrips.vocabulary.id(of: "seven")!
        func favour(_ id: Int) {
            model.fc.weight.assign(Tensor.zeros(model.fc.weight.shape))
            model.fc.bias!.assign(Tensor((0..<Self.vocabularySize).map { $0 == id ? Float(10) : 0 }, shape: [Self.vocabularySize]))
        }
        favour(Vocabulary.end)
        #expect(model.greedyDecode(images) == [[], [], []])
        favour(seven)
        #expect(model.greedyDecode(images) == [[Int]](repeating: [seven, seven, seven, seven], count: 3))
        #expect(model.greedyDecode(images, maxLength: 2) == [[Int]](repeating: [seven, seven], count: 3))
    }

    @Test(
        "a short training run learns: loss falls and most test strips are captioned exactly",
        .slow)
    func shortTrainingLearns() throws {
        let digits = try MNIST.embedded(split: .train).subset(Array(0..<6000))
        let test = DigitStrips.make(from: try MNIST.embedded(split: .test), count: 300, seed: 2)
        var g = RandomGenerator(seed: 4)
        let model = Captioner<Float>(generator: &g)
        let task = CaptionTask(model: model, digits: digits, batchSize: 32, optimizer: Adam(model.parameters, lr: 2e-3), seed: 5)
        var first = Double.nan
        let records = try Trainer(task, epochs: 1).run { event in
            if case .step(_, let step, let loss, _, _) = event, step == 1 { first = loss }
        }
        let last = records[0].loss
        #expect(first > 2 && last < first / 2, "loss \(first) → \(last)")
        let correct = model.exactMatches(on: test)
        #expect(correct > 60, "\(correct)/300 exact")  // chance: 0.3
    }
}
