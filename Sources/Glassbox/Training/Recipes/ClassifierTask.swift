/// The classifier recipe: shuffled mini-batches of a ``ClassificationDataset``, one optimizer
/// step each on a batch-mean loss (cross-entropy by default), accuracy counted on the way,
/// validation and a learning-rate schedule after every epoch. ``Layer/fit(_:epochs:batchSize:optimizer:loss:validationSplit:validationData:shuffle:seed:initialEpoch:scheduler:verbose:onNonFiniteLoss:onEpochEnd:)``
/// is this task run by a ``Trainer``.
///
/// Epoch `e` (0-based) visits the samples in ``ClassificationDataset/shuffledOrder(count:seed:epoch:)``,
/// so the data order needs no saving: a checkpoint holds the model, the optimizer and the
/// schedule (and the ``Trainer`` the default generator, for dropout).
public final class ClassifierTask<Model: Layer, Data: ClassificationDataset>: TrainingTask where Data.Scalar == Model.Scalar {
    /// The element type of the model's tensors.
    public typealias Scalar = Model.Scalar
    /// The model trained.
    public let model: Model
    /// The training data (its last ``validationCount`` samples are held out when a split is asked).
    public let data: Data
    /// The optimizer of the model's parameters.
    public let optimizer: any Optimizer<Scalar>
    /// The schedule stepped after every epoch, if any.
    public let scheduler: (any LRScheduler)?
    /// Samples per step.
    public let batchSize: Int
    /// The samples trained on: the first `data.count − validationCount`.
    public let trainCount: Int
    /// The validation data: `validationData`, or the held-out end of `data`, or `nil`.
    public let validation: (any ClassificationDataset<Scalar>)?
    /// Whether each epoch shuffles (with `seed`).
    public let shuffle: Bool
    /// The seed of the shuffles.
    public let seed: UInt64
    /// The batch-mean loss of outputs and labels.
    public let loss: (Tensor<Scalar>, IndexTensor) -> Tensor<Scalar>
    private var order: [Int] = []
    private var learningRate = 0.0

    /// A classifier task; `validationSplit` holds out the *last* `⌊count · validationSplit⌋`
    /// samples before any shuffling, as Keras does, unless `validationData` is given.
    ///
    /// - Precondition: `batchSize > 0` and `validationSplit` in [0, 1).
    public init(
        model: Model, data: Data, batchSize: Int = 32, optimizer: any Optimizer<Scalar>, scheduler: (any LRScheduler)? = nil,
        loss: @escaping (Tensor<Scalar>, IndexTensor) -> Tensor<Scalar> = { crossEntropy($0, $1) },
        validationSplit: Double = 0, validationData: (any ClassificationDataset<Scalar>)? = nil, shuffle: Bool = true, seed: UInt64 = 0
    ) {
        precondition(batchSize > 0, "fit: batchSize must be positive, got \(batchSize)")
        precondition((0..<1).contains(validationSplit), "fit: validationSplit \(validationSplit) outside [0, 1)")
        let held = validationData == nil ? Int(Double(data.count) * validationSplit) : 0
        self.model = model
        self.data = data
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.batchSize = batchSize
        self.trainCount = data.count - held
        self.validation = validationData ?? (held > 0 ? DatasetSlice(base: data, range: (data.count - held)..<data.count) : nil)
        self.shuffle = shuffle
        self.seed = seed
        self.loss = loss
    }

    /// Batches per epoch (the last one may be smaller).
    public var stepsPerEpoch: Int { (trainCount + batchSize - 1) / batchSize }

    /// The model (`model`), the optimizer (`optimizer`) and the schedule (`scheduler`).
    public var state: TrainingState<Scalar> {
        var state = TrainingState<Scalar>([("model", .module(model)), ("optimizer", .optimizer(optimizer))])
        if let scheduler { state.append("scheduler", .scheduler(scheduler)) }
        return state
    }

    /// Training mode, the epoch's order, and the learning rate it runs at.
    public func beginEpoch(_ epoch: Int) {
        model.train()
        order = shuffle ? Data.shuffledOrder(count: trainCount, seed: seed, epoch: epoch) : Array(0..<trainCount)
        learningRate = optimizer.learningRate
    }

    /// One batch: outputs, loss, update; counts the correct arg-maxes.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let indices = Array(order[(step * batchSize)..<Swift.min(trainCount, (step + 1) * batchSize)])
        let batch = data.batch(indices)
        let outputs = model(batch.features)
        guard let value = try context.minimize(loss(outputs, batch.labels), with: optimizer) else {
            return .skipped(samples: indices.count)
        }
        return StepResult(
            lossSum: value * Double(indices.count), weight: Double(indices.count),
            correct: Model.correctCount(outputs, batch.labels), samples: indices.count)
    }

    /// Validation (`validation_loss`, `validation_accuracy`), the epoch's `learning_rate`, and
    /// the schedule's step.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        var evaluation = EpochEvaluation(metrics: ["learning_rate": learningRate])
        if let validation {
            let result = model.evaluate(validation, loss: loss)
            evaluation.metrics["validation_loss"] = result.loss
            evaluation.metrics["validation_accuracy"] = result.accuracy
            evaluation.message =
                "  validation: loss \(TextFormat.fixed(result.loss, decimals: 4)), "
                + "accuracy \(TextFormat.fixed(result.accuracy * 100, decimals: 2))%"
        }
        scheduler?.step()
        return evaluation
    }
}
