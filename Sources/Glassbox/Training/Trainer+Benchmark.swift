/// What ``Trainer/measureSteps(warmup:steps:)`` timed.
public struct StepTiming: Sendable, Equatable {
    /// Optimizer steps timed (warm-up excluded).
    public var steps: Int
    /// Samples those steps read.
    public var samples: Int
    /// Wall-clock seconds of those steps.
    public var seconds: Double

    /// Creates a timing.
    public init(steps: Int, samples: Int, seconds: Double) {
        self.steps = steps
        self.samples = samples
        self.seconds = seconds
    }

    /// Steps per second.
    public var stepsPerSecond: Double { Double(steps) / Swift.max(seconds, 1e-12) }
    /// Samples per second.
    public var samplesPerSecond: Double { Double(samples) / Swift.max(seconds, 1e-12) }
}

extension Trainer {
    /// Runs `warmup` untimed steps, then times `steps` steps of the task: the steady-state speed
    /// of exactly the steps ``run(onEvent:)`` runs (the same ``TrainingContext``, clipping and
    /// non-finite-loss policy, the task's own data order and batching), without validation,
    /// checkpoints or events. Epoch boundaries call ``TrainingTask/beginEpoch(_:)`` as a run
    /// does; ``TrainingTask/endEpoch(_:)`` (validation, epoch-end schedules) is not called.
    ///
    /// The task's state moves on as in training; benchmark a fresh task.
    public func measureSteps(warmup: Int, steps: Int) throws -> StepTiming {
        precondition(warmup >= 0 && steps > 0, "measureSteps: warmup must be >= 0 and steps > 0, got \(warmup) and \(steps)")
        let perEpoch = task.stepsPerEpoch
        precondition(perEpoch > 0, "measureSteps: the task has no steps in an epoch")
        var epoch = 0, step = 0, samples = 0
        var clock = Stopwatch()
        for index in 0..<(warmup + steps) {
            if index == warmup {
                samples = 0
                clock = Stopwatch()
            }
            if step == 0 { try task.beginEpoch(epoch) }
            let context = TrainingContext(
                epoch: epoch + 1, step: step + 1, stepsPerEpoch: perEpoch, onNonFiniteLoss: onNonFiniteLoss,
                gradientClipNorm: gradientClipNorm)
            samples += try task.step(step, context: context).samples
            step += 1
            if step == perEpoch { (epoch, step) = (epoch + 1, 0) }
        }
        return StepTiming(steps: steps, samples: samples, seconds: clock.seconds)
    }
}
