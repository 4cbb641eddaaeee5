/// The GAN recipe (DCGAN, WGAN, WGAN-GP): every epoch shuffles the training images (continuing
/// the previous order, with the task's generator) and walks them in full batches scaled to
/// [−1, 1]. Each real batch trains the discriminator (critic) once — then, for
/// ``GANObjective/wassersteinClipped(clip:)``, clips its weights; after every `criticSteps`
/// discriminator steps (counted across epochs) the generator takes one step on as many fresh
/// latents, with the discriminator's parameters frozen, and the generator's moving average (if
/// any) follows.
///
/// The epoch's loss is the discriminator's mean loss; the metrics are `generator_loss` (mean
/// over the epoch's generator steps) and `wasserstein_estimate` (mean `D(x) − D(G(z))`, 0 for
/// the non-saturating objective). A checkpoint holds the GAN, both optimizers, the average,
/// the generator stream, the data order and the critic-step counter.
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let gan = GAN<Float>(
///     generator: makeDCGANGenerator(latentSize: 100, width: 64, generator: &generator),
///     discriminator: makeDCGANDiscriminator(width: 64, batchNorm: false, minibatchKernels: nil, generator: &generator),
///     latentSize: 100)
/// let task = GANTask(
///     gan: gan, data: train, batchSize: 64, objective: .wassersteinGradientPenalty(lambda: 10), criticSteps: 5,
///     discriminatorOptimizer: Adam(gan.discriminator.parameters, lr: 1e-4, betas: (0.5, 0.9)),
///     generatorOptimizer: Adam(gan.generator.parameters, lr: 1e-4, betas: (0.5, 0.9)), generator: generator)
/// try Trainer(task, epochs: 20).run(onEvent: ProgressBar.reporter())
/// ```
public final class GANTask<Scalar: TensorScalar>: TrainingTask {
    /// The GAN trained.
    public let gan: GAN<Scalar>
    /// The training images.
    public let data: ImageDataset<Scalar>
    /// Images per discriminator step (every batch is full; the rest of an epoch is skipped).
    public let batchSize: Int
    /// The adversarial objective.
    public let objective: GANObjective
    /// Discriminator steps per generator step.
    public let criticSteps: Int
    /// The optimizer of the discriminator's parameters.
    public let discriminatorOptimizer: any Optimizer<Scalar>
    /// The optimizer of the generator's parameters.
    public let generatorOptimizer: any Optimizer<Scalar>
    /// A moving average of the generator's weights, updated after each generator step, if any.
    public let generatorAverage: ExponentialMovingAverage<Scalar>?
    /// The stream of the shuffles, latents and penalty interpolations.
    public var generator: RandomGenerator
    /// The current data order.
    public private(set) var order: [Int]
    /// Discriminator steps since the last generator step.
    public private(set) var criticStep = 0
    private var generatorSum = 0.0, generatorSteps = 0, estimateSum = 0.0

    /// A GAN task.
    ///
    /// - Precondition: `batchSize ≥ 2`, `criticSteps ≥ 1`, and an epoch has at least one batch.
    public init(
        gan: GAN<Scalar>, data: ImageDataset<Scalar>, batchSize: Int, objective: GANObjective, criticSteps: Int = 1,
        discriminatorOptimizer: any Optimizer<Scalar>, generatorOptimizer: any Optimizer<Scalar>,
        generatorAverage: ExponentialMovingAverage<Scalar>? = nil, generator: RandomGenerator
    ) {
        precondition(batchSize >= 2 && criticSteps >= 1, "GANTask: batch size \(batchSize) < 2 or critic steps \(criticSteps) < 1")
        precondition(data.count >= batchSize, "GANTask: \(data.count) images make no batch of \(batchSize)")
        self.gan = gan
        self.data = data
        self.batchSize = batchSize
        self.objective = objective
        self.criticSteps = criticSteps
        self.discriminatorOptimizer = discriminatorOptimizer
        self.generatorOptimizer = generatorOptimizer
        self.generatorAverage = generatorAverage
        self.generator = generator
        self.order = Array(0..<data.count)
    }

    /// Full batches per epoch.
    public var stepsPerEpoch: Int { data.count / batchSize }

    /// `model` (the GAN), `discriminator_optimizer`, `generator_optimizer`, `average` (if
    /// any), `generator`, `order` and `critic_step`.
    public var state: TrainingState<Scalar> {
        var state = TrainingState<Scalar>([
            ("model", .module(gan)), ("discriminator_optimizer", .optimizer(discriminatorOptimizer)),
            ("generator_optimizer", .optimizer(generatorOptimizer)),
        ])
        if let generatorAverage { state.append("average", .average(generatorAverage)) }
        state.append("generator", .random(get: { self.generator }, set: { self.generator = $0 }))
        state.append("order", .indices(get: { self.order }, set: { self.order = $0 }))
        state.append("critic_step", .counter(get: { self.criticStep }, set: { self.criticStep = $0 }))
        return state
    }

    /// Shuffles the order and clears the epoch's sums.
    public func beginEpoch(_ epoch: Int) {
        generator.shuffle(&order)
        (generatorSum, generatorSteps, estimateSum) = (0, 0, 0)
    }

    /// One discriminator step, and a generator step after every `criticSteps` of them.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let indices = order[(step * batchSize)..<((step + 1) * batchSize)]
        let real = GAN<Scalar>.fromUnitPixels(data.unitPixels(indices))
        let d = gan.discriminatorLoss(real: real, objective: objective, generator: &generator)
        guard let dValue = try context.minimize(d.total, with: discriminatorOptimizer) else { return .skipped(samples: batchSize) }
        if case .wassersteinClipped(let clip) = objective { gan.clipDiscriminator(clip) }
        estimateSum += d.wassersteinEstimate.map { Double($0.item) } ?? 0
        criticStep += 1
        if criticStep == criticSteps {
            criticStep = 0
            let frozen = gan.discriminator.parameters
            for p in frozen { p.requiresGrad = false }
            defer { for p in frozen { p.requiresGrad = true } }
            let loss = gan.generatorLoss(batchSize: batchSize, objective: objective, generator: &generator)
            if let g = try context.minimize(loss, with: generatorOptimizer, frozen: frozen) {
                generatorAverage?.update()
                generatorSum += g
                generatorSteps += 1
            }
        }
        return StepResult(lossSum: dValue, weight: 1, samples: batchSize)
    }

    /// `generator_loss` and `wasserstein_estimate` of the epoch.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        EpochEvaluation(metrics: [
            "generator_loss": generatorSum / Double(Swift.max(generatorSteps, 1)),
            "wasserstein_estimate": estimateSum / Double(stepsPerEpoch),
        ])
    }
}
