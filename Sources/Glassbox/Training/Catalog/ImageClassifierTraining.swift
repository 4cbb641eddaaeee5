import GlassboxIO

/// A convolutional classifier `glassbox train` can train on MNIST-style 28×28 images, and
/// that `predict` and `explain` rebuild from a checkpoint by its name.
public struct ImageClassifier: Sendable {
    /// The name given after `train`, stored in checkpoints as `model`.
    public let name: String
    /// One line of help.
    public let summary: String
    /// The settings used when an option is not given.
    public let defaults: TrainSettings
    /// Builds the untrained model from a generator.
    public let make: @Sendable (inout RandomGenerator) -> Sequential<Float>
}

/// The image classifiers, in help order.
public let imageClassifiers: [ImageClassifier] = [
    ImageClassifier(
        name: "cnn",
        summary: "the seed CNN: Conv(32)-Pool-Conv(64)-Pool-Dense(128)-Dense(10), Adam",
        defaults: TrainSettings(epochs: 10, batchSize: 64, learningRate: 0.001, seed: 0),
        make: { makeSeedCNN(generator: &$0) }),
    ImageClassifier(
        name: "lenet",
        summary: "LeNet-5 (tanh, average pooling), Adam",
        defaults: TrainSettings(epochs: 10, batchSize: 64, learningRate: 0.001, seed: 0),
        make: { makeLeNet5(generator: &$0) }),
    ImageClassifier(
        name: "vgg",
        summary: "a small VGG-style net with BatchNorm and Dropout, Adam",
        defaults: TrainSettings(epochs: 8, batchSize: 64, learningRate: 0.001, seed: 0),
        make: { makeSmallVGG(generator: &$0) }),
    ImageClassifier(
        name: "seqmnist",
        summary: "the seed LSTMNet reading images row by row: LSTM(28→256, 2 layers), last step, Dense(10), Adam",
        defaults: TrainSettings(epochs: 5, batchSize: 64, learningRate: 0.001, seed: 0),
        make: { makeSequentialMNIST(generator: &$0) }),
    ImageClassifier(
        name: "vit",
        summary: "a small vision transformer: 7x7 patches, 4 pre-norm layers (d 64, 4 heads), Adam",
        defaults: TrainSettings(epochs: 10, batchSize: 128, learningRate: 0.001, seed: 0),
        make: { makeVisionTransformer(generator: &$0) }),
]

/// The image classifiers as ``TrainableModel``s.
var imageClassifierModels: [TrainableModel] {
    imageClassifiers.map { classifier in
        TrainableModel(
            name: classifier.name,
            summary: classifier.summary + " on MNIST (embedded 10k/2k subset, or --data DIR)",
            defaults: classifier.defaults, options: [.dataset, .out, .resume, .validationSplit, .stopAfter],
            train: { try trainImageClassifier(classifier, settings: $0) })
    }
}

/// Loads the training and test sets: the embedded MNIST subset, or the IDX files in
/// `settings.dataPath` (MNIST or, with `--dataset fashion-mnist`, Fashion-MNIST).
public func loadImageData(_ settings: TrainSettings, command: String) throws -> (
    train: ImageDataset<Float>, test: ImageDataset<Float>, name: String
) {
    let variant = try datasetVariant(settings.datasetName, command: command)
    return try setupFailing(command) {
        if let directory = settings.dataPath {
            return (
                try MNIST.load(directory: directory, split: .train, variant: variant),
                try MNIST.load(directory: directory, split: .test, variant: variant),
                "\(variant.rawValue) (\(directory))")
        }
        guard variant == .mnist else {
            throw TrainingSetupError.usage("\(command): there is no embedded \(variant.rawValue); pass --data DIR")
        }
        return (try MNIST.embedded(split: .train), try MNIST.embedded(split: .test), "mnist (embedded subset)")
    }
}

/// The dataset variant named by `--dataset` (default MNIST).
public func datasetVariant(_ name: String?, command: String) throws -> MNIST.Variant {
    guard let name else { return .mnist }
    guard let variant = MNIST.Variant(rawValue: name) else {
        throw TrainingSetupError.usage(
            "\(command): unknown dataset '\(name)' (one of: \(MNIST.Variant.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return variant
}

/// Trains `classifier` with Adam, cross-entropy and a cosine learning-rate decay over the run
/// through ``Layer/fit``, saving a checkpoint after every epoch when `--out` is given and
/// resuming from it with `--resume`.
///
/// A resumed run takes its batch size, learning rate, seed, dataset and total epoch count from
/// the checkpoint (an explicit `--epochs` sets a new total, which changes the schedule). With
/// `--stop-after N` the run stops after epoch N of its schedule, so `--epochs 4 --stop-after 2`
/// then `--resume` gives the same weights as `--epochs 4`.
func trainImageClassifier(_ classifier: ImageClassifier, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(classifier.name)"
    var settings = settings
    try takeResumedSettings(&settings, model: classifier.name, command: command)
    try checkOutDirectory(settings, files: ["model.safetensors"], command: command)
    let data = try loadImageData(settings, command: command)

    var generator = RandomGenerator(seed: settings.seed)
    let model = classifier.make(&generator)
    let optimizer = Adam(model.parameters, lr: settings.learningRate)
    RandomGenerator.manualSeed(settings.seed ^ 0x0D50_0000)  // dropout masks
    let task = ClassifierTask(
        model: model, data: data.train, batchSize: settings.batchSize, optimizer: optimizer,
        scheduler: CosineAnnealingLR(optimizer, tMax: settings.epochs), validationSplit: settings.validationSplit, seed: settings.seed)
    let trainer = Trainer(task, epochs: settings.epochs)
    trainer.identity = runIdentity(settings, model: classifier.name).merging(
        ["validation_split": String(settings.validationSplit)]) { _, new in new }
    trainer.metadata = [
        "epochs": String(settings.epochs), "normalization_mean": String(data.train.normalization.mean[0]),
        "normalization_std": String(data.train.normalization.std[0]),
    ]
    let clock = Stopwatch()
    let history = try runTrainer(trainer, settings: settings, command: command)
    let seconds = clock.seconds
    if let directory = settings.outDirectory {
        // The weights alone, PyTorch state_dict names: loads into torch.nn.Sequential.
        try setupFailing("\(command): cannot save the weights") {
            try model.save(to: directory + "/model.safetensors", metadata: ["model": classifier.name])
        }
    }
    let trained = history.count * task.trainCount
    return TrainReport(
        dataset: data.name, trainSamples: data.train.count, testSamples: data.test.count,
        parameterCount: model.parameterCount, seconds: seconds,
        samplesPerSecond: Double(trained) / max(seconds, 1e-9),
        results: [.testAccuracy(model.evaluate(data.test).accuracy, of: data.test.count)], epochLosses: history.map(\.loss),
        epochsCompleted: trainer.completedEpochs)
}
