/// What one training run does, for a ``Trainer``: how many steps an epoch has, what one step
/// is (one or several optimizer steps, through ``TrainingContext/minimize(_:with:frozen:clipNorm:)``),
/// what happens around an epoch (data order, validation, schedules) and which state a checkpoint
/// must hold to resume exactly.
///
/// The ``Trainer`` does the rest: the epoch and step loops, the time budget and `stopAfter`,
/// running means and progress events, non-finite losses, gradient clipping, checkpoints and
/// resuming.
public protocol TrainingTask: AnyObject {
    /// The element type of the task's tensors.
    associatedtype Scalar: TensorScalar

    /// Steps in one epoch.
    var stepsPerEpoch: Int { get }

    /// Everything a checkpoint saves (modules, optimizers, schedulers, averages, random
    /// streams, data orders, counters). The default generator is saved by the ``Trainer``.
    var state: TrainingState<Scalar> { get }

    /// Prepares epoch `epoch` (0-based): the data order, training mode.
    func beginEpoch(_ epoch: Int) throws

    /// Runs step `step` (0-based) of the current epoch.
    func step(_ step: Int, context: TrainingContext) throws -> StepResult

    /// Finishes an epoch after its steps: validation, schedules, files. `record` holds the
    /// epoch's training figures; the returned metrics and message are added to it.
    func endEpoch(_ record: EpochRecord) throws -> EpochEvaluation
}

/// What a ``TrainingTask`` reports of one step.
public struct StepResult: Sendable, Equatable {
    /// The step's contribution to the numerator of the epoch's mean loss (`loss × samples` for
    /// a batch-mean loss, the loss itself for a summed one); 0 when skipped.
    public var lossSum: Double
    /// The step's contribution to the denominator of the epoch's mean loss.
    public var weight: Double
    /// Samples classified correctly, for tasks that measure accuracy.
    public var correct: Int?
    /// Samples the step read (skipped or not).
    public var samples: Int
    /// Whether the step was skipped because its loss was not finite.
    public var skipped: Bool

    /// A step whose figures enter the epoch's means.
    public init(lossSum: Double, weight: Double, correct: Int? = nil, samples: Int) {
        self.lossSum = lossSum
        self.weight = weight
        self.correct = correct
        self.samples = samples
        self.skipped = false
    }

    /// A step skipped by ``NonFiniteLossPolicy/skipBatch``.
    public static func skipped(samples: Int) -> StepResult {
        var result = StepResult(lossSum: 0, weight: 0, samples: samples)
        result.skipped = true
        return result
    }
}

/// What a ``TrainingTask`` adds at the end of an epoch.
public struct EpochEvaluation: Sendable, Equatable {
    /// Named figures (validation loss, a second player's loss, the learning rate, …).
    public var metrics: [String: Double]
    /// A line to show (e.g. `epoch 3, test loss 101.2`), or `nil`.
    public var message: String?

    /// Creates an evaluation.
    public init(metrics: [String: Double] = [:], message: String? = nil) {
        self.metrics = metrics
        self.message = message
    }
}

/// The position and policies a step runs under, with the one way a task updates weights.
public struct TrainingContext: Sendable {
    /// The epoch, 1-based.
    public let epoch: Int
    /// The step within the epoch, 1-based.
    public let step: Int
    /// Steps in the epoch.
    public let stepsPerEpoch: Int
    /// What to do with a NaN or infinite loss.
    public let onNonFiniteLoss: NonFiniteLossPolicy
    /// The gradient-norm clip of every update (`nil`: none).
    public let gradientClipNorm: Double?

    /// Creates a context (the ``Trainer`` makes one per step).
    public init(epoch: Int, step: Int, stepsPerEpoch: Int, onNonFiniteLoss: NonFiniteLossPolicy = .stop, gradientClipNorm: Double? = nil) {
        self.epoch = epoch
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.onNonFiniteLoss = onNonFiniteLoss
        self.gradientClipNorm = gradientClipNorm
    }

    /// `value` when finite; otherwise `nil` (``NonFiniteLossPolicy/skipBatch``) or a thrown
    /// ``NonFiniteLossError`` (``NonFiniteLossPolicy/stop``).
    public func check(_ value: Double) throws -> Double? {
        if value.isFinite { return value }
        if onNonFiniteLoss == .skipBatch { return nil }
        throw NonFiniteLossError(epoch: epoch, batch: step, batchCount: stepsPerEpoch, loss: value)
    }

    /// One update: checks that `loss` is finite (before anything changes), then
    /// `optimizer.zeroGrad()`, `loss.backward()` with `frozen` tensors not requiring gradients,
    /// the gradient-norm clip (`clipNorm`, else ``gradientClipNorm``) and `optimizer.step()`.
    /// Returns the loss, or `nil` when the step is skipped.
    @discardableResult
    public func minimize<Scalar>(
        _ loss: Tensor<Scalar>, with optimizer: any Optimizer<Scalar>, frozen: [Tensor<Scalar>] = [], clipNorm: Double? = nil
    ) throws -> Double? {
        guard let value = try check(Double(loss.item)) else { return nil }
        OpProfiler.timed("optimizer") { optimizer.zeroGrad() }
        for tensor in frozen { tensor.requiresGrad = false }
        loss.backward()
        for tensor in frozen { tensor.requiresGrad = true }
        if let clip = clipNorm ?? gradientClipNorm {
            _ = OpProfiler.timed("gradient clipping") { clipGradNorm(optimizer.parameters, maxNorm: clip) }
        }
        OpProfiler.timed("optimizer") { optimizer.step() }
        return value
    }
}
