import Glassbox
import GlassboxIO
import GlassboxKernels

/// The settings of one `glassbox train` run, after defaults are applied.
struct TrainSettings: Sendable {
    /// Passes over the training set.
    var epochs: Int
    /// Samples per optimizer step.
    var batchSize: Int
    /// The optimizer's learning rate.
    var learningRate: Double
    /// The seed of weight initialisation and shuffling.
    var seed: UInt64
    /// A dataset file or directory replacing the model's embedded one, if given.
    var dataPath: String? = nil
    /// Which dataset `dataPath` holds, for models that read more than one (`mnist`,
    /// `fashion-mnist`).
    var datasetName: String? = nil
    /// Where to write a checkpoint after every epoch (image classifiers).
    var outDirectory: String? = nil
    /// Whether to continue the run checkpointed in ``outDirectory``.
    var resume = false
    /// Whether `--epochs` was given (a resumed run otherwise keeps its checkpoint's total).
    var epochsGiven = false
    /// Stop after this epoch of the run (its schedule still spans ``epochs``).
    var stopAfter: Int? = nil
    /// The fraction of the training set held out for validation (Keras' `validation_split`).
    var validationSplit = 0.0
    /// The beam width of the final evaluation of sequence-to-sequence models (1: greedy only).
    var beamWidth = 4
    /// The recurrent layer named by `--cell` (`forecast`: `lstm` or `gru`).
    var cellName: String? = nil
    /// The training-time budget in minutes (language models, ddpm).
    var minutes: Double? = nil
    /// The number of optimizer steps (language models).
    var steps: Int? = nil
    /// Architecture sizes overriding the model's, `KEY=N,...` (language models).
    var architecture: String? = nil
    /// The latent dimension (autoencoder).
    var latentSize: Int? = nil
    /// The reconstruction loss, `bce` or `mse` (autoencoder).
    var lossName: String? = nil
    /// The dropout probability replacing the model's (gpt).
    var dropout: Double? = nil
}

/// The outcome of a training run, for the summary line and the metrics file.
struct TrainReport {
    /// The dataset trained on.
    var dataset: String
    /// Training and test set sizes.
    var trainSamples: Int
    var testSamples: Int
    /// The model's number of scalar parameters.
    var parameterCount: Int
    /// Wall-clock seconds of training (not counting data loading and the final evaluation).
    var seconds: Double
    /// Training samples processed per second.
    var samplesPerSecond: Double
    /// The figures measured after training, headline first (`test accuracy 98.95% (9895/10000)`).
    var results: [TrainResult]
    /// The mean training loss of each epoch run now.
    var epochLosses: [Double]
    /// The epochs the model has been trained for (including those of a resumed checkpoint).
    var epochsCompleted: Int
    /// What ``epochsCompleted`` counts: `epochs`, or `steps` for language models (the summary
    /// word and metrics key). Language models' ``epochLosses`` are the mean training losses
    /// between points of their curve.
    var unit = "epochs"
    /// Further metrics-file entries (a language model's curve).
    var extraMetrics: [(String, JSONValue)] = []
}

/// One figure of a training run's outcome: a phrase of the summary line and an entry of the
/// metrics file.
struct TrainResult {
    /// The metrics-file key (`test_accuracy`).
    let key: String
    /// The value written under ``key``.
    let value: Double
    /// The phrase of the summary line (`test accuracy 98.95% (9895/10000)`); empty for a
    /// figure written to the metrics file only.
    let text: String

    /// The fraction `accuracy` of `count` test samples classified correctly.
    static func testAccuracy(_ accuracy: Double, of count: Int) -> TrainResult {
        let correct = Int((accuracy * Double(count)).rounded())
        return TrainResult(
            key: "test_accuracy", value: accuracy,
            text: "test accuracy \(TextFormat.fixed(accuracy * 100, decimals: 2))% (\(correct)/\(count))")
    }
}

/// The options of `glassbox train` that only some models accept.
enum TrainOption: String, CaseIterable, Sendable {
    case dataset, out, resume, validationSplit = "validation-split", stopAfter = "stop-after", beam, cell, minutes, steps, arch, latent, loss, dropout
}

/// A model `glassbox train NAME` can train. A new reference model adds one entry to
/// ``trainableModels``.
struct TrainableModel: Sendable {
    /// The name given after `train`.
    let name: String
    /// One line of help: the architecture and the dataset.
    let summary: String
    /// The settings used when an option is not given (`dataPath` is ignored).
    let defaults: TrainSettings
    /// The model-specific options it accepts; the others are usage errors.
    var options: Set<TrainOption> = []
    /// Trains with `settings`, showing a ``ProgressBar``, and evaluates on the test set.
    let train: @Sendable (_ settings: TrainSettings) throws -> TrainReport
}

/// The reference models, in help order.
let trainableModels: [TrainableModel] = [mlpModel] + imageClassifierModels + [seq2seqModel, transformerSeq2SeqModel, captionModel, forecastModel] + languageTrainableModels + generativeTrainableModels + ganTrainableModels + [ddpmTrainableModel]

/// `glassbox train MODEL [options]`.
let trainCommand = Command(
    name: "train",
    summary: "Train a reference model on its dataset (mlp, cnn, vit, seq2seq, gpt, vae, gan, ...; see help train)",
    usage: [
        "train MODEL [--epochs N] [--batch-size N] [--lr RATE] [--seed N] [--threads N] [--metrics FILE] [--data PATH] [--out DIR [--resume] [--stop-after N]]",
        "train cnn|lenet|vgg [--data DIR [--dataset mnist|fashion-mnist]] [--validation-split F] [--out DIR [--resume] [--stop-after N]] [...]",
        "train seq2seq|transformer-seq2seq [--out DIR] [--beam N] [...]",
        "train forecast [--data DIR] [--cell lstm|gru] [...]",
        "train charlm|gpt [--data FILE] (--minutes M | --steps N) [--arch KEY=N,...] [--dropout P] [--out DIR] [...]",
        "train autoencoder|vae [--data DIR] [--arch mlp|conv] [--latent N] [--loss bce|mse] [--out DIR] [...]",
        "train gan|wgan|wgan-gp [--data DIR [--dataset mnist|fashion-mnist]] [--arch minibatch|plain] [--out DIR] [...]",
        "train ddpm [--data DIR [--dataset mnist|fashion-mnist]] [--arch attention|plain] [--minutes M] [--out DIR [--resume] [--stop-after N]] [...]",
    ],
    details: "Trains MODEL, shows a progress bar on stderr and prints a one-line summary.\n\nModels:\n"
        + trainableModels.map {
            "  \($0.name)  \($0.summary)\n"
                + "       defaults: \($0.options.contains(.steps) ? "" : "--epochs \($0.defaults.epochs) ")--batch-size \($0.defaults.batchSize) "
                + "--lr \($0.defaults.learningRate) --seed \($0.defaults.seed)"
        }.joined(separator: "\n"),
    options: [
        .value("epochs", "N", "Passes over the training set."),
        .value("batch-size", "N", "Samples per optimizer step."),
        .value("lr", "RATE", "Learning rate."),
        .value("seed", "N", "Seed of weight initialisation and shuffling."),
        .value("threads", "N", "Threads the kernels may use (default: GLASSBOX_THREADS or all cores)."),
        .value("metrics", "FILE", "Also write the results as a JSON object to FILE (atomically)."),
        .value("data", "PATH", "Read the dataset from PATH instead of the embedded copy (a directory of IDX files for image models)."),
        .value("dataset", "NAME", "What --data holds for image models: mnist (default) or fashion-mnist."),
        .value("validation-split", "F", "Hold out the last fraction F of the training set for validation (image models)."),
        .value("out", "DIR", "Save the final weights as DIR/model.safetensors (and, except for language models, a checkpoint after every epoch)."),
        .flag("resume", "Continue the run checkpointed in --out DIR with its settings (--epochs sets a new total)."),
        .value("stop-after", "N", "Stop after epoch N of the run; --resume continues it exactly (every model but the language models)."),
        .value("beam", "N", "Beam width of the final evaluation of sequence-to-sequence models (default 4; 1: greedy only)."),
        .value("cell", "lstm|gru", "The forecaster's recurrent layer (forecast; default lstm)."),
        .value("minutes", "M", "Train for M minutes of training time (language models, with --steps whichever ends first; ddpm, within --epochs)."),
        .value("steps", "N", "Train for N optimizer steps (language models)."),
        .value("arch", "KEY=N,...", "Override architecture sizes, e.g. n_layer=6,n_embd=192 (language models); mlp or conv (autoencoder); minibatch or plain (gan); attention or plain (ddpm)."),
        .value("dropout", "P", "The dropout probability in [0, 1) while training (gpt; default 0.1)."),
        .value("latent", "N", "The latent dimension (autoencoder; 2 allows 'glassbox sample autoencoder --scatter')."),
        .value("loss", "NAME", "The reconstruction loss: bce (default) or mse (autoencoder)."),
    ],
    maxPositionals: 1,
    run: runTrain)

private func runTrain(_ arguments: ParsedArguments) throws -> Int32 {
    let names = trainableModels.map(\.name).joined(separator: ", ")
    guard let name = arguments.positionals.first else {
        throw CLIError.usage("train: which model? (one of: \(names))")
    }
    guard let model = trainableModels.first(where: { $0.name == name }) else {
        throw CLIError.usage("train: unknown model '\(name)' (one of: \(names))")
    }
    var settings = model.defaults
    settings.epochsGiven = arguments.has("epochs")
    settings.epochs = try arguments.int("epochs") ?? settings.epochs
    settings.batchSize = try arguments.int("batch-size") ?? settings.batchSize
    settings.learningRate = try arguments.positiveDouble("lr") ?? settings.learningRate
    settings.seed = try arguments.uint64("seed") ?? settings.seed
    settings.dataPath = try arguments.string("data")
    settings.datasetName = try arguments.string("dataset")
    settings.outDirectory = try arguments.string("out")
    settings.resume = arguments.flag("resume")
    settings.stopAfter = try arguments.int("stop-after")
    settings.beamWidth = try arguments.int("beam") ?? settings.beamWidth
    settings.cellName = try arguments.string("cell")
    settings.minutes = try arguments.positiveDouble("minutes")
    settings.steps = try arguments.int("steps")
    settings.architecture = try arguments.string("arch")
    settings.latentSize = try arguments.int("latent")
    settings.lossName = try arguments.string("loss")
    if let raw = try arguments.string("dropout") {
        guard let p = Double(raw), p >= 0, p < 1 else {
            throw CLIError.usage("train: option '--dropout' expects a probability in [0, 1), got '\(raw)'")
        }
        settings.dropout = p
    }
    if let raw = try arguments.string("validation-split") {
        guard let fraction = Double(raw), fraction >= 0, fraction < 1 else {
            throw CLIError.usage("train: option '--validation-split' expects a number in [0, 1), got '\(raw)'")
        }
        settings.validationSplit = fraction
    }
    if let option = TrainOption.allCases.first(where: { !model.options.contains($0) && (arguments.has($0.rawValue) || arguments.flag($0.rawValue)) }) {
        let accepting = trainableModels.filter { $0.options.contains(option) }.map(\.name)
        throw CLIError.usage(
            "train: option '--\(option.rawValue)' applies to \(accepting.joined(separator: ", ")), not '\(name)'")
    }
    if let threads = try arguments.int("threads") { Threading.threadCount = threads }
    let metricsPath = try arguments.string("metrics")
    if let metricsPath {
        // Fail now rather than after a long training run.
        do {
            try FileIO.checkWritable(path: metricsPath)
        } catch {
            throw CLIError.failure("train: cannot write metrics: \(error)")
        }
    }

    let report = try model.train(settings)

    let finalLoss = report.epochLosses.last ?? .nan
    Console.out(
        "\(model.name): \(report.results.map(\.text).filter { !$0.isEmpty }.joined(separator: ", ")) after \(report.epochsCompleted) \(report.unit), "
            + "final loss \(TextFormat.fixed(finalLoss, decimals: 4)), "
            + "\(TextFormat.fixed(report.seconds, decimals: 1)) s, "
            + "\(TextFormat.rate(report.samplesPerSecond)) samples/s")

    if let metricsPath {
        let metrics = JSONObject([
            ("model", .string(model.name)),
            ("dataset", .string(report.dataset)),
            (report.unit, .integer(report.epochsCompleted)),
            ("batch_size", .integer(settings.batchSize)),
            ("learning_rate", .number(settings.learningRate)),
            ("seed", settings.seed <= UInt64(Int.max) ? .integer(Int(settings.seed)) : .string(String(settings.seed))),
            ("threads", .integer(Threading.threadCount)),
            ("train_samples", .integer(report.trainSamples)),
            ("test_samples", .integer(report.testSamples)),
            ("parameters", .integer(report.parameterCount)),
            ("seconds", .number(report.seconds)),
            ("samples_per_second", .number(report.samplesPerSecond)),
        ] + report.results.map { ($0.key, $0.value.isFinite ? JSONValue.number($0.value) : .null) } + [
            ("final_loss", finalLoss.isFinite ? .number(finalLoss) : .null),
            (report.unit == "epochs" ? "epoch_losses" : "interval_losses", .array(report.epochLosses.map { $0.isFinite ? .number($0) : .null })),
        ] + report.extraMetrics)
        do {
            try FileIO.writeAtomically(Array((JSONValue.object(metrics).serialized() + "\n").utf8), toPath: metricsPath)
        } catch {
            throw CLIError.failure("train: cannot write metrics: \(error)")
        }
    }
    return 0
}

/// With `--resume`, checks that the checkpoint in `--out DIR` is of `model` and takes the run's
/// batch size, learning rate, seed, dataset and (unless `--epochs` is given) total epochs into
/// `settings`, so the run continues with the settings it started with. Returns the
/// checkpoint's metadata for model-specific settings, or `nil` without `--resume`.
@discardableResult
func takeResumedSettings(_ settings: inout TrainSettings, model: String, command: String) throws -> [String: String]? {
    guard settings.resume else { return nil }
    guard let directory = settings.outDirectory else { throw CLIError.usage("\(command): --resume needs --out DIR") }
    let metadata = try failing(command) { try Checkpoint.metadata(in: directory) }
    guard metadata["model"] == model else {
        throw CLIError.failure("\(command): the checkpoint in '\(directory)' is of model '\(metadata["model"] ?? "?")', not '\(model)'")
    }
    settings.batchSize = metadata["batch_size"].flatMap(Int.init) ?? settings.batchSize
    settings.learningRate = metadata["learning_rate"].flatMap(Double.init) ?? settings.learningRate
    settings.seed = metadata["seed"].flatMap(UInt64.init) ?? settings.seed
    settings.datasetName = metadata["dataset"] ?? settings.datasetName
    settings.validationSplit = metadata["validation_split"].flatMap(Double.init) ?? settings.validationSplit
    if !settings.epochsGiven { settings.epochs = metadata["epochs"].flatMap(Int.init) ?? settings.epochs }
    return metadata
}
