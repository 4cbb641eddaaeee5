/// The captioning recipe on ``DigitStrips``: epoch `e` (1-based) trains on as many fresh strips
/// as `digits` has images, made with seed `seed · 1000 + e` and visited in an order shuffled
/// with the same seed; each batch's teacher-forced caption loss takes an optimizer step with
/// the gradient norm clipped to ``gradientClip``, and the schedule steps after every epoch.
///
/// Strips and order follow from the seed and the epoch, so a checkpoint holds only the model,
/// the optimizer and the schedule.
public final class CaptionTask<Scalar: TensorScalar>: TrainingTask {
    /// The model trained.
    public let model: Captioner<Scalar>
    /// The digit images strips are made of.
    public let digits: ImageDataset<Scalar>
    /// Strips per step.
    public let batchSize: Int
    /// The optimizer of the model's parameters.
    public let optimizer: any Optimizer<Scalar>
    /// The schedule stepped after every epoch, if any.
    public let scheduler: (any LRScheduler)?
    /// The seed of every epoch's strips and order.
    public let seed: UInt64
    /// The gradient-norm clip of every step.
    public let gradientClip: Double
    private var strips: ImageDataset<Scalar>?
    private var order: [Int] = []

    /// A captioning task.
    ///
    /// - Precondition: `batchSize > 0` and `digits` is not empty.
    public init(
        model: Captioner<Scalar>, digits: ImageDataset<Scalar>, batchSize: Int, optimizer: any Optimizer<Scalar>,
        scheduler: (any LRScheduler)? = nil, seed: UInt64, gradientClip: Double = 5
    ) {
        precondition(batchSize > 0 && digits.count > 0, "CaptionTask: batch size \(batchSize) of \(digits.count) digits")
        self.model = model
        self.digits = digits
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.seed = seed
        self.gradientClip = gradientClip
    }

    /// Batches per epoch.
    public var stepsPerEpoch: Int { (digits.count + batchSize - 1) / batchSize }

    /// `model`, `optimizer` and `scheduler`.
    public var state: TrainingState<Scalar> {
        var state = TrainingState<Scalar>([("model", .module(model)), ("optimizer", .optimizer(optimizer))])
        if let scheduler { state.append("scheduler", .scheduler(scheduler)) }
        return state
    }

    /// The epoch's strips and order; training mode.
    public func beginEpoch(_ epoch: Int) {
        let epochSeed = seed &* 1000 &+ UInt64(epoch + 1)
        let made = DigitStrips.make(from: digits, count: digits.count, seed: epochSeed)
        strips = made
        order = Array(0..<made.count)
        var generator = RandomGenerator(seed: epochSeed)
        generator.shuffle(&order)
        model.train()
    }

    /// One batch: the caption loss, a clipped update.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let batch = strips!.batch(Array(order[(step * batchSize)..<Swift.min((step + 1) * batchSize, order.count)]))
        let loss = model.loss(batch.features, captions: DigitStrips.captions(batch.labels.indices))
        guard let value = try context.minimize(loss, with: optimizer, clipNorm: gradientClip) else {
            return .skipped(samples: batch.labels.indices.count)
        }
        return StepResult(lossSum: value, weight: 1, samples: batch.labels.indices.count)
    }

    /// The schedule's step.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        scheduler?.step()
        return EpochEvaluation()
    }
}
