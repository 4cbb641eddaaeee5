import GlassboxKernels

// Pooling layers: parameter-free modules wrapping the functional pooling ops of Ops/Pooling.swift
// (forward and backward documented there and in Docs/Pooling.md). Each takes square sizes as
// `Int`s or `(height, width)` pairs, like PyTorch's int-or-tuple arguments.

/// 2-D max pooling over `[N, C, H, W]` or `[C, H, W]`, like `torch.nn.MaxPool2d` (without
/// `return_indices`).
public final class MaxPool2d<Scalar: TensorScalar>: Layer {
    /// The window `(height, width)`.
    public let kernelSize: (Int, Int)
    /// The step between windows.
    public let stride: (Int, Int)
    /// Implicit padding on each side.
    public let padding: (Int, Int)
    /// The step between window elements.
    public let dilation: (Int, Int)
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
        ceilMode: Bool = false
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    /// Creates the layer with the same size on both axes (`MaxPool2d(kernelSize: 2)`).
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
            dilation: (dilation, dilation), ceilMode: ceilMode)
    }

    /// Applies ``maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// 2-D average pooling over `[N, C, H, W]` or `[C, H, W]`, like `torch.nn.AvgPool2d`.
public final class AvgPool2d<Scalar: TensorScalar>: Layer {
    /// The window `(height, width)`.
    public let kernelSize: (Int, Int)
    /// The step between windows.
    public let stride: (Int, Int)
    /// Implicit zero padding on each side.
    public let padding: (Int, Int)
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Whether padded positions count in the divisor.
    public let countIncludePad: Bool
    /// A fixed divisor replacing the window size, or `nil`.
    public let divisorOverride: Int?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), ceilMode: Bool = false,
        countIncludePad: Bool = true, divisorOverride: Int? = nil
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
    }

    /// Creates the layer with the same size on both axes (`AvgPool2d(kernelSize: 2)`).
    public convenience init(
        kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true,
        divisorOverride: Int? = nil
    ) {
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
            ceilMode: ceilMode, countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    /// Applies ``avgPool2d(_:kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        avgPool2d(
            input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
            countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}

/// Adaptive 2-D average pooling to a fixed output size, like `torch.nn.AdaptiveAvgPool2d`.
public final class AdaptiveAvgPool2d<Scalar: TensorScalar>: Layer {
    /// The output `(height, width)`; `nil` keeps that input size.
    public let outputSize: (Int?, Int?)
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer.
    public init(outputSize: (Int?, Int?)) { self.outputSize = outputSize }

    /// Creates the layer with a square output (`AdaptiveAvgPool2d(outputSize: 1)`).
    public convenience init(outputSize: Int) { self.init(outputSize: (outputSize, outputSize)) }

    /// Applies ``adaptiveAvgPool2d(_:outputSize:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        adaptiveAvgPool2d(input, outputSize: outputSize)
    }
}
