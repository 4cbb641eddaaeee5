import GlassboxKernels

/// Rearranges `[*, C·r², H, W]` into `[*, C, H·r, W·r]`, like `torch.nn.PixelShuffle`; no
/// parameters. See ``pixelShuffle(_:upscaleFactor:)``.
public final class PixelShuffle<Scalar: TensorScalar>: Layer {
    /// The factor `r` by which height and width grow.
    public let upscaleFactor: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(upscaleFactor: Int) {
        precondition(upscaleFactor > 0, "PixelShuffle: upscaleFactor must be positive, got \(upscaleFactor)")
        self.upscaleFactor = upscaleFactor
    }
    /// Applies ``pixelShuffle(_:upscaleFactor:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { pixelShuffle(input, upscaleFactor: upscaleFactor) }
}

/// Rearranges `[*, C, H·r, W·r]` into `[*, C·r², H, W]`, like `torch.nn.PixelUnshuffle`; no
/// parameters. See ``pixelUnshuffle(_:downscaleFactor:)``.
public final class PixelUnshuffle<Scalar: TensorScalar>: Layer {
    /// The factor `r` by which height and width shrink.
    public let downscaleFactor: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(downscaleFactor: Int) {
        precondition(downscaleFactor > 0, "PixelUnshuffle: downscaleFactor must be positive, got \(downscaleFactor)")
        self.downscaleFactor = downscaleFactor
    }
    /// Applies ``pixelUnshuffle(_:downscaleFactor:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { pixelUnshuffle(input, downscaleFactor: downscaleFactor) }
}

/// Shuffles the channels of `[N, C, *]` across groups, like `torch.nn.ChannelShuffle`; no
/// parameters. See ``channelShuffle(_:groups:)``.
public final class ChannelShuffle<Scalar: TensorScalar>: Layer {
    /// The number of groups (a divisor of `C`).
    public let groups: Int
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer.
    public init(groups: Int) {
        precondition(groups > 0, "ChannelShuffle: groups must be positive, got \(groups)")
        self.groups = groups
    }
    /// Applies ``channelShuffle(_:groups:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { channelShuffle(input, groups: groups) }
}
