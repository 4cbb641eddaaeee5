import Testing
import Glassbox

/// Every model and composite layer of the library registers each module and trainable tensor
/// it stores (``Module/unregisteredMembers()``), so none silently drops out of `state_dict`,
/// the optimizer or `train()`/`eval()`.
@Suite struct ModuleRegistrationTests {
    typealias T = Double

    /// One instance of each model of `Models/` and each composite layer of `NN/`, small.
    static func models() -> [(String, any Module<T>)] {
        var g = RandomGenerator(seed: 1)
        let unet = UNet<T>(baseChannels: 8, attention: true, generator: &g)
        return [
            ("MLP", MLP<T>(generator: &g)),
            ("SeedCNN", makeSeedCNN(generator: &g) as Sequential<T>),
            ("LeNet5", makeLeNet5(generator: &g) as Sequential<T>),
            ("SmallVGG", makeSmallVGG(generator: &g) as Sequential<T>),
            ("VisionTransformer", makeVisionTransformer(dModel: 16, heads: 2, layers: 2, feedForward: 32, generator: &g) as Sequential<T>),
            ("SequentialMNIST", makeSequentialMNIST(generator: &g) as Sequential<T>),
            ("CharLSTM", CharLSTM<T>(vocabSize: 7, embeddingDim: 4, hiddenSize: 8, numLayers: 2, generator: &g)),
            ("GPT", GPT<T>(GPTConfig(vocabSize: 7, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0.1), generator: &g)),
            ("Captioner", Captioner<T>(generator: &g)),
            ("Forecaster/lstm", Forecaster<T>(cell: .lstm, hiddenSize: 4, generator: &g)),
            ("Forecaster/gru", Forecaster<T>(cell: .gru, hiddenSize: 4, generator: &g)),
            ("Seq2Seq/gru", Seq2Seq<T>(sourceVocabularySize: 9, targetVocabularySize: 8, embeddingDim: 4, hiddenSize: 6, generator: &g)),
            ("Seq2Seq/lstm", Seq2Seq<T>(
                sourceVocabularySize: 9, targetVocabularySize: 8, embeddingDim: 4, hiddenSize: 6, cell: .lstm, bidirectional: false,
                generator: &g)),
            ("TransformerSeq2Seq", TransformerSeq2Seq<T>(
                sourceVocabularySize: 9, targetVocabularySize: 8, dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1,
                dimFeedforward: 16, generator: &g)),
            ("MLPAutoencoder", MLPAutoencoder<T>(generator: &g)),
            ("ConvAutoencoder", ConvAutoencoder<T>(generator: &g)),
            ("VAE", VAE<T>(generator: &g)),
            ("GAN", GAN<T>(
                generator: makeDCGANGenerator(latentSize: 8, width: 8, generator: &g),
                discriminator: makeDCGANDiscriminator(width: 8, minibatchKernels: 4, generator: &g), latentSize: 8)),
            ("UNet", unet),
            ("MultiheadAttention", MultiheadAttention<T>(embedDim: 8, numHeads: 2, generator: &g)),
            ("TransformerEncoderLayer", TransformerEncoderLayer<T>(dModel: 8, nhead: 2, dimFeedforward: 16, generator: &g)),
            ("TransformerDecoderLayer", TransformerDecoderLayer<T>(dModel: 8, nhead: 2, dimFeedforward: 16, generator: &g)),
            ("LSTM", LSTM<T>(inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, generator: &g)),
            ("GRU", GRU<T>(inputSize: 3, hiddenSize: 4, numLayers: 2, generator: &g)),
            ("RNN", RNN<T>(inputSize: 3, hiddenSize: 4, numLayers: 2, generator: &g)),
        ]
    }

    @Test("every model registers what it stores", arguments: models().map(\.0))
    func registered(_ name: String) throws {
        let model = try #require(Self.models().first { $0.0 == name }?.1)
        #expect(model.unregisteredMembers() == [], "\(name)")
        #expect(!model.parameters.isEmpty, "\(name) has no parameters")
    }

    /// A model that stores a layer and a parameter it does not list.
    final class Forgetful: Layer {
        let fc1: Linear<T>
        let fc2: Linear<T>
        let scale: Tensor<T>
        let cache = Tensor<T>.zeros([2])  // not trainable: not reported
        var isTraining = true
        init() {
            var g = RandomGenerator(seed: 2)
            fc1 = Linear(inFeatures: 2, outFeatures: 2, generator: &g)
            fc2 = Linear(inFeatures: 2, outFeatures: 2, generator: &g)
            scale = Tensor.ones([2], requiresGrad: true)
        }
        var children: [(name: String, module: any Module<T>)] { [("fc1", fc1)] }
        func callAsFunction(_ input: Tensor<T>) -> Tensor<T> { fc2(fc1(input)) * scale }
    }

    @Test func forgottenRegistrationsAreFound() {
        #expect(Forgetful().unregisteredMembers() == ["fc2", "scale"])
        let nested = Sequential<T>(Forgetful(), ReLU())
        #expect(nested.unregisteredMembers() == ["0.fc2", "0.scale"])
    }
}
