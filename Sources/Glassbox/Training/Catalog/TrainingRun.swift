import GlassboxIO

/// Runs `trainer` for `glassbox train`: resumes the run checkpointed in `--out DIR` with
/// `--resume`, stops after `--stop-after N` and within `--minutes M`, checkpoints into
/// `--out DIR` after every epoch, and shows a progress bar. `onEpochEnd` sees each finished
/// epoch (to write the recipe's files); `position` names the end of an epoch in messages and
/// `progress` replaces the progress bar. Returns the records of the epochs run now.
@discardableResult
func runTrainer<Task: TrainingTask>(
    _ trainer: Trainer<Task>, settings: TrainSettings, command: String, onEpochEnd: (EpochRecord) throws -> Void = { _ in },
    position: (Int) -> String = { "epoch \($0)" }, progress: ((TrainingEvent) -> Void)? = nil
) throws -> [EpochRecord] {
    trainer.epochs = settings.epochs
    trainer.stopAfter = settings.stopAfter
    trainer.timeLimit = settings.minutes.map { $0 * 60 }
    trainer.checkpointDirectory = settings.outDirectory
    if let request = StepMeasurementRequest.current {
        throw StepsMeasured(measurement: try request.measure(trainer))
    }
    if settings.resume, let directory = settings.outDirectory {
        let loaded = try setupFailing(command) { try trainer.resume(from: directory) }
        guard loaded.epoch < settings.epochs else {
            throw TrainingSetupError.failure(
                position(1) == "epoch 1"
                    ? "\(command): the checkpoint already has \(loaded.epoch) epochs; ask for more with --epochs N (N > \(loaded.epoch))"
                    : "\(command): the checkpoint's run is complete (\(position(loaded.epoch)))")
        }
        if let stop = settings.stopAfter, stop <= loaded.epoch {
            throw TrainingSetupError.usage("\(command): --stop-after is not after the checkpoint's \(position(loaded.epoch))")
        }
        Console.err("\(command): resuming after \(position(loaded.epoch)) from '\(directory)'")
    }
    let progress = progress ?? (settings.showsProgress ? ProgressBar.reporter() : { _ in })
    do {
        return try trainer.run { event in
            progress(event)
            if case .epochEnded(let record) = event { try onEpochEnd(record) }
        }
    } catch let error as FileError {
        throw TrainingSetupError.failure("\(command): cannot save the checkpoint: \(error)")
    }
}

/// Fails now, before training, if `--out DIR` cannot be created or `files` in it (and the
/// checkpoint) cannot be written.
func checkOutDirectory(_ settings: TrainSettings, files: [String], command: String) throws {
    guard let directory = settings.outDirectory else { return }
    try setupFailing(command) {
        try FileIO.createDirectory(atPath: directory)
        for file in [Checkpoint.fileName] + files { try FileIO.checkWritable(path: directory + "/" + file) }
    }
}

/// The checkpoint entries that identify a run of `model` (checked by `--resume`; the
/// settings `takeResumedSettings` restores).
func runIdentity(_ settings: TrainSettings, model: String) -> [String: String] {
    [
        "model": model, "dataset": settings.datasetName ?? MNIST.Variant.mnist.rawValue, "batch_size": String(settings.batchSize),
        "learning_rate": String(settings.learningRate), "seed": String(settings.seed),
    ]
}

/// Writes `series` (one value per epoch each) as an SVG line chart over epochs.
func writeLossCurve(_ series: [(name: String, values: [Double])], title: String, yLabel: String, to path: String) throws {
    try SVG.write(
        SVG.lineChart(
            series: series.map { name, values in
                SVG.Series(name: name, points: values.indices.map { (x: Double($0 + 1), y: values[$0]) })
            },
            title: title, xLabel: "epoch", yLabel: yLabel),
        to: path)
}
