import GlassboxKernels

/// Extracts sliding windows of `[N, C, H, W]` into columns `[N, C·kh·kw, L]`, like
/// `torch.nn.Unfold`; no parameters. See ``unfold(_:kernelSize:dilation:padding:stride:)``.
public final class Unfold<Scalar: TensorScalar>: Layer {
    /// The window size.
    public let kernelSize: Size2D
    /// The spacing of window elements.
    public let dilation: Size2D
    /// Zeros added on each side.
    public let padding: Size2D
    /// The step between windows.
    public let stride: Size2D
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer with PyTorch's defaults.
    public init(kernelSize: Size2D, dilation: Size2D = 1, padding: Size2D = 0, stride: Size2D = 1) {
        self.kernelSize = kernelSize
        self.dilation = dilation
        self.padding = padding
        self.stride = stride
    }
    /// Applies ``unfold(_:kernelSize:dilation:padding:stride:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        unfold(input, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
}

/// Sums columns `[N, C·kh·kw, L]` of sliding windows back into `[N, C, H, W]`, like
/// `torch.nn.Fold`; no parameters. See ``fold(_:outputSize:kernelSize:dilation:padding:stride:)``.
public final class Fold<Scalar: TensorScalar>: Layer {
    /// The spatial size `(H, W)` of the output.
    public let outputSize: Size2D
    /// The window size.
    public let kernelSize: Size2D
    /// The spacing of window elements.
    public let dilation: Size2D
    /// Zeros added on each side (removed from the output).
    public let padding: Size2D
    /// The step between windows.
    public let stride: Size2D
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer with PyTorch's defaults.
    public init(outputSize: Size2D, kernelSize: Size2D, dilation: Size2D = 1, padding: Size2D = 0, stride: Size2D = 1) {
        self.outputSize = outputSize
        self.kernelSize = kernelSize
        self.dilation = dilation
        self.padding = padding
        self.stride = stride
    }
    /// Applies ``fold(_:outputSize:kernelSize:dilation:padding:stride:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        fold(input, outputSize: outputSize, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
}
