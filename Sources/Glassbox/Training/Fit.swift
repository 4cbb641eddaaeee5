/// The metrics of one epoch of ``Layer/fit(_:epochs:batchSize:optimizer:loss:validationSplit:validationData:shuffle:seed:initialEpoch:scheduler:verbose:onNonFiniteLoss:onEpochEnd:)``,
/// like one row of a Keras `History`.
public struct EpochMetrics: Sendable, Equatable {
    /// The epoch, 1-based (`initialEpoch + 1` for the first epoch of a resumed run).
    public var epoch: Int
    /// The sample-weighted mean training loss over the epoch (in training mode, as the
    /// weights changed during the epoch).
    public var loss: Double
    /// The fraction of training samples classified correctly during the epoch.
    public var accuracy: Double
    /// The loss on the validation data after the epoch, if there is validation data.
    public var validationLoss: Double?
    /// The accuracy on the validation data after the epoch, if there is validation data.
    public var validationAccuracy: Double?
    /// The learning rate used during the epoch.
    public var learningRate: Double
    /// Wall-clock seconds of the epoch's training steps (not counting validation).
    public var seconds: Double
    /// Batches skipped because their loss was NaN or infinite (``NonFiniteLossPolicy/skipBatch``);
    /// ``loss`` and ``accuracy`` cover the other batches only.
    public var skippedBatches: Int
}

/// The indices `lower..<upper` of a dataset, as a dataset (used for Keras' validation split).
struct DatasetSlice<Base: ClassificationDataset>: ClassificationDataset {
    let base: Base
    let range: Range<Int>
    var count: Int { range.count }
    var classCount: Int { base.classCount }
    func batch(_ indices: [Int]) -> Batch<Base.Scalar> {
        let batch = base.batch(indices.map { range.lowerBound + $0 })
        return Batch(features: batch.features, labels: batch.labels, indices: indices)
    }
}

extension Layer {
    /// Trains the model on `data` for `epochs` epochs, Keras-style: shuffled mini-batches,
    /// one optimizer step each, a progress bar, per-epoch metrics and optional validation.
    ///
    /// Each step: `optimizer.zeroGrad()`, outputs `self(inputs)`, `loss(outputs, labels)`
    /// (a batch mean), a check that the loss is finite (see `onNonFiniteLoss`), `backward()`,
    /// `optimizer.step()`. The model is in training mode during the steps and in evaluation
    /// mode for validation. Epoch `e` (0-based) visits the samples in
    /// ``ClassificationDataset/shuffledOrder(count:seed:epoch:)``, so a run resumed with
    /// `initialEpoch` (after restoring model, optimizer and random state from a ``Checkpoint``)
    /// continues with exactly the batches the uninterrupted run would see.
    ///
    /// - Parameters:
    ///   - validationSplit: a fraction of `data` held out for validation: the *last*
    ///     `⌊count · validationSplit⌋` samples, before any shuffling, as in Keras.
    ///   - validationData: a separate validation set (takes precedence over the split).
    ///   - initialEpoch: the number of epochs already done; training runs epochs
    ///     `initialEpoch..<epochs` (so `epochs` is the total, as in Keras).
    ///   - scheduler: a learning-rate schedule stepped after each epoch (moved to
    ///     `initialEpoch` first when resuming).
    ///   - verbose: draw a ``ProgressBar`` on stderr and print each epoch's summary.
    ///   - onNonFiniteLoss: what to do when a batch's loss is NaN or infinite (checked before
    ///     its backward pass): stop with a ``NonFiniteLossError`` (the default) or skip the batch.
    ///   - onEpochEnd: called after each epoch (after validation), e.g. to save a checkpoint;
    ///     an error it throws stops training and is rethrown.
    /// - Returns: the metrics of each epoch run.
    /// - Throws: ``NonFiniteLossError`` naming the epoch and batch of a non-finite loss (with
    ///   `onNonFiniteLoss: .stop`), or the error `onEpochEnd` threw.
    @discardableResult
    public func fit<Data: ClassificationDataset>(
        _ data: Data, epochs: Int, batchSize: Int = 32, optimizer: any Optimizer<Scalar>,
        loss: (Tensor<Scalar>, IndexTensor) -> Tensor<Scalar> = { crossEntropy($0, $1) },
        validationSplit: Double = 0, validationData: (any ClassificationDataset<Scalar>)? = nil,
        shuffle: Bool = true, seed: UInt64 = 0, initialEpoch: Int = 0,
        scheduler: (any LRScheduler)? = nil, verbose: Bool = true,
        onNonFiniteLoss: NonFiniteLossPolicy = .stop,
        onEpochEnd: (EpochMetrics) throws -> Void = { _ in }
    ) throws -> [EpochMetrics] where Data.Scalar == Scalar {
        precondition(epochs >= 0 && initialEpoch >= 0, "fit: epochs \(epochs) and initialEpoch \(initialEpoch) must be non-negative")
        return try withoutActuallyEscaping(loss) { loss in
            let task = ClassifierTask(
                model: self, data: data, batchSize: batchSize, optimizer: optimizer, scheduler: scheduler, loss: loss,
                validationSplit: validationSplit, validationData: validationData, shuffle: shuffle, seed: seed)
            let trainer = Trainer(task, epochs: Swift.max(initialEpoch, epochs))
            trainer.onNonFiniteLoss = onNonFiniteLoss
            trainer.completedEpochs = initialEpoch
            if let scheduler, initialEpoch > 0 {
                // A resumed run: the schedule continues where the first run stopped.
                scheduler.lastEpoch = initialEpoch
                optimizer.learningRate = scheduler.learningRate(atEpoch: initialEpoch)
            }
            let bar = verbose ? ProgressBar.reporter() : nil
            var history: [EpochMetrics] = []
            try trainer.run { event in
                bar?(event)
                guard case .epochEnded(let record) = event else { return }
                let counted = record.steps > record.skippedSteps
                let metrics = EpochMetrics(
                    epoch: record.epoch, loss: counted ? record.loss : 0, accuracy: record.accuracy ?? 0,
                    validationLoss: record.metrics["validation_loss"], validationAccuracy: record.metrics["validation_accuracy"],
                    learningRate: record.metrics["learning_rate"] ?? optimizer.learningRate, seconds: record.seconds,
                    skippedBatches: record.skippedSteps)
                history.append(metrics)
                try onEpochEnd(metrics)
            }
            return history
        }
    }

    /// The mean loss and the accuracy (arg-max of the outputs) on `data`, in evaluation mode
    /// and without recording gradients, in batches of `batchSize`; the model's training mode
    /// is restored afterwards.
    public func evaluate(
        _ data: some ClassificationDataset<Scalar>, batchSize: Int = 256,
        loss: (Tensor<Scalar>, IndexTensor) -> Tensor<Scalar> = { crossEntropy($0, $1) }
    ) -> (loss: Double, accuracy: Double) {
        precondition(batchSize > 0, "evaluate: batchSize must be positive, got \(batchSize)")
        guard data.count > 0 else { return (0, 0) }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        var lossSum = 0.0, correct = 0
        withoutGrad {
            for start in stride(from: 0, to: data.count, by: batchSize) {
                let batch = data.batch(Array(start..<Swift.min(data.count, start + batchSize)))
                let inputs = batch.features, labels = batch.labels
                let outputs = self(inputs)
                lossSum += Double(loss(outputs, labels).item) * Double(labels.indices.count)
                correct += Self.correctCount(outputs, labels)
            }
        }
        return (lossSum / Double(data.count), Double(correct) / Double(data.count))
    }

    /// The model's outputs for `inputs` (samples along the first dimension), in evaluation
    /// mode, without recording gradients, in batches of `batchSize`, like Keras' `predict`.
    /// For a classifier ending in logits, apply `softmax(dim: 1)` for probabilities.
    public func predict(_ inputs: Tensor<Scalar>, batchSize: Int = 256) -> Tensor<Scalar> {
        precondition(batchSize > 0, "predict: batchSize must be positive, got \(batchSize)")
        precondition(inputs.rank >= 1 && inputs.shape[0] > 0, "predict: inputs \(inputs.shape) hold no samples")
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return withoutGrad {
            let count = inputs.shape[0]
            let parts = stride(from: 0, to: count, by: batchSize).map {
                self(inputs.sliced(dim: 0, $0..<Swift.min(count, $0 + batchSize)))
            }
            return parts.count == 1 ? parts[0] : Tensor.concat(parts, dim: 0)
        }
    }

    /// How many rows of `outputs` have their arg-max at the label.
    static func correctCount(_ outputs: Tensor<Scalar>, _ labels: IndexTensor) -> Int {
        withoutGrad { zip(outputs.argmax(dim: 1).indices, labels.indices).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) } }
    }
}
