/// A trained image classifier rebuilt from a checkpoint directory written by
/// `glassbox train cnn|lenet|vgg --out DIR`, with the pixel normalisation it was trained with.
public struct CheckpointedClassifier {
    /// The model's name in the catalog (`cnn`, `lenet`, ...).
    public let name: String
    /// The trained model, in evaluation mode.
    public let model: Sequential<Float>
    /// The pixel normalisation of its training.
    public let normalization: PixelNormalization
    /// The dataset it was trained on (for its class names).
    public let variant: MNIST.Variant

    /// Loads the checkpoint in `directory` (in evaluation mode).
    ///
    /// - Throws: ``TrainingSetupError/failure(_:)`` naming the file and what is wrong, prefixed
    ///   with `command`.
    public init(directory: String, command: String) throws {
        let metadata = try setupFailing(command) { try Checkpoint.metadata(in: directory) }
        guard let name = metadata["model"], let classifier = imageClassifiers.first(where: { $0.name == name }) else {
            throw TrainingSetupError.failure(
                "\(command): '\(Checkpoint.path(in: directory))' holds model '\(metadata["model"] ?? "?")', not an image classifier (one of: \(imageClassifiers.map(\.name).joined(separator: ", ")))")
        }
        guard let mean = metadata["normalization_mean"].flatMap(Double.init),
            let std = metadata["normalization_std"].flatMap(Double.init), std > 0
        else { throw TrainingSetupError.failure("\(command): '\(Checkpoint.path(in: directory))' lacks its pixel normalisation") }
        var generator = RandomGenerator(seed: 0)
        let model = classifier.make(&generator)
        _ = try setupFailing(command) { try Checkpoint.load(into: model, from: directory) }
        model.eval()
        self.name = name
        self.model = model
        self.normalization = PixelNormalization(mean: [mean], std: [std])
        self.variant = MNIST.Variant(rawValue: metadata["dataset"] ?? "") ?? .mnist
    }

    /// `[N, 1, 28, 28]` normalised inputs for 8-bit 28×28 images.
    public func inputs(_ pixels: [UInt8], count: Int) -> Tensor<Float> {
        let table = normalization.lookupTable(channels: 1, as: Float.self)
        return Tensor(pixels.map { table[Int($0)] }, shape: [count, 1, 28, 28])
    }
}
