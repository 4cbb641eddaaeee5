import GlassboxKernels

/// Batch normalisation over `[N, C, D, H, W]`, like `torch.nn.BatchNorm3d`: statistics per
/// channel over `N`, `D`, `H` and `W`. See ``BatchNormBase`` for state and modes.
public final class BatchNorm3d<Scalar: TensorScalar>: BatchNormBase<Scalar> {
    /// Creates the layer with PyTorch's defaults (`weight` ones, `bias` zeros, running mean 0,
    /// running variance 1).
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(
            name: "BatchNorm3d", ranks: [5], numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
            trackRunningStats: trackRunningStats)
    }
}
