import GlassboxKernels

/// Flattens dimensions `startDim…endDim` into one, like `torch.nn.Flatten` (defaults keep the
/// batch dimension: `[N, C, H, W]` → `[N, C·H·W]`). Shares storage; the gradient is reshaped
/// back.
public final class Flatten<Scalar: TensorScalar>: Module {
    /// The first dimension flattened.
    public let startDim: Int
    /// The last dimension flattened (negative counts from the end).
    public let endDim: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
    }
    /// Applies ``Tensor/flattened(startDim:endDim:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.flattened(startDim: startDim, endDim: endDim)
    }
}

/// Splits dimension `dim` into `sizes`, like `torch.nn.Unflatten` (`[N, C·H·W]` → `[N, C, H, W]`
/// with `dim: 1, sizes: [C, H, W]`). Shares storage; the gradient is reshaped back.
public final class Unflatten<Scalar: TensorScalar>: Module {
    /// The dimension split.
    public let dim: Int
    /// What it becomes.
    public let sizes: [Int]
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int, sizes: [Int]) {
        self.dim = dim
        self.sizes = sizes
    }
    /// Reshapes dimension `dim` of `input` into `sizes`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = dim < 0 ? dim + input.rank : dim
        precondition(
            d >= 0 && d < input.rank && input.shape[d] == sizes.reduce(1, *),
            "Unflatten: dimension \(dim) of \(input.shape) does not hold \(sizes)")
        return input.reshaped(Array(input.shape[..<d]) + sizes + Array(input.shape[(d + 1)...]))
    }
}
