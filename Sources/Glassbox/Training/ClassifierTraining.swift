/// What ``trainClassifier(_:optimizer:loader:epochs:scheduler:onStep:)`` reports after each step.
public struct TrainingStep {
    /// The epoch, 1-based.
    public let epoch: Int
    /// The step within the epoch, 1-based.
    public let step: Int
    /// The number of steps per epoch.
    public let stepsPerEpoch: Int
    /// The loss of this step's batch.
    public let loss: Double
    /// The sample-weighted mean loss of the epoch so far.
    public let epochLoss: Double
    /// The samples processed since training started.
    public let samplesSeen: Int
}

/// Trains a classifier with cross-entropy for `epochs` epochs and returns the mean training
/// loss of each epoch.
///
/// Each step: `optimizer.zeroGrad()`, logits `model(batch.features)`, `crossEntropy(logits,
/// batch.labels)` (mean over the batch), `backward()`, `optimizer.step()`. The model is put in
/// training mode first. Batches come from `loader.batches(epoch:)` with epochs numbered from
/// 0, so the run is deterministic for a given loader seed and model initialisation.
///
/// - Parameters:
///   - scheduler: a learning-rate schedule stepped once at the end of every epoch.
///   - onStep: called after every step (e.g. to draw a progress bar).
@discardableResult
public func trainClassifier<Model: Module, Opt: Optimizer>(
    _ model: Model, optimizer: Opt, loader: DataLoader<Model.Scalar>, epochs: Int,
    scheduler: (any LRScheduler)? = nil, onStep: (TrainingStep) -> Void = { _ in }
) -> [Double] where Opt.Scalar == Model.Scalar {
    precondition(epochs >= 0, "trainClassifier: epochs must be non-negative, got \(epochs)")
    _ = model.train()
    var epochLosses: [Double] = []
    var samplesSeen = 0
    for epoch in 0..<epochs {
        let batches = loader.batches(epoch: epoch)
        var lossSum = 0.0
        var epochSamples = 0
        for (index, batch) in batches.enumerated() {
            optimizer.zeroGrad()
            let logits = model(batch.features)
            let loss = crossEntropy(logits, batch.labels)
            loss.backward()
            optimizer.step()

            let value = Double(loss.item)
            lossSum += value * Double(batch.size)
            epochSamples += batch.size
            samplesSeen += batch.size
            onStep(
                TrainingStep(
                    epoch: epoch + 1, step: index + 1, stepsPerEpoch: batches.count, loss: value,
                    epochLoss: lossSum / Double(epochSamples), samplesSeen: samplesSeen))
        }
        epochLosses.append(epochSamples > 0 ? lossSum / Double(epochSamples) : 0)
        scheduler?.step()
    }
    return epochLosses
}

/// The fraction of `dataset` that `model` classifies correctly (arg-max of its outputs), in
/// evaluation mode and without recording gradients. The model's training mode is restored.
public func classificationAccuracy<Model: Module>(
    _ model: Model, on dataset: some ClassificationDataset<Model.Scalar>, batchSize: Int = 256
) -> Double {
    guard dataset.count > 0 else { return 0 }
    let wasTraining = model.isTraining
    _ = model.eval()
    defer { _ = model.train(wasTraining) }
    let loader = DataLoader(dataset, batchSize: batchSize, shuffle: false)
    var correct = 0
    withoutGrad {
        for batch in loader.batches(epoch: 0) {
            let predicted = model(batch.features).argmax(dim: 1)
            for (p, y) in zip(predicted.indices, batch.labels.indices) where p == y { correct += 1 }
        }
    }
    return Double(correct) / Double(dataset.count)
}
