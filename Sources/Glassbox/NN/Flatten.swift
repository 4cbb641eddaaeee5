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
