// 1-d and 3-d pooling layers, adaptive max pooling and LP pooling, like `torch.nn.MaxPool1d`,
// `MaxPool3d`, `AvgPool1d`, `AvgPool3d`, `AdaptiveAvgPool1d`, `AdaptiveAvgPool3d`,
// `AdaptiveMaxPool1d/2d/3d`, `LPPool1d`, `LPPool2d`, `LPPool3d`: parameter-free modules wrapping the ops of
// Ops/PoolingND.swift (math in Docs/Pooling.md). 3-d sizes are `[depth, height, width]` (one
// entry for all three).

/// 1-D max pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.MaxPool1d` (without `return_indices`).
public final class MaxPool1d<Scalar: TensorScalar>: Layer {
    /// The window length.
    public let kernelSize: Int
    /// The step between windows.
    public let stride: Int
    /// Implicit padding on each side (at most half the kernel).
    public let padding: Int
    /// The step between window elements.
    public let dilation: Int
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    /// Applies ``maxPool1d(_:kernelSize:stride:padding:dilation:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        maxPool1d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// 3-D max pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like `torch.nn.MaxPool3d` (without
/// `return_indices`).
public final class MaxPool3d<Scalar: TensorScalar>: Layer {
    /// The window `[depth, height, width]`.
    public let kernelSize: [Int]
    /// The step between windows.
    public let stride: [Int]
    /// Implicit padding on each side.
    public let padding: [Int]
    /// The step between window elements.
    public let dilation: [Int]
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], dilation: [Int] = [1], ceilMode: Bool = false) {
        self.kernelSize = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "MaxPool3d")
        self.stride = expandedSizes(stride ?? kernelSize, count: 3, name: "stride", op: "MaxPool3d")
        self.padding = expandedSizes(padding, count: 3, name: "padding", op: "MaxPool3d")
        self.dilation = expandedSizes(dilation, count: 3, name: "dilation", op: "MaxPool3d")
        self.ceilMode = ceilMode
    }

    /// Applies ``maxPool3d(_:kernelSize:stride:padding:dilation:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        maxPool3d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// 1-D average pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.AvgPool1d`.
public final class AvgPool1d<Scalar: TensorScalar>: Layer {
    /// The window length.
    public let kernelSize: Int
    /// The step between windows.
    public let stride: Int
    /// Implicit zero padding on each side.
    public let padding: Int
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Whether padded positions count in the divisor.
    public let countIncludePad: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    /// Applies ``avgPool1d(_:kernelSize:stride:padding:ceilMode:countIncludePad:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        avgPool1d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}

/// 3-D average pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like `torch.nn.AvgPool3d`.
public final class AvgPool3d<Scalar: TensorScalar>: Layer {
    /// The window `[depth, height, width]`.
    public let kernelSize: [Int]
    /// The step between windows.
    public let stride: [Int]
    /// Implicit zero padding on each side.
    public let padding: [Int]
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
        kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], ceilMode: Bool = false, countIncludePad: Bool = true,
        divisorOverride: Int? = nil
    ) {
        self.kernelSize = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "AvgPool3d")
        self.stride = expandedSizes(stride ?? kernelSize, count: 3, name: "stride", op: "AvgPool3d")
        self.padding = expandedSizes(padding, count: 3, name: "padding", op: "AvgPool3d")
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        self.divisorOverride = divisorOverride
    }

    /// Applies ``avgPool3d(_:kernelSize:stride:padding:ceilMode:countIncludePad:divisorOverride:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        avgPool3d(
            input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
            countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}

/// Adaptive 1-D average pooling to a fixed length, like `torch.nn.AdaptiveAvgPool1d`.
public final class AdaptiveAvgPool1d<Scalar: TensorScalar>: Layer {
    /// The output length.
    public let outputSize: Int
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer.
    public init(outputSize: Int) { self.outputSize = outputSize }

    /// Applies ``adaptiveAvgPool1d(_:outputSize:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { adaptiveAvgPool1d(input, outputSize: outputSize) }
}

/// Adaptive 3-D average pooling to a fixed size, like `torch.nn.AdaptiveAvgPool3d`.
public final class AdaptiveAvgPool3d<Scalar: TensorScalar>: Layer {
    /// The output `[depth, height, width]` (`nil` keeps that input size; one entry for all three).
    public let outputSize: [Int?]
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer.
    public init(outputSize: [Int?]) { self.outputSize = outputSize }

    /// Applies ``adaptiveAvgPool3d(_:outputSize:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { adaptiveAvgPool3d(input, outputSize: outputSize) }
}

/// Adaptive max pooling of the last 1, 2 or 3 dimensions (``adaptiveMaxPool(_:outputSize:)``):
/// the shared implementation of ``AdaptiveMaxPool1d``, ``AdaptiveMaxPool2d``, ``AdaptiveMaxPool3d``.
public class AdaptiveMaxPoolLayer<Scalar: TensorScalar>: Layer {
    /// The output size per pooled dimension (`nil` keeps that input size).
    public let outputSize: [Int?]
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer for `outputSize.count` pooled dimensions.
    public init(outputSize: [Int?]) { self.outputSize = outputSize }

    /// Applies ``adaptiveMaxPool(_:outputSize:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { adaptiveMaxPool(input, outputSize: outputSize) }
}

/// Adaptive 1-D max pooling of `[N, C, L]` or `[C, L]`, like `torch.nn.AdaptiveMaxPool1d`
/// (without `return_indices`).
public final class AdaptiveMaxPool1d<Scalar: TensorScalar>: AdaptiveMaxPoolLayer<Scalar> {
    /// Pools to length `outputSize`.
    public init(outputSize: Int) { super.init(outputSize: [outputSize]) }
}

/// Adaptive 2-D max pooling of `[N, C, H, W]` or `[C, H, W]`, like `torch.nn.AdaptiveMaxPool2d`.
public final class AdaptiveMaxPool2d<Scalar: TensorScalar>: AdaptiveMaxPoolLayer<Scalar> {
    /// Pools to `(height, width)` (`nil` keeps that input size).
    public init(outputSize: (Int?, Int?)) { super.init(outputSize: [outputSize.0, outputSize.1]) }
}

/// Adaptive 3-D max pooling of `[N, C, D, H, W]` or `[C, D, H, W]`, like `torch.nn.AdaptiveMaxPool3d`.
public final class AdaptiveMaxPool3d<Scalar: TensorScalar>: AdaptiveMaxPoolLayer<Scalar> {
    /// Pools to `[depth, height, width]` (one entry for all three; `nil` keeps that input size).
    public override init(outputSize: [Int?]) {
        super.init(outputSize: outputSize.count == 1 ? [outputSize[0], outputSize[0], outputSize[0]] : outputSize)
    }
}

/// Power-average pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.LPPool1d`.
public final class LPPool1d<Scalar: TensorScalar>: Layer {
    /// The power `p`.
    public let normType: Scalar
    /// The window length.
    public let kernelSize: Int
    /// The step between windows.
    public let stride: Int
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(normType: Scalar, kernelSize: Int, stride: Int? = nil, ceilMode: Bool = false) {
        self.normType = normType
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.ceilMode = ceilMode
    }

    /// Applies ``lpPool1d(_:normType:kernelSize:stride:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        lpPool1d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }
}

/// Power-average pooling over `[N, C, H, W]` or `[C, H, W]`, like `torch.nn.LPPool2d`.
public final class LPPool2d<Scalar: TensorScalar>: Layer {
    /// The power `p`.
    public let normType: Scalar
    /// The window `(height, width)`.
    public let kernelSize: (Int, Int)
    /// The step between windows.
    public let stride: (Int, Int)
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(normType: Scalar, kernelSize: (Int, Int), stride: (Int, Int)? = nil, ceilMode: Bool = false) {
        self.normType = normType
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.ceilMode = ceilMode
    }

    /// Applies ``lpPool2d(_:normType:kernelSize:stride:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        lpPool2d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }
}

/// Power-average pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like `torch.nn.LPPool3d`.
public final class LPPool3d<Scalar: TensorScalar>: Layer {
    /// The power `p`.
    public let normType: Scalar
    /// The window `[depth, height, width]`.
    public let kernelSize: [Int]
    /// The step between windows.
    public let stride: [Int]
    /// Whether output sizes round up.
    public let ceilMode: Bool
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(normType: Scalar, kernelSize: [Int], stride: [Int]? = nil, ceilMode: Bool = false) {
        self.normType = normType
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.ceilMode = ceilMode
    }

    /// Applies ``lpPool3d(_:normType:kernelSize:stride:ceilMode:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        lpPool3d(input, normType: normType, kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    }
}
