import Glassbox
import Testing

@Suite("vision models")
struct VisionModelTests {
    @Test(
        "parameter counts, PyTorch state_dict names and output shapes",
        arguments: [
            ("cnn", 225_034, ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"]),
            ("lenet", 61_706, ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight", "11.bias"]),
            ("vgg", 871_082, [
                "0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight",
            ]),
            ("seqmnist", 821_770, ["1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0", "1.bias_hh_l0", "1.weight_ih_l1"]),
            ("vit", 139_018, [
                "0.cls_token", "0.pos_embed", "0.proj.weight", "0.proj.bias", "1.layers.0.self_attn.in_proj_weight",
                "1.layers.0.self_attn.in_proj_bias", "1.layers.0.self_attn.out_proj.weight",
            ]),
        ])
    func shapes(name: String, parameterCount: Int, firstEntries: [String]) {
        var g = RandomGenerator(seed: 0)
        let model = Self.model(name, generator: &g)
        #expect(model.parameterCount == parameterCount)
        #expect(Array(model.stateDict().map(\.name).prefix(firstEntries.count)) == firstEntries)
    }

    // A forward pass of the VGG or the sequential-MNIST LSTM takes tens of seconds in a debug build.
    @Test("a batch of two images gives two rows of ten logits", .slow, arguments: ["cnn", "lenet", "vgg", "seqmnist", "vit"])
    func outputShape(name: String) {
        var g = RandomGenerator(seed: 0)
        let model = Self.model(name, generator: &g)
        let x = Tensor<Float>.randn([2, 1, 28, 28], generator: &g)
        #expect(model.predict(x).shape == [2, 10])
    }

    static func model(_ name: String, generator g: inout RandomGenerator) -> Sequential<Float> {
        switch name {
        case "cnn": makeSeedCNN(generator: &g)
        case "lenet": makeLeNet5(generator: &g)
        case "vit": makeVisionTransformer(generator: &g)
        case "seqmnist": makeSequentialMNIST(generator: &g)
        default: makeSmallVGG(generator: &g)
        }
    }
}
