#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The sequence-to-sequence recipe on ``NumberWords``: every step draws a fresh batch of
/// training numbers from the task's generator (the task has no finite training set, so an
/// "epoch" is ``stepsPerEpoch`` steps), takes the teacher-forced loss, and Adam takes a step
/// with the gradient norm clipped to ``gradientClip``; the learning rate warms up linearly over
/// ``warmupSteps`` steps, then decays to 0 along a cosine over the run's remaining steps.
///
/// A checkpoint holds the model, the optimizer, the schedule and the generator.
public final class SequenceToSequenceTask<Model: SequenceToSequenceModel>: TrainingTask {
    /// The element type of the model's tensors.
    public typealias Scalar = Model.Scalar
    /// The model trained.
    public let model: Model
    /// Number pairs per step.
    public let batchSize: Int
    /// Steps per reported epoch.
    public let stepsPerEpoch: Int
    /// Adam over the model's parameters.
    public let optimizer: Adam<Scalar>
    /// The per-step warm-up and cosine schedule.
    public let scheduler: LambdaLR
    /// The gradient-norm clip of every step.
    public let gradientClip: Double
    /// The stream the training numbers are drawn from.
    public var generator: RandomGenerator

    /// A task of `epochs` epochs of `stepsPerEpoch` steps (the schedule spans them all).
    ///
    /// - Precondition: `epochs`, `batchSize` and `stepsPerEpoch` are positive.
    public init(
        model: Model, epochs: Int, batchSize: Int, stepsPerEpoch: Int = 500, learningRate: Double, warmupSteps: Int = 0,
        gradientClip: Double = 1, generator: RandomGenerator
    ) {
        precondition(epochs > 0 && batchSize > 0 && stepsPerEpoch > 0, "SequenceToSequenceTask: epochs, batch size and steps must be positive")
        let totalSteps = epochs * stepsPerEpoch
        self.model = model
        self.batchSize = batchSize
        self.stepsPerEpoch = stepsPerEpoch
        self.optimizer = Adam(model.parameters, lr: learningRate)
        self.scheduler = LambdaLR(optimizer) { step in
            if step < warmupSteps { return Double(step + 1) / Double(warmupSteps) }
            let progress = Double(step - warmupSteps) / Double(max(totalSteps - warmupSteps, 1))
            return 0.5 * (1 + cos(Double.pi * progress))
        }
        self.gradientClip = gradientClip
        self.generator = generator
    }

    /// `model`, `optimizer`, `scheduler` and `generator`.
    public var state: TrainingState<Scalar> {
        TrainingState([
            ("model", .module(model)), ("optimizer", .optimizer(optimizer)), ("scheduler", .scheduler(scheduler)),
            ("generator", .random(get: { self.generator }, set: { self.generator = $0 })),
        ])
    }

    /// Training mode.
    public func beginEpoch(_ epoch: Int) {
        model.train()
    }

    /// One batch of fresh numbers: the loss, a clipped update, the schedule's step.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let batch = NumberWords.batch(NumberWords.trainingNumbers(batchSize, &generator))
        let value = try context.minimize(model.loss(source: batch.source, target: batch.target), with: optimizer, clipNorm: gradientClip)
        scheduler.step()
        guard let value else { return .skipped(samples: batchSize) }
        return StepResult(lossSum: value, weight: 1, samples: batchSize)
    }

    /// Nothing to add.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        EpochEvaluation()
    }
}
