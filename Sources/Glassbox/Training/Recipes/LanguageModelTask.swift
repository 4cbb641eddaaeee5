#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The character language-model recipe (``GPT``, ``CharLSTM``) on a ``CharacterCorpus``: every
/// step draws ``batchSize`` random windows of the training part from the task's generator, takes
/// the mean cross-entropy over every position, and Adam (β₂ 0.99) takes a step with the
/// gradient norm clipped to 1 (dropout, where the model has it, in training mode only). The
/// learning rate warms up linearly over ``warmupSteps`` steps, then decays along a cosine to a
/// tenth of the rate over the run: over ``totalSteps``, or over the training-time budget
/// ``timeBudget`` when that runs out first.
///
/// The task has no finite training set: an "epoch" is ``stepsPerEpoch`` steps, one point of the
/// training curve, after which the task measures the validation loss on the first
/// ``curveWindows`` validation windows. A checkpoint holds the model, the optimizer, the
/// generator, the step count and the training time, so a run of ``totalSteps`` steps resumes
/// exactly (a time budget depends on the machine's speed and does not).
public final class LanguageModelTask: TrainingTask {
    /// Language models train in `Float`.
    public typealias Scalar = Float
    /// Validation windows measured at each point of the curve.
    public static let curveWindows = 128

    /// The model, for its parameters, modes and saving.
    public let model: any Module<Float>
    /// The model's logits `[B, T, V]` of ids `[B, T]`.
    public let logits: (IndexTensor) -> Tensor<Float>
    /// The text, split into training and validation ids.
    public let corpus: CharacterCorpus
    /// The length of a training window (the model's context).
    public let windowLength: Int
    /// Windows per step.
    public let batchSize: Int
    /// Steps per epoch (per point of the curve).
    public let stepsPerEpoch: Int
    /// The steps of the whole run, or `nil` when only ``timeBudget`` bounds it.
    public let totalSteps: Int?
    /// The seconds of training of the whole run, or `nil`.
    public let timeBudget: Double?
    /// The peak learning rate.
    public let learningRate: Double
    /// Steps of linear learning-rate warm-up.
    public let warmupSteps: Int
    /// Adam (β 0.9, 0.99) over the model's parameters.
    public let optimizer: Adam<Float>
    /// The stream the training windows are drawn from.
    public var generator: RandomGenerator
    /// Steps taken so far in the run (including those of a resumed checkpoint).
    public private(set) var stepCount = 0
    /// Seconds spent in training steps so far in the run.
    public private(set) var trainingSeconds = 0.0
    /// The consecutive validation windows (all of them, for the final figure).
    public let validationWindows: (input: IndexTensor, target: IndexTensor)

    /// A task over `corpus` for `totalSteps` steps and/or `timeBudget` seconds, in epochs of
    /// `stepsPerEpoch` steps; `generator` draws the windows (the model is built beforehand).
    ///
    /// - Precondition: `totalSteps` or `timeBudget` is given; sizes are positive; the
    ///   validation part is longer than a window.
    public init(
        model: any Module<Float>, logits: @escaping (IndexTensor) -> Tensor<Float>, corpus: CharacterCorpus, windowLength: Int,
        batchSize: Int, learningRate: Double, totalSteps: Int?, timeBudget: Double? = nil, stepsPerEpoch: Int, warmupSteps: Int = 100,
        generator: RandomGenerator
    ) {
        precondition(totalSteps != nil || timeBudget != nil, "LanguageModelTask: give totalSteps or timeBudget")
        precondition(batchSize > 0 && stepsPerEpoch > 0 && windowLength > 0, "LanguageModelTask: sizes must be positive")
        precondition(corpus.validation.count > windowLength, "LanguageModelTask: the validation part is shorter than a window")
        self.model = model
        self.logits = logits
        self.corpus = corpus
        self.windowLength = windowLength
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.totalSteps = totalSteps
        self.timeBudget = timeBudget
        self.stepsPerEpoch = stepsPerEpoch
        self.warmupSteps = warmupSteps
        self.optimizer = Adam(model.parameters, lr: learningRate, betas: (0.9, 0.99))
        self.generator = generator
        self.validationWindows = CharacterCorpus.sequentialWindows(corpus.validation, length: windowLength)
    }

    /// `model`, `optimizer`, `generator`, `step_count`, `training_microseconds` and the own
    /// generators of the model's dropout layers.
    public var state: TrainingState<Float> {
        var state = TrainingState<Float>([
            ("model", .module(model)), ("optimizer", .optimizer(optimizer)),
            ("generator", .random(get: { self.generator }, set: { self.generator = $0 })),
            ("step_count", .counter(get: { self.stepCount }, set: { self.stepCount = $0 })),
            ("training_microseconds", .counter(get: { Int(self.trainingSeconds * 1e6) }, set: { self.trainingSeconds = Double($0) / 1e6 })),
        ])
        state.appendDropoutGenerators(of: model, name: "dropout")
        return state
    }

    /// The run's progress in [0, 1]: the larger of the spent time and step fractions.
    public var progress: Double {
        Swift.min(1, Swift.max(timeBudget.map { trainingSeconds / $0 } ?? 0, totalSteps.map { Double(stepCount) / Double($0) } ?? 0))
    }

    /// Training mode.
    public func beginEpoch(_ epoch: Int) {
        model.train()
    }

    /// One batch of random windows: the scheduled rate, the loss, a clipped update.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let clock = Stopwatch()
        let decay = 0.1 + 0.45 * (1 + cos(Double.pi * progress))
        optimizer.learningRate = learningRate * Swift.min(1, Double(stepCount + 1) / Double(warmupSteps)) * decay
        let batch = CharacterCorpus.randomWindows(corpus.training, count: batchSize, length: windowLength, generator: &generator)
        let value = try context.minimize(Self.loss(logits(batch.input), batch.target), with: optimizer, clipNorm: 1)
        stepCount += 1
        trainingSeconds += clock.seconds
        guard let value else { return .skipped(samples: batchSize) }
        return StepResult(lossSum: value, weight: 1, samples: batchSize)
    }

    /// The validation loss on the first ``curveWindows`` windows (`validation_loss`), with the
    /// step count and training seconds (`step`, `seconds`).
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        let count = Swift.min(Self.curveWindows, validationWindows.input.shape[0])
        let validation = validationLoss(Self.rows(validationWindows, 0..<count))
        return EpochEvaluation(
            metrics: ["validation_loss": validation, "step": Double(stepCount), "seconds": trainingSeconds],
            message: "step \(stepCount), \(TextFormat.fixed(trainingSeconds / 60, decimals: 1)) min, "
                + "train loss \(TextFormat.fixed(record.loss, decimals: 3)), validation loss \(TextFormat.fixed(validation, decimals: 3))")
    }

    /// The mean cross-entropy over every position of logits `[B, T, V]` for targets `[B, T]`.
    public static func loss(_ logits: Tensor<Float>, _ target: IndexTensor) -> Tensor<Float> {
        let v = logits.shape[2]
        return crossEntropy(logits.reshaped([logits.count / v, v]), IndexTensor(target.indices, shape: [target.indices.count]))
    }

    /// The mean loss (nats/char) over `windows`, in evaluation mode, in batches of `batchSize`
    /// windows taken in order.
    public func validationLoss(_ windows: (input: IndexTensor, target: IndexTensor), batchSize: Int = 64) -> Double {
        model.eval()
        defer { model.train() }
        let count = windows.input.shape[0]
        return withoutGrad {
            stride(from: 0, to: count, by: batchSize).map { start in
                let batch = Self.rows(windows, start..<Swift.min(count, start + batchSize))
                return Double(Self.loss(logits(batch.input), batch.target).item) * Double(batch.input.shape[0])
            }.reduce(0, +) / Double(count)
        }
    }

    /// The windows `rows` of `windows`.
    static func rows(_ windows: (input: IndexTensor, target: IndexTensor), _ rows: Range<Int>) -> (input: IndexTensor, target: IndexTensor) {
        let length = windows.input.shape[1]
        func pick(_ t: IndexTensor) -> IndexTensor {
            IndexTensor(Array(t.indices[(rows.lowerBound * length)..<(rows.upperBound * length)]), shape: [rows.count, length])
        }
        return (pick(windows.input), pick(windows.target))
    }
}
