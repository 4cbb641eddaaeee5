/// The DDPM recipe (Ho et al.): every epoch draws a fresh order of the training images (scaled
/// to [−1, 1]) from the task's generator; each batch draws its diffusion steps and noise from
/// the same generator, the optimizer takes a step on the ε-prediction MSE (the gradient norm
/// clipped to ``gradientClip``), and an exponential moving average of the weights follows.
/// After every epoch the metric `test_loss` is the averaged weights' mean ε-loss on the first
/// ``testImages`` test images (steps and noise from a fixed seed: the same draws every epoch).
///
/// A checkpoint holds the U-Net, the optimizer, the average and the generator.
///
/// ```swift
/// var generator = RandomGenerator(seed: 0)
/// let model = DDPM(unet: UNet<Float>(baseChannels: 16, attention: true, generator: &generator))
/// let task = DDPMTask(model: model, data: train, test: test, batchSize: 128, learningRate: 1e-3, generator: generator)
/// try Trainer(task, epochs: 10).run(onEvent: ProgressBar.reporter())
/// ```
public final class DDPMTask<Scalar: TensorScalar>: TrainingTask {
    /// The model trained.
    public let model: DDPM<Scalar>
    /// The training images.
    public let data: ImageDataset<Scalar>
    /// The test images whose ε-loss is measured after every epoch, if any.
    public let test: ImageDataset<Scalar>?
    /// Images per step (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Adam over the U-Net's parameters.
    public let optimizer: Adam<Scalar>
    /// The moving average of the U-Net's parameters (what is sampled and saved).
    public let average: ExponentialMovingAverage<Scalar>
    /// The stream of the orders, steps and noise.
    public var generator: RandomGenerator
    /// The gradient-norm clip of every step.
    public let gradientClip: Double
    /// Test images measured after every epoch.
    public let testImages: Int
    private var order: [Int] = []

    /// A DDPM task with Adam at `learningRate` and an average of decay `averageDecay`.
    ///
    /// - Precondition: `batchSize > 0`.
    public init(
        model: DDPM<Scalar>, data: ImageDataset<Scalar>, test: ImageDataset<Scalar>? = nil, batchSize: Int, learningRate: Double,
        averageDecay: Double = 0.999, gradientClip: Double = 1, testImages: Int = 2000, generator: RandomGenerator
    ) {
        precondition(batchSize > 0, "DDPMTask: batchSize must be positive, got \(batchSize)")
        self.model = model
        self.data = data
        self.test = test
        self.batchSize = batchSize
        self.optimizer = Adam(model.unet.parameters, lr: learningRate)
        self.average = ExponentialMovingAverage(model.unet.parameters, decay: averageDecay)
        self.gradientClip = gradientClip
        self.testImages = testImages
        self.generator = generator
    }

    /// Batches per epoch.
    public var stepsPerEpoch: Int { (data.count + batchSize - 1) / batchSize }

    /// `model` (the U-Net), `optimizer`, `average` and `generator`.
    public var state: TrainingState<Scalar> {
        TrainingState([
            ("model", .module(model.unet)), ("optimizer", .optimizer(optimizer)), ("average", .average(average)),
            ("generator", .random(get: { self.generator }, set: { self.generator = $0 })),
        ])
    }

    /// A fresh order.
    public func beginEpoch(_ epoch: Int) {
        order = Array(0..<data.count)
        generator.shuffle(&order)
    }

    /// One batch: the ε-loss, a clipped update, the average's update.
    public func step(_ step: Int, context: TrainingContext) throws -> StepResult {
        let indices = order[(step * batchSize)..<Swift.min(order.count, (step + 1) * batchSize)]
        let loss = model.loss(GAN<Scalar>.fromUnitPixels(data.unitPixels(indices)), generator: &generator)
        guard let value = try context.minimize(loss, with: optimizer, clipNorm: gradientClip) else {
            return .skipped(samples: indices.count)
        }
        average.update()
        return StepResult(lossSum: value * Double(indices.count), weight: Double(indices.count), samples: indices.count)
    }

    /// `test_loss`: the averaged weights' mean ε-loss on the test images.
    public func endEpoch(_ record: EpochRecord) -> EpochEvaluation {
        guard let test else { return EpochEvaluation() }
        return EpochEvaluation(metrics: ["test_loss": average.withAverages { testLoss(on: test) }])
    }

    /// The mean ε-loss of the first ``testImages`` of `images`, in batches of 500, with steps
    /// and noise from a fixed seed, without recording gradients.
    public func testLoss(on images: ImageDataset<Scalar>) -> Double {
        var noise = RandomGenerator(seed: 0x7E57)
        let count = Swift.min(testImages, images.count)
        var total = 0.0
        withoutGrad {
            for start in stride(from: 0, to: count, by: 500) {
                let end = Swift.min(count, start + 500)
                total += Double(model.loss(GAN<Scalar>.fromUnitPixels(images.unitPixels(start..<end)), generator: &noise).item) * Double(end - start)
            }
        }
        return total / Double(count)
    }
}
