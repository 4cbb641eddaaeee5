import GlassboxKernels

/// Upsampling of `[N, C, H, W]` to a fixed size or by a scale factor, like `torch.nn.Upsample`
/// (mode `nearest`, the only mode implemented; see ``upsampleNearest(_:size:)`` and
/// ``upsampleNearest(_:scaleFactor:recomputeScaleFactor:)`` for the index rule).
public final class Upsample<Scalar: TensorScalar>: Module {
    /// The interpolation mode (PyTorch's `mode` argument).
    public enum Mode: String, Sendable {
        /// Nearest neighbour: `src = min(⌊dst · scale⌋, in − 1)`.
        case nearest
    }

    /// The output `(height, width)`, or `nil` when a scale factor is given.
    public let size: (Int, Int)?
    /// The scale factor `(height, width)`, or `nil` when a size is given.
    public let scaleFactor: (Double, Double)?
    /// The interpolation mode.
    public let mode: Mode
    /// Whether the source index uses `in/out` instead of the given scale factor (PyTorch's
    /// `recompute_scale_factor`; `nil` and `false` are the same).
    public let recomputeScaleFactor: Bool?
    /// Training mode (no effect).
    public var isTraining = true

    /// Upsamples to `size` `(height, width)`.
    public init(size: (Int, Int), mode: Mode = .nearest) {
        self.size = size
        self.scaleFactor = nil
        self.mode = mode
        self.recomputeScaleFactor = nil
    }

    /// Upsamples to `size × size`.
    public convenience init(size: Int, mode: Mode = .nearest) { self.init(size: (size, size), mode: mode) }

    /// Upsamples by `scaleFactor` `(height, width)`: output sizes `⌊in · scaleFactor⌋`.
    public init(scaleFactor: (Double, Double), mode: Mode = .nearest, recomputeScaleFactor: Bool? = nil) {
        self.size = nil
        self.scaleFactor = scaleFactor
        self.mode = mode
        self.recomputeScaleFactor = recomputeScaleFactor
    }

    /// Upsamples by `scaleFactor` on both axes (`Upsample(scaleFactor: 2)`).
    public convenience init(scaleFactor: Double, mode: Mode = .nearest, recomputeScaleFactor: Bool? = nil) {
        self.init(scaleFactor: (scaleFactor, scaleFactor), mode: mode, recomputeScaleFactor: recomputeScaleFactor)
    }

    /// `[N, C, H, W]` → `[N, C, H', W']`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        switch mode {
        case .nearest:
            if let size { return upsampleNearest(input, size: size) }
            return upsampleNearest(input, scaleFactor: scaleFactor!, recomputeScaleFactor: recomputeScaleFactor ?? false)
        }
    }
}
