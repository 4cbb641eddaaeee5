/// What ``TrainableModel/measureSteps(settings:warmup:steps:profiled:)`` measured of a recipe.
public struct RecipeStepMeasurement: Sendable {
    /// The timed steps.
    public let timing: StepTiming
    /// Where their time went, when asked for.
    public let profile: OpProfile?
}

/// A request, for the current task, that `runTrainer` time the trainer's steps instead of
/// training.
struct StepMeasurementRequest: Sendable {
    @TaskLocal static var current: StepMeasurementRequest?

    let warmup: Int
    /// Timed steps, or `nil` for as many as fill about ``defaultSeconds``.
    let steps: Int?
    let profiled: Bool

    /// Seconds of timed steps when no count is given.
    static let defaultSeconds = 3.0

    /// Times `trainer`'s steps: after `warmup` steps (at least 1, to size the default count).
    func measure<Task: TrainingTask>(_ trainer: Trainer<Task>) throws -> RecipeStepMeasurement {
        let warmup = Swift.max(1, self.warmup)
        let warm = try trainer.measureSteps(warmup: 0, steps: warmup)
        let steps = self.steps ?? Swift.min(2000, Swift.max(5, Int((Self.defaultSeconds * warm.stepsPerSecond).rounded())))
        let (timing, profile) = try trainer.measureSteps(continuingAfter: warmup, steps: steps, profiled: profiled)
        return RecipeStepMeasurement(timing: timing, profile: profile)
    }
}

/// Thrown through the recipe by `runTrainer` once the steps are measured, so that the recipe
/// stops before it evaluates, saves or reports.
struct StepsMeasured: Error {
    let measurement: RecipeStepMeasurement
}

extension TrainableModel {
    /// Builds the recipe exactly as ``train`` does with `settings` — model, data, optimizer,
    /// schedule, clipping, batching and seeds — and, instead of training, runs `warmup` untimed
    /// steps, then times `steps` more (by default as many as fill about 3 s) through
    /// ``Trainer/measureSteps(warmup:steps:)``: the steady-state speed of the recipe's optimizer
    /// steps, without evaluation. Nothing is saved or shown. With `profiled`, the timed steps
    /// run under ``OpProfiler/profile(_:)``.
    public func measureSteps(settings: TrainSettings, warmup: Int, steps: Int? = nil, profiled: Bool = false) throws -> RecipeStepMeasurement {
        precondition(warmup >= 0 && (steps ?? 1) > 0, "measureSteps: warmup \(warmup) must be >= 0 and steps \(steps ?? 0) > 0")
        var settings = settings
        settings.showsProgress = false
        settings.outDirectory = nil
        settings.resume = false
        do {
            _ = try StepMeasurementRequest.$current.withValue(.init(warmup: warmup, steps: steps, profiled: profiled)) {
                try train(settings)
            }
        } catch let measured as StepsMeasured {
            return measured.measurement
        }
        throw TrainingSetupError.failure("bench train \(name): the recipe finished without reaching its trainer")
    }
}
