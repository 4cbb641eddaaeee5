/// The forecasting recipe: trains a ``Forecaster`` on every window of a series' history.
/// Creating the task sets the model's ``Forecaster/differenceMean`` and
/// ``Forecaster/differenceStd`` from the history's differences; every epoch shuffles the
/// windows afresh (with the task's generator) and each mini-batch minimises the mean squared
/// error of the next normalised difference with Adam, the gradient norm clipped to
/// ``gradientClip``.
///
/// A checkpoint holds the model (with its normalisation), the optimizer and the generator.
public final class ForecastTask<Scalar: TensorScalar>: TrainingTask {
    /// The model trained.
    public let model: Forecaster<Scalar>
    /// Windows per step.
    public let batchSize: Int
    /// Adam over the model's parameters.
    public let optimizer: Adam<Scalar>
    /// The gradient-norm clip of every step.
    public let gradientClip: Double
    /// The stream of the shuffles.
    public var generator: RandomGenerator
    /// The normalised differences of the history.
    private let normalized: [Scalar]
    private var order: [Int] = []

    /// A task training `model` on `history` (positive monthly values).
    ///
    /// - Precondition: `history` has more than `period + windowSize` values; `batchSize > 0`.
    public init(model: Forecaster<Scalar>, history: [Double], batchSize: Int = 32, learningRate: Double = 0.003, seed: UInt64, gradientClip: Double = 1) {
        precondition(
            history.count > model.period + model.windowSize,
            "Forecaster.fit: \(history.count) months, need more than period + windowSize = \(model.period + model.windowSize)")
        precondition(batchSize > 0, "Forecaster.fit: batch size \(batchSize) must be positive")
        let z = model.differences(history)
        let mean = z.reduce(0, +) / Double(z.count)
        let std = Swift.max((z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count)).squareRoot(), 1e-8)
        model.differenceMean.assign(Tensor([Scalar(mean)], shape: [1]))
        model.differenceStd.assign(Tensor([Scalar(std)], shape: [1]))
        self.model = model
        self.normalized = z.map { Scalar(($0 - mean) / std) }
        self.batchSize = batchSize
        self.optimizer = Adam(model.parameters, lr: learningRate)
        self.gradientClip = gradientClip
        self.generator = RandomGenerator(seed: seed)
    }

    /// The windows trained on.
    public var sampleCount: Int { normalized.count - model.windowSize }

    /// Batches per epoch.
    public var stepsPerEpoch: Int { (sampleCount + batchSize - 1) / batchSize }

    /// `model`, `optimizer` and `generator`.
    public var state: TrainingState<Scalar> {
        TrainingState([
            ("model", .module(model)), ("optimizer", .optimizer(optimizer)),
            ("generator", .random(get: { self.generator }, set: { self.generator = $0 })),
        ])
    }

    /// A fresh order; training mode.
    public func beginEpoch(_ epoch: Int) {
        order = Array(0..<sampleCount)
        generator.shuffle(&order)
        model.train()
    }

    /// One batch of windows: the loss of the next difference, a clipped update.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let w = model.windowSize
        let rows = order[(step * batchSize)..<Swift.min((step + 1) * batchSize, sampleCount)]
        let windows = Tensor(rows.flatMap { normalized[$0..<($0 + w)] }, shape: [rows.count, w, 1])
        let targets = Tensor(rows.map { normalized[$0 + w] }, shape: [rows.count, 1])
        guard let value = try context.minimize(mseLoss(model(windows), targets), with: optimizer, clipNorm: gradientClip) else {
            return .skipped(samples: rows.count)
        }
        return StepResult(lossSum: value, weight: 1, samples: rows.count)
    }

    /// Nothing to add.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        EpochEvaluation()
    }
}
