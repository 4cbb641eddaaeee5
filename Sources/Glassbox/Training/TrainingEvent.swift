#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The figures of one finished epoch of a ``Trainer`` run.
public struct EpochRecord: Sendable, Equatable {
    /// The epoch, 1-based (counting the epochs of a resumed checkpoint).
    public var epoch: Int
    /// The epoch's mean training loss (``StepResult/lossSum`` over ``StepResult/weight``);
    /// NaN when every step was skipped.
    public var loss: Double
    /// The fraction of samples classified correctly, for tasks that count them.
    public var accuracy: Double?
    /// The task's end-of-epoch figures (``EpochEvaluation/metrics``).
    public var metrics: [String: Double]
    /// Wall-clock seconds of the epoch's steps (not counting ``TrainingTask/endEpoch(_:)``).
    public var seconds: Double
    /// Samples read during the epoch.
    public var samples: Int
    /// Steps run (fewer than an epoch's when the time budget ran out).
    public var steps: Int
    /// Steps skipped because their loss was not finite.
    public var skippedSteps: Int

    /// Creates a record.
    public init(
        epoch: Int, loss: Double, accuracy: Double? = nil, metrics: [String: Double] = [:], seconds: Double = 0,
        samples: Int = 0, steps: Int = 0, skippedSteps: Int = 0
    ) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.metrics = metrics
        self.seconds = seconds
        self.samples = samples
        self.steps = steps
        self.skippedSteps = skippedSteps
    }
}

/// What a ``Trainer`` reports while it runs, to a callback (the CLI's ``ProgressBar`` is one
/// consumer, through ``ProgressBar/reporter(descriptor:)``).
public enum TrainingEvent: Sendable, Equatable {
    /// The run starts: epochs `firstEpoch...epochs` (1-based) of `stepsPerEpoch` steps, within
    /// `timeLimit` seconds if given.
    case started(epochs: Int, stepsPerEpoch: Int, firstEpoch: Int, timeLimit: Double?)
    /// A step finished: the epoch's running mean loss (and accuracy) and the samples read since
    /// the run (this invocation) started.
    case step(epoch: Int, step: Int, loss: Double, accuracy: Double?, samples: Int)
    /// A line for the user (skipped steps, a validation result).
    case message(String)
    /// An epoch finished (after its evaluation).
    case epochEnded(EpochRecord)
    /// A checkpoint was written.
    case checkpointSaved(path: String, epoch: Int)
}

extension ProgressBar {
    /// A ``Trainer`` event handler that draws a progress bar on `descriptor` (stderr by
    /// default), created when the run starts.
    public static func reporter(descriptor: Int32 = STDERR_FILENO) -> (TrainingEvent) -> Void {
        var bar: ProgressBar?
        return { event in
            switch event {
            case .started(let epochs, let steps, let first, let limit):
                bar = ProgressBar(epochs: epochs, stepsPerEpoch: steps, firstEpoch: first, timeLimit: limit, descriptor: descriptor)
            case .step(let epoch, let step, let loss, let accuracy, let samples):
                bar?.update(epoch: epoch, step: step, loss: loss, accuracy: accuracy, samples: samples)
            case .message(let text):
                if let bar { bar.message(text) } else { Console.write(text + "\n", to: descriptor) }
            case .epochEnded, .checkpointSaved: break
            }
        }
    }
}
