import GlassboxKernels

/// Upsampling of `[N, C, *]` (one to three spatial dimensions) to a fixed size or by a scale
/// factor, like `torch.nn.Upsample`, in every mode of ``InterpolationMode``. See
/// ``interpolate(_:size:scaleFactor:mode:alignCorners:recomputeScaleFactor:)`` for the
/// index rules.
public class Upsample<Scalar: TensorScalar>: Layer {
    /// The interpolation mode (PyTorch's `mode` argument).
    public typealias Mode = InterpolationMode

    /// The output size per spatial dimension (one entry broadcasts), or `nil` when a scale
    /// factor is given.
    public let outputSize: [Int]?
    /// The scale factor per spatial dimension (one entry broadcasts), or `nil` when a size is
    /// given.
    public let scaleFactors: [Double]?
    /// The interpolation mode.
    public let mode: Mode
    /// Whether the corner pixels of input and output are aligned (interpolating modes only;
    /// `nil` is `false`).
    public let alignCorners: Bool?
    /// Whether the source index uses `in/out` instead of the given scale factor (PyTorch's
    /// `recompute_scale_factor`; `nil` and `false` are the same).
    public let recomputeScaleFactor: Bool?
    /// Training mode (no effect).
    public var isTraining = true

    /// The output `(height, width)` when a 2-D size was given.
    public var size: (Int, Int)? { outputSize.flatMap { $0.count == 2 ? ($0[0], $0[1]) : $0.count == 1 ? ($0[0], $0[0]) : nil } }
    /// The scale factor `(height, width)` when a 2-D scale factor was given.
    public var scaleFactor: (Double, Double)? {
        scaleFactors.flatMap { $0.count == 2 ? ($0[0], $0[1]) : $0.count == 1 ? ($0[0], $0[0]) : nil }
    }

    /// Upsamples to `size` (one entry per spatial dimension, or one for all).
    public init(size: [Int], mode: Mode = .nearest, alignCorners: Bool? = nil) {
        precondition(!size.isEmpty && size.allSatisfy { $0 > 0 }, "Upsample: size \(size) must be non-empty and positive")
        precondition(alignCorners == nil || mode.takesAlignCorners, "Upsample: alignCorners is only for the interpolating modes")
        self.outputSize = size
        self.scaleFactors = nil
        self.mode = mode
        self.alignCorners = alignCorners
        self.recomputeScaleFactor = nil
    }

    /// Upsamples by `scaleFactor` (one entry per spatial dimension, or one for all): output sizes
    /// `⌊in · scaleFactor⌋`.
    public init(scaleFactor: [Double], mode: Mode = .nearest, alignCorners: Bool? = nil, recomputeScaleFactor: Bool? = nil) {
        precondition(
            !scaleFactor.isEmpty && scaleFactor.allSatisfy { $0 > 0 && $0.isFinite },
            "Upsample: scaleFactor \(scaleFactor) must be non-empty, positive and finite")
        precondition(alignCorners == nil || mode.takesAlignCorners, "Upsample: alignCorners is only for the interpolating modes")
        self.outputSize = nil
        self.scaleFactors = scaleFactor
        self.mode = mode
        self.alignCorners = alignCorners
        self.recomputeScaleFactor = recomputeScaleFactor
    }

    /// Upsamples to `size` `(height, width)`.
    public convenience init(size: (Int, Int), mode: Mode = .nearest, alignCorners: Bool? = nil) {
        self.init(size: [size.0, size.1], mode: mode, alignCorners: alignCorners)
    }

    /// Upsamples every spatial dimension to `size`.
    public convenience init(size: Int, mode: Mode = .nearest, alignCorners: Bool? = nil) {
        self.init(size: [size], mode: mode, alignCorners: alignCorners)
    }

    /// Upsamples by `scaleFactor` `(height, width)`.
    public convenience init(
        scaleFactor: (Double, Double), mode: Mode = .nearest, alignCorners: Bool? = nil, recomputeScaleFactor: Bool? = nil
    ) {
        self.init(scaleFactor: [scaleFactor.0, scaleFactor.1], mode: mode, alignCorners: alignCorners, recomputeScaleFactor: recomputeScaleFactor)
    }

    /// Upsamples by `scaleFactor` on every spatial dimension (`Upsample(scaleFactor: 2)`).
    public convenience init(scaleFactor: Double, mode: Mode = .nearest, alignCorners: Bool? = nil, recomputeScaleFactor: Bool? = nil) {
        self.init(scaleFactor: [scaleFactor], mode: mode, alignCorners: alignCorners, recomputeScaleFactor: recomputeScaleFactor)
    }

    /// `[N, C, *]` → `[N, C, *']`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        interpolate(
            input, size: outputSize, scaleFactor: scaleFactors, mode: mode, alignCorners: alignCorners,
            recomputeScaleFactor: recomputeScaleFactor)
    }
}

/// Nearest upsampling of `[N, C, H, W]`, like `torch.nn.UpsamplingNearest2d` (PyTorch's
/// deprecated alias of `Upsample(mode='nearest')`).
public final class UpsamplingNearest2d<Scalar: TensorScalar>: Upsample<Scalar> {
    /// Upsamples to `size` `[H', W']` (or one entry for both).
    public init(size: [Int]) { super.init(size: size, mode: .nearest) }
    /// Upsamples by `scaleFactor` `[h, w]` (or one entry for both).
    public init(scaleFactor: [Double]) { super.init(scaleFactor: scaleFactor, mode: .nearest) }
}

/// Bilinear upsampling of `[N, C, H, W]` with aligned corners, like
/// `torch.nn.UpsamplingBilinear2d` (PyTorch's deprecated alias of
/// `Upsample(mode='bilinear', align_corners=True)`).
public final class UpsamplingBilinear2d<Scalar: TensorScalar>: Upsample<Scalar> {
    /// Upsamples to `size` `[H', W']` (or one entry for both).
    public init(size: [Int]) { super.init(size: size, mode: .bilinear, alignCorners: true) }
    /// Upsamples by `scaleFactor` `[h, w]` (or one entry for both).
    public init(scaleFactor: [Double]) { super.init(scaleFactor: scaleFactor, mode: .bilinear, alignCorners: true) }
}
