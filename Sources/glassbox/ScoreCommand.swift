import Glassbox
import GlassboxIO

/// `glassbox score --samples FILE.safetensors --classifier DIR [--data DIR]`.
let scoreCommand = Command(
    name: "score",
    summary: "Score generated digits: Inception-style score and Fréchet distance with a trained classifier",
    usage: ["score --samples FILE.safetensors --classifier DIR [--data DIR] [--threads N]"],
    details: """
        Classifies the samples (a safetensors file whose first tensor is [N, 1, 28, 28] with pixels
        in [0, 1], as 'glassbox sample vae --count N --out FILE.safetensors' writes) with the
        classifier that 'glassbox train cnn --out DIR' saved, normalised as it was trained, and prints
          - the Inception-style score exp(E_x KL(p(y|x) || p(y))) (1 to 10; higher: confident and varied),
          - the Fréchet distance between Gaussians fitted to the classifier's penultimate features
            (the input of its last layer) of the samples and of the MNIST test set (lower: closer),
        and the same score for the test set itself, for scale. Without --data the embedded
        2 000-image test subset is the reference.
        """,
    options: [
        .value("samples", "FILE", "The samples: a safetensors file holding [N, 1, 28, 28] in [0, 1]."),
        .value("classifier", "DIR", "The checkpoint directory of 'glassbox train cnn --out DIR'."),
        .value("data", "DIR", "The MNIST IDX directory whose test set is the reference (default: the embedded subset)."),
        .value("threads", "N", "Threads the kernels may use (default: GLASSBOX_THREADS or all cores)."),
    ],
    maxPositionals: 0,
    run: runScore)

private func runScore(_ arguments: ParsedArguments) throws -> Int32 {
    let command = "score"
    guard let samplesPath = try arguments.string("samples") else { throw CLIError.usage("score: --samples FILE is required") }
    guard let directory = try arguments.string("classifier") else { throw CLIError.usage("score: --classifier DIR is required") }
    if let threads = try arguments.int("threads") { Threading.threadCount = threads }
    let classifier = try CheckpointedClassifier(directory: directory, command: command)
    let file = try failing(command) { try SafeTensors(contentsOf: samplesPath) }
    guard let samples = file.tensors.first?.array else { throw CLIError.failure("score: '\(samplesPath)' holds no tensor") }
    let shape = samples.shape
    guard shape.count == 4, shape[1] == 1, shape[2] == 28, shape[3] == 28, shape[0] >= 2 else {
        throw CLIError.failure("score: '\(samplesPath)': tensor '\(file.tensors[0].name)' has shape \(shape), expected [N ≥ 2, 1, 28, 28]")
    }
    let test: ImageDataset<Float> = try failing(command) {
        if let data = try arguments.string("data") { return try MNIST.load(directory: data, split: .test) }
        return try MNIST.embedded(split: .test)
    }
    let clock = Stopwatch()
    let mean = Float(classifier.normalization.mean[0]), std = Float(classifier.normalization.std[0])
    let generated = ClassifierView(classifier.model, pixels: samples.asFloats(), count: shape[0], mean: mean, std: std)
    let real = ClassifierView(classifier.model, pixels: test.images.map { Float($0) / 255 }, count: test.count, mean: mean, std: std)
    let classes = generated.probabilities.count / shape[0]
    let generatedScore = inceptionScore(probabilities: generated.probabilities, classCount: classes)
    let realScore = inceptionScore(probabilities: real.probabilities, classCount: classes)
    let realStatistics = FeatureStatistics(features: real.features, dimension: real.dimension)
    let distance = frechetDistance(
        FeatureStatistics(features: generated.features, dimension: generated.dimension), realStatistics)
    let seconds = clock.seconds
    Console.out(
        "samples (\(shape[0])): inception-style score \(TextFormat.fixed(generatedScore, decimals: 3)), "
            + "Fréchet distance \(TextFormat.fixed(distance, decimals: 3)) to the test set")
    Console.out(
        "test set (\(test.count)): inception-style score \(TextFormat.fixed(realScore, decimals: 3)) "
            + "(features: \(real.dimension)-d input of the classifier's last layer; \(TextFormat.fixed(seconds, decimals: 1)) s)")
    return 0
}
