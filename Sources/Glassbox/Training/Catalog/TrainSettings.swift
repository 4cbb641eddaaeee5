import GlassboxIO

/// The settings of one `glassbox train` run, after defaults are applied.
public struct TrainSettings: Sendable {
    /// Passes over the training set.
    public var epochs: Int
    /// Samples per optimizer step.
    public var batchSize: Int
    /// The optimizer's learning rate.
    public var learningRate: Double
    /// The seed of weight initialisation and shuffling.
    public var seed: UInt64
    /// A dataset file or directory replacing the model's embedded one, if given.
    public var dataPath: String? = nil
    /// Which dataset `dataPath` holds, for models that read more than one (`mnist`,
    /// `fashion-mnist`).
    public var datasetName: String? = nil
    /// Where to write a checkpoint after every epoch (image classifiers).
    public var outDirectory: String? = nil
    /// Whether to continue the run checkpointed in ``outDirectory``.
    public var resume = false
    /// Whether `--epochs` was given (a resumed run otherwise keeps its checkpoint's total).
    public var epochsGiven = false
    /// Stop after this epoch of the run (its schedule still spans ``epochs``).
    public var stopAfter: Int? = nil
    /// The fraction of the training set held out for validation (Keras' `validation_split`).
    public var validationSplit = 0.0
    /// The beam width of the final evaluation of sequence-to-sequence models (1: greedy only).
    public var beamWidth = 4
    /// The recurrent layer named by `--cell` (`forecast`: `lstm` or `gru`).
    public var cellName: String? = nil
    /// The training-time budget in minutes (language models, ddpm).
    public var minutes: Double? = nil
    /// The number of optimizer steps (language models).
    public var steps: Int? = nil
    /// Architecture sizes overriding the model's, `KEY=N,...` (language models).
    public var architecture: String? = nil
    /// The latent dimension (autoencoder).
    public var latentSize: Int? = nil
    /// The reconstruction loss, `bce` or `mse` (autoencoder).
    public var lossName: String? = nil
    /// The dropout probability replacing the model's (gpt).
    public var dropout: Double? = nil
    /// Optimizer steps per epoch of the number-to-words models (default 500).
    public var stepsPerEpoch: Int? = nil
    /// Whether to show a progress bar on stderr.
    public var showsProgress = true
}

