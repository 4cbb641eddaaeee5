/// The autoencoder and VAE recipe: every epoch shuffles the training images (continuing the
/// previous epoch's order, with the task's generator), each batch of pixels in [0, 1] gives a
/// loss summed over the batch (a reconstruction loss, or a VAE's negative ELBO drawing its
/// noise from the same generator), and the optimizer takes a step. After every epoch it
/// measures the mean loss per test image (noise from a fixed seed, so every epoch uses the
/// same draws) as the metric `test_loss`.
///
/// A checkpoint holds the model, the optimizer, the generator and the data order.
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let vae = VAE<Float>(hiddenSize: 400, latentSize: 20, generator: &generator)
/// let task = AutoencoderTask(
///     model: vae, data: train, test: test, batchSize: 128, optimizer: Adam(vae.parameters, lr: 1e-3),
///     generator: generator) { images, noise in vae.loss(images, generator: &noise).total }
/// try Trainer(task, epochs: 10).run(onEvent: ProgressBar.reporter())
/// ```
public final class AutoencoderTask<Scalar: TensorScalar>: TrainingTask {
    /// The model trained.
    public let model: any Module<Scalar>
    /// The training images.
    public let data: ImageDataset<Scalar>
    /// The test images measured after every epoch, if any.
    public let test: ImageDataset<Scalar>?
    /// Images per step (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// The optimizer of the model's parameters.
    public let optimizer: any Optimizer<Scalar>
    /// The stream of the shuffles and of the loss's noise.
    public var generator: RandomGenerator
    /// The current data order (each epoch shuffles the previous one).
    public private(set) var order: [Int]
    /// The loss of a batch of images in [0, 1], summed over the batch.
    public let loss: (Tensor<Scalar>, inout RandomGenerator) -> Tensor<Scalar>
    /// The seed of the test loss's noise.
    public static var evaluationSeed: UInt64 { 0x7E57 }

    /// A task training `model` on `data` with `loss` (summed over a batch of pixels in [0, 1]).
    ///
    /// - Precondition: `batchSize > 0`.
    public init(
        model: any Module<Scalar>, data: ImageDataset<Scalar>, test: ImageDataset<Scalar>? = nil, batchSize: Int,
        optimizer: any Optimizer<Scalar>, generator: RandomGenerator,
        loss: @escaping (Tensor<Scalar>, inout RandomGenerator) -> Tensor<Scalar>
    ) {
        precondition(batchSize > 0, "AutoencoderTask: batchSize must be positive, got \(batchSize)")
        self.model = model
        self.data = data
        self.test = test
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.generator = generator
        self.order = Array(0..<data.count)
        self.loss = loss
    }

    /// Batches per epoch.
    public var stepsPerEpoch: Int { (data.count + batchSize - 1) / batchSize }

    /// `model`, `optimizer`, the generator (`generator`) and the data order (`order`).
    public var state: TrainingState<Scalar> {
        TrainingState([
            ("model", .module(model)), ("optimizer", .optimizer(optimizer)),
            ("generator", .random(get: { self.generator }, set: { self.generator = $0 })),
            ("order", .indices(get: { self.order }, set: { self.order = $0 })),
        ])
    }

    /// Shuffles the order.
    public func beginEpoch(_ epoch: Int) {
        generator.shuffle(&order)
    }

    /// One batch: the summed loss, an update.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let indices = order[(step * batchSize)..<Swift.min(order.count, (step + 1) * batchSize)]
        let value = try context.minimize(loss(data.unitPixels(indices), &generator), with: optimizer)
        guard let value else { return .skipped(samples: indices.count) }
        return StepResult(lossSum: value, weight: Double(indices.count), samples: indices.count)
    }

    /// `test_loss`: the mean loss per test image.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        guard let test else { return EpochEvaluation() }
        return EpochEvaluation(metrics: ["test_loss": meanLoss(on: test)])
    }

    /// The mean loss per image over `images`, in batches of 500, with noise from
    /// ``evaluationSeed``, without recording gradients.
    public func meanLoss(on images: ImageDataset<Scalar>) -> Double {
        var noise = RandomGenerator(seed: Self.evaluationSeed)
        var total = 0.0
        withoutGrad {
            for start in stride(from: 0, to: images.count, by: 500) {
                total += Double(loss(images.unitPixels(start..<Swift.min(images.count, start + 500)), &noise).item)
            }
        }
        return total / Double(images.count)
    }
}
