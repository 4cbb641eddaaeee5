import GlassboxKernels

/// The shared implementation of ``BatchNorm1d`` and ``BatchNorm2d`` (PyTorch's `_BatchNorm`):
/// the running-statistics bookkeeping and the forward pass over the state of
/// ``NormalizationStatistics``. Create one of the subclasses.
///
/// State dict (PyTorch names): `weight` `[C]` (ones) and `bias` `[C]` (zeros) when `affine`;
/// buffers `running_mean` `[C]` (zeros), `running_var` `[C]` (ones) and `num_batches_tracked`
/// `[]` (0) when `trackRunningStats`. PyTorch keeps `num_batches_tracked` as an int64 tensor;
/// here it is a `Tensor<Scalar>` holding the count (exact up to 2²⁴ batches in `Float`).
/// ``Module/load(from:strict:)`` converts PyTorch's `I64` entry, and a saved file holds it as
/// `F32`/`F64`, which PyTorch's `load_state_dict` converts back.
///
/// Training mode normalises with the batch mean and biased variance and, when tracking, updates
/// `running = (1 − f)·running + f·batch` outside the graph (unbiased variance for
/// `running_var`), with `f = momentum`, or `f = 1/num_batches_tracked` (a cumulative average)
/// when `momentum` is `nil`. Evaluation mode normalises with the running statistics (or with
/// batch statistics when not tracking). See
/// ``batchNorm(_:runningMean:runningVar:weight:bias:training:momentum:eps:)``.
public class BatchNormBase<Scalar: TensorScalar>: NormalizationStatistics<Scalar>, Layer {
    /// The accepted input ranks, for messages.
    private let ranks: [Int]

    init(name: String, ranks: [Int], numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool) {
        self.ranks = ranks
        super.init(name: name, numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }

    /// Normalises `input` (`[N, C, …]` of an accepted rank) and, in training mode, updates the
    /// running statistics.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(
            ranks.contains(input.rank) && input.shape[1] == numFeatures,
            "\(name): expected a \(ranks.map { "\($0)-D" }.joined(separator: " or ")) input with \(numFeatures) channels in dimension 1, got shape \(input.shape)")
        var factor = 0.0
        if isTraining, let numBatchesTracked {
            let count = numBatchesTracked.withUnsafeMutableBufferPointer { n in
                n[0] += 1
                return Double(n[0])
            }
            factor = momentum ?? 1 / count
        }
        return batchNorm(
            input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: isTraining || runningMean == nil, momentum: factor, eps: eps)
    }
}

/// Batch normalisation over `[N, C]` or `[N, C, L]`, like `torch.nn.BatchNorm1d`: statistics per
/// channel over `N` (and `L`). See ``BatchNormBase`` for state and modes.
public final class BatchNorm1d<Scalar: TensorScalar>: BatchNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (`weight` ones, `bias` zeros, running mean 0,
    /// running variance 1).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(
            name: "BatchNorm1d", ranks: [2, 3], numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}

/// Batch normalisation over `[N, C, H, W]`, like `torch.nn.BatchNorm2d`: statistics per channel
/// over `N`, `H` and `W`. See ``BatchNormBase`` for state and modes.
public final class BatchNorm2d<Scalar: TensorScalar>: BatchNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (`weight` ones, `bias` zeros, running mean 0,
    /// running variance 1).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(
            name: "BatchNorm2d", ranks: [4], numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}
