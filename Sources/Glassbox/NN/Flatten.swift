import GlassboxKernels

/// Flattens dimensions `startDim…endDim` into one, like `torch.nn.Flatten` (defaults keep the
/// batch dimension: `[N, C, H, W]` → `[N, C·H·W]`). Shares storage; the gradient is reshaped
/// back.
public final class Flatten<Scalar: TensorScalar>: Layer {
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

/// Splits dimension `dim` into `unflattenedSize`, like `torch.nn.Unflatten` (`[N, C·H·W]` →
/// `[N, C, H, W]` with `dim: 1, unflattenedSize: [C, H, W]`): the inverse of ``Flatten``.
/// Shares storage; the gradient is reshaped back.
public final class Unflatten<Scalar: TensorScalar>: Layer {
    /// The dimension split (negative counts from the end).
    public let dim: Int
    /// The sizes it is split into (their product is its size).
    public let unflattenedSize: [Int]
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(dim: Int, unflattenedSize: [Int]) {
        self.dim = dim
        self.unflattenedSize = unflattenedSize
    }
    /// Reshapes dimension `dim` of `input` into ``unflattenedSize``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = dim < 0 ? dim + input.rank : dim
        precondition(
            d >= 0 && d < input.rank && input.shape[d] == unflattenedSize.reduce(1, *),
            "Unflatten: dimension \(dim) of input \(input.shape) cannot be split into \(unflattenedSize)")
        return input.reshaped(Array(input.shape[..<d]) + unflattenedSize + Array(input.shape[(d + 1)...]))
    }
}
