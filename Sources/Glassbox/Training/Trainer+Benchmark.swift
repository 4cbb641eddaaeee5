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
        if warmup > 0 { _ = try measureSteps(continuingAfter: 0, steps: warmup, profiled: false) }
        return try measureSteps(continuingAfter: warmup, steps: steps, profiled: false).timing
    }

    /// Times the `steps` steps of a run that follow its first `done` steps (which earlier calls
    /// ran on this trainer), under ``OpProfiler/profile(_:)`` when `profiled`.
    public func measureSteps(continuingAfter done: Int, steps: Int, profiled: Bool) throws -> (timing: StepTiming, profile: OpProfile?) {
        let perEpoch = task.stepsPerEpoch
        precondition(done >= 0 && steps > 0, "measureSteps: done must be >= 0 and steps > 0, got \(done) and \(steps)")
        precondition(perEpoch > 0, "measureSteps: the task has no steps in an epoch")
        var epoch = done / perEpoch, step = done % perEpoch, samples = 0
        func run() throws {
            for _ in 0..<steps {
                if step == 0 { try task.beginEpoch(epoch) }
                let context = TrainingContext(
                    epoch: epoch + 1, step: step + 1, stepsPerEpoch: perEpoch, onNonFiniteLoss: onNonFiniteLoss,
                    gradientClipNorm: gradientClipNorm)
                samples += try task.step(step, context: context).samples
                step += 1
                if step == perEpoch { (epoch, step) = (epoch + 1, 0) }
            }
        }
        let clock = Stopwatch()
        var profile: OpProfile?
        if profiled { profile = try OpProfiler.profile(run).profile } else { try run() }
        return (StepTiming(steps: steps, samples: samples, seconds: clock.seconds), profile)
    }
}
