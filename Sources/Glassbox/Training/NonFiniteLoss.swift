/// What ``Layer/fit(_:epochs:batchSize:optimizer:loss:validationSplit:validationData:shuffle:seed:initialEpoch:scheduler:verbose:onNonFiniteLoss:onEpochEnd:)``
/// does when a batch's loss is NaN or infinite (Keras' `TerminateOnNaN` is `.stop`).
///
/// Either way the loss is checked before the batch's backward pass and optimizer step, so a
/// non-finite loss never reaches the weights.
public enum NonFiniteLossPolicy: Sendable {
    /// Stop training by throwing a ``NonFiniteLossError``; the weights and optimizer state are
    /// those from before the offending batch.
    case stop
    /// Skip the batch (no backward pass, no optimizer step), count it in
    /// ``EpochMetrics/skippedBatches`` and go on.
    case skipBatch
}

/// Training stopped because a batch's loss was NaN or infinite
/// (``NonFiniteLossPolicy/stop``).
public struct NonFiniteLossError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The epoch, 1-based (as in ``EpochMetrics/epoch``).
    public let epoch: Int
    /// The batch within the epoch, 1-based.
    public let batch: Int
    /// The number of batches per epoch.
    public let batchCount: Int
    /// The loss value (NaN or ±infinity).
    public let loss: Double

    /// One line naming the epoch, the batch and the value.
    public var description: String {
        "fit: the loss is \(loss.isNaN ? "NaN" : "\(loss)") at epoch \(epoch), batch \(batch) of \(batchCount); "
            + "training stopped before that batch's update"
    }
}
