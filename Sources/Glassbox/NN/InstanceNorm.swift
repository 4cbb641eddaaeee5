import GlassboxKernels

/// The shared implementation of ``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``
/// (PyTorch's `_InstanceNorm`). Create one of the subclasses.
///
/// State dict (PyTorch names): `weight` `[C]` (ones) and `bias` `[C]` (zeros) when `affine`;
/// buffers `running_mean` `[C]` (zeros), `running_var` `[C]` (ones) and `num_batches_tracked`
/// `[]` (0, never changed: PyTorch's instance norm does not count batches) when
/// `trackRunningStats`.
///
/// Training mode, or any mode without running statistics, normalises each sample's channel with
/// its own statistics and, when tracking, updates the running statistics with their batch average
/// (`momentum`; `nil` means no update, as in PyTorch). Evaluation mode with running statistics
/// normalises with them. An unbatched input (`[C, *]`, one dimension less) is treated as a batch
/// of one. See ``instanceNorm(_:runningMean:runningVar:weight:bias:useInputStats:momentum:eps:)``.
public class InstanceNormBase<Scalar: TensorScalar>: NormalizationStatistics<Scalar>, Layer {
    /// The rank of a batched input (3, 4 or 5).
    private let batchedRank: Int

    init(name: String, batchedRank: Int, numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool) {
        self.batchedRank = batchedRank
        super.init(name: name, numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }

    /// Normalises `input` (`[N, C, *]`, or unbatched `[C, *]`).
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            input.rank == batchedRank || input.rank == batchedRank - 1,
            "\(name): expected a \(batchedRank - 1)-D (unbatched) or \(batchedRank)-D (batched) input, got shape \(input.shape)")
        let batched = input.rank == batchedRank ? input : input.unsqueezed(0)
        precondition(
            batched.shape[1] == numFeatures || (!affine && !trackRunningStats),
            "\(name): expected \(numFeatures) channels, got input of shape \(input.shape)")
        let output = instanceNorm(
            batched, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            useInputStats: isTraining || !trackRunningStats, momentum: momentum ?? 0, eps: eps)
        return input.rank == batchedRank ? output : output.squeezed(0)
    }
}

/// Instance normalisation over `[N, C, L]` (or `[C, L]`), like `torch.nn.InstanceNorm1d`. See
/// ``InstanceNormBase`` for state and modes.
public final class InstanceNorm1d<Scalar: TensorScalar>: InstanceNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (no affine map, no running statistics).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(
            name: "InstanceNorm1d", batchedRank: 3, numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}

/// Instance normalisation over `[N, C, H, W]` (or `[C, H, W]`), like `torch.nn.InstanceNorm2d`.
/// See ``InstanceNormBase`` for state and modes.
public final class InstanceNorm2d<Scalar: TensorScalar>: InstanceNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (no affine map, no running statistics).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(
            name: "InstanceNorm2d", batchedRank: 4, numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}

/// Instance normalisation over `[N, C, D, H, W]` (or `[C, D, H, W]`), like
/// `torch.nn.InstanceNorm3d`. See ``InstanceNormBase`` for state and modes.
public final class InstanceNorm3d<Scalar: TensorScalar>: InstanceNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (no affine map, no running statistics).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(
            name: "InstanceNorm3d", batchedRank: 5, numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}
