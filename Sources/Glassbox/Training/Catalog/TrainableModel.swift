import GlassboxIO

/// The options of `glassbox train` that only some models accept.
public enum TrainOption: String, CaseIterable, Sendable {
    case dataset, out, resume, validationSplit = "validation-split", stopAfter = "stop-after", beam, cell, minutes, steps, arch, latent, loss, dropout
    case stepsPerEpoch = "steps-per-epoch"
}

/// A model `glassbox train NAME` can train. A new reference model adds one entry to
/// ``trainableModels``.
public struct TrainableModel: Sendable {
    /// The name given after `train`.
    public let name: String
    /// One line of help: the architecture and the dataset.
    public let summary: String
    /// The settings used when an option is not given (`dataPath` is ignored).
    public let defaults: TrainSettings
    /// The model-specific options it accepts; the others are usage errors.
    public var options: Set<TrainOption> = []
    /// Trains with `settings`, showing a ``ProgressBar``, and evaluates on the test set.
    public let train: @Sendable (_ settings: TrainSettings) throws -> TrainReport
}

/// The reference models, in help order.
public let trainableModels: [TrainableModel] = [mlpModel] + imageClassifierModels + [seq2seqModel, transformerSeq2SeqModel, captionModel, forecastModel] + languageTrainableModels + generativeTrainableModels + ganTrainableModels + [ddpmTrainableModel]

/// With `--resume`, checks that the checkpoint in `--out DIR` is of `model` and takes the run's
/// batch size, learning rate, seed, dataset and (unless `--epochs` is given) total epochs into
/// `settings`, so the run continues with the settings it started with. Returns the
/// checkpoint's metadata for model-specific settings, or `nil` without `--resume`.
@discardableResult
func takeResumedSettings(_ settings: inout TrainSettings, model: String, command: String) throws -> [String: String]? {
    guard settings.resume else { return nil }
    guard let directory = settings.outDirectory else { throw TrainingSetupError.usage("\(command): --resume needs --out DIR") }
    let metadata = try setupFailing(command) { try Checkpoint.metadata(in: directory) }
    guard metadata["model"] == model else {
        throw TrainingSetupError.failure("\(command): the checkpoint in '\(directory)' is of model '\(metadata["model"] ?? "?")', not '\(model)'")
    }
    settings.batchSize = metadata["batch_size"].flatMap(Int.init) ?? settings.batchSize
    settings.learningRate = metadata["learning_rate"].flatMap(Double.init) ?? settings.learningRate
    settings.seed = metadata["seed"].flatMap(UInt64.init) ?? settings.seed
    settings.datasetName = metadata["dataset"] ?? settings.datasetName
    settings.validationSplit = metadata["validation_split"].flatMap(Double.init) ?? settings.validationSplit
    if !settings.epochsGiven { settings.epochs = metadata["epochs"].flatMap(Int.init) ?? settings.epochs }
    return metadata
}
