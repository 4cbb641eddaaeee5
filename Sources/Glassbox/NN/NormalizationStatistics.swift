/// The state that batch and instance normalisation share (PyTorch's `_NormBase`): the channel
/// count, `eps`, `momentum`, the affine `weight` and `bias`, and the running statistics, with
/// their `state_dict` entries. ``BatchNormBase`` and ``InstanceNormBase`` inherit it and add their
/// forward pass.
///
/// State dict (PyTorch names): `weight` `[C]` (ones) and `bias` `[C]` (zeros) when `affine`;
/// buffers `running_mean` `[C]` (zeros), `running_var` `[C]` (ones) and `num_batches_tracked`
/// `[]` (0) when `trackRunningStats`.
public class NormalizationStatistics<Scalar: TensorScalar> {
    /// The number of channels `C`.
    public let numFeatures: Int
    /// Added to the variance.
    public let eps: Double
    /// The running-average factor, or `nil` (batch norm: a cumulative average; instance norm:
    /// no running update).
    public let momentum: Double?
    /// Whether the layer has `weight` and `bias`.
    public let affine: Bool
    /// Whether running statistics are kept (and used in evaluation mode).
    public let trackRunningStats: Bool
    /// `[C]`, or `nil` when not `affine`.
    public let weight: Tensor<Scalar>?
    /// `[C]`, or `nil` when not `affine`.
    public let bias: Tensor<Scalar>?
    /// `[C]` buffer, or `nil` when not tracking.
    public let runningMean: Tensor<Scalar>?
    /// `[C]` buffer (unbiased running variance), or `nil` when not tracking.
    public let runningVar: Tensor<Scalar>?
    /// `[]` buffer counting training batches (batch norm), or `nil` when not tracking.
    public let numBatchesTracked: Tensor<Scalar>?
    /// Whether the layer normalises with input statistics and updates the running ones.
    public var isTraining = true
    /// The layer's class name, for messages.
    let name: String

    init(name: String, numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool) {
        precondition(numFeatures > 0, "\(name): numFeatures must be positive, got \(numFeatures)")
        precondition(eps >= 0, "\(name): eps must be non-negative, got \(eps)")
        self.name = name
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        weight = affine ? Tensor.ones([numFeatures], requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numFeatures], requiresGrad: true) : nil
        runningMean = trackRunningStats ? Tensor.zeros([numFeatures]) : nil
        runningVar = trackRunningStats ? Tensor.ones([numFeatures]) : nil
        numBatchesTracked = trackRunningStats ? Tensor.zeros([]) : nil
    }

    /// `weight`, `bias` (when `affine`).
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        guard let weight, let bias else { return [] }
        return [("weight", weight), ("bias", bias)]
    }

    /// `running_mean`, `running_var`, `num_batches_tracked` (when tracking).
    public var ownBuffers: [(name: String, tensor: Tensor<Scalar>)] {
        guard let runningMean, let runningVar, let numBatchesTracked else { return [] }
        return [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }
}
