/// Runs a ``TrainingTask`` for a number of epochs (or until `stopAfter` or a time budget),
/// reporting progress through events, handling non-finite losses and gradient clipping through
/// ``TrainingContext``, and writing a checkpoint every ``checkpointEvery`` epochs from which
/// ``resume(from:)`` continues exactly: weights, optimizers, schedules, averages, every random
/// stream the task lists, the default generator, the data order and the history.
///
/// ```swift
/// let trainer = Trainer(task, epochs: 10)
/// trainer.checkpointDirectory = "run"
/// if Checkpoint.exists(in: "run") { try trainer.resume(from: "run") }
/// try trainer.run(onEvent: ProgressBar.reporter())
/// ```
public final class Trainer<Task: TrainingTask> {
    /// The task trained.
    public let task: Task
    /// The epochs of the whole run (a resumed run continues up to this total).
    public var epochs: Int
    /// Stop after this epoch (1-based) of the run; ``resume(from:)`` continues it later.
    public var stopAfter: Int?
    /// Seconds of training steps after which this invocation stops (the epoch it ends in is
    /// finished early, evaluated and checkpointed).
    public var timeLimit: Double?
    /// The gradient-norm clip of every ``TrainingContext/minimize(_:with:frozen:clipNorm:)``.
    public var gradientClipNorm: Double?
    /// What to do with a NaN or infinite loss.
    public var onNonFiniteLoss: NonFiniteLossPolicy = .stop
    /// Where to write `checkpoint.safetensors`, or `nil` for no checkpoints.
    public var checkpointDirectory: String?
    /// Epochs between checkpoints (the last epoch of a run is always saved).
    public var checkpointEvery = 1
    /// Entries that identify the run (model, architecture, seed, batch size, …): saved in every
    /// checkpoint and required to be equal by ``resume(from:)``.
    public var identity: [String: String] = [:]
    /// Further entries saved in every checkpoint (not checked).
    public var metadata: [String: String] = [:]
    /// Epochs done (including those of a resumed checkpoint).
    public var completedEpochs = 0
    /// The records of the epochs done, including those of a resumed checkpoint.
    public private(set) var history: [EpochRecord] = []

    /// A trainer of `task` for `epochs` epochs.
    public init(_ task: Task, epochs: Int) {
        self.task = task
        self.epochs = epochs
    }

    /// The last epoch this invocation runs to: `epochs`, or `stopAfter` when earlier.
    public var lastEpoch: Int { Swift.min(epochs, stopAfter ?? epochs) }

    /// Restores the run checkpointed in `directory`: the task's state, the default generator,
    /// ``completedEpochs`` and ``history``.
    ///
    /// - Throws: ``CheckpointError/mismatch(path:key:expected:found:)`` when an ``identity``
    ///   entry differs (checked before anything is read into the task), and the errors of
    ///   ``Checkpoint/load(into:from:)``. The checkpoint file is never changed.
    @discardableResult
    public func resume(from directory: String) throws -> Checkpoint {
        let path = Checkpoint.path(in: directory)
        let stored = try Checkpoint.metadata(in: directory)
        for key in identity.keys.sorted() where stored[key] != identity[key] {
            throw CheckpointError.mismatch(path: path, key: key, expected: identity[key]!, found: stored[key])
        }
        let checkpoint = try Checkpoint.load(into: task.state, from: directory)
        guard let records = EpochRecord.decodeHistory(checkpoint.metadata["history"]), records.count == checkpoint.epoch else {
            throw CheckpointError.badMetadata(path: path)
        }
        checkpoint.restoreRandomState()
        history = records
        completedEpochs = checkpoint.epoch
        return checkpoint
    }

    /// Writes a checkpoint of the current state to ``checkpointDirectory`` (if set).
    public func saveCheckpoint() throws {
        guard let directory = checkpointDirectory else { return }
        var entries = metadata.merging(identity) { _, id in id }
        entries["history"] = EpochRecord.encodeHistory(history)
        try Checkpoint(epoch: completedEpochs, randomState: RandomGenerator.defaultState, metadata: entries)
            .save(task.state, to: directory)
    }

    /// Trains epochs `completedEpochs + 1 ... lastEpoch`, stopping early when ``timeLimit``
    /// runs out, and returns the records of the epochs run now.
    ///
    /// - Throws: ``NonFiniteLossError`` (with ``NonFiniteLossPolicy/stop``), or what the task,
    ///   a checkpoint save or `onEvent` threw; the state is then that after the last full step.
    @discardableResult
    public func run(onEvent: (TrainingEvent) throws -> Void = { _ in }) throws -> [EpochRecord] {
        let steps = task.stepsPerEpoch
        try onEvent(.started(epochs: epochs, stepsPerEpoch: steps, firstEpoch: completedEpochs + 1, timeLimit: timeLimit))
        var records: [EpochRecord] = []
        var samplesNow = 0, secondsNow = 0.0
        while completedEpochs < lastEpoch {
            let epoch = completedEpochs + 1
            try task.beginEpoch(epoch - 1)
            let clock = Stopwatch()
            var lossSum = 0.0, weight = 0.0, correct = 0, counted = 0, skipped = 0, samples = 0, done = 0
            var hasAccuracy = false, outOfTime = false
            for step in 0..<steps {
                let context = TrainingContext(
                    epoch: epoch, step: step + 1, stepsPerEpoch: steps, onNonFiniteLoss: onNonFiniteLoss,
                    gradientClipNorm: gradientClipNorm)
                let result = try task.step(step, context: context)
                done += 1
                samples += result.samples
                samplesNow += result.samples
                if result.skipped {
                    skipped += 1
                } else {
                    lossSum += result.lossSum
                    weight += result.weight
                    counted += result.samples
                    if let right = result.correct {
                        correct += right
                        hasAccuracy = true
                    }
                }
                let accuracy = hasAccuracy && counted > 0 ? Double(correct) / Double(counted) : nil
                try onEvent(.step(epoch: epoch, step: step + 1, loss: weight > 0 ? lossSum / weight : .nan, accuracy: accuracy, samples: samplesNow))
                if let timeLimit, secondsNow + clock.seconds >= timeLimit {
                    outOfTime = true
                    break
                }
            }
            let seconds = clock.seconds
            secondsNow += seconds
            if skipped > 0 { try onEvent(.message("  skipped \(skipped) of \(steps) batches: the loss was not finite")) }
            var record = EpochRecord(
                epoch: epoch, loss: weight > 0 ? lossSum / weight : .nan,
                accuracy: hasAccuracy ? (counted > 0 ? Double(correct) / Double(counted) : 0) : nil,
                seconds: seconds, samples: samples, steps: done, skippedSteps: skipped)
            let evaluation = try task.endEpoch(record)
            record.metrics = evaluation.metrics
            if let message = evaluation.message { try onEvent(.message(message)) }
            history.append(record)
            records.append(record)
            completedEpochs = epoch
            if let directory = checkpointDirectory, epoch % Swift.max(1, checkpointEvery) == 0 || epoch == lastEpoch || outOfTime {
                try saveCheckpoint()
                try onEvent(.checkpointSaved(path: Checkpoint.path(in: directory), epoch: epoch))
            }
            try onEvent(.epochEnded(record))
            if outOfTime { break }
        }
        return records
    }
}
