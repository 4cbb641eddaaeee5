// Padding layers, like `torch.nn.ZeroPad2d`, `ConstantPad1d`, `ReflectionPad3d`,
// `ReplicationPad2d`, `CircularPad1d`…: parameter-free modules applying ``pad(_:_:mode:value:)``
// (Ops/Padding.swift; the math is in Docs/Padding.md) to the last 1, 2 or 3 dimensions.

/// The shared implementation of the padding layers: ``pad(_:_:mode:value:)`` with fixed
/// arguments. Use the PyTorch-named subclasses (``ZeroPad2d``, ``ReflectionPad1d``…), or this
/// class directly for any number of padded dimensions.
public class PaddingLayer<Scalar: TensorScalar>: Layer {
    /// `(before, after)` pairs starting from the last dimension, as PyTorch's `padding`
    /// attribute: `[left, right, top, bottom, front, back]`.
    public let padding: [Int]
    /// How the border is filled.
    public let mode: PaddingMode
    /// The fill value of ``PaddingMode/constant`` mode.
    public let value: Scalar
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the layer; `padding` holds an even number of entries.
    public init(padding: [Int], mode: PaddingMode, value: Scalar = 0) {
        precondition(padding.count % 2 == 0, "PaddingLayer: padding \(padding) must hold (before, after) pairs")
        self.padding = padding
        self.mode = mode
        self.value = value
    }

    /// Applies ``pad(_:_:mode:value:)``.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        pad(input, padding, mode: mode, value: value)
    }

    /// `padding` as given, or one integer repeated on both sides of `dimensions` dimensions.
    static func expanded(_ padding: [Int], dimensions: Int, layer: String) -> [Int] {
        if padding.count == 1 { return [Int](repeating: padding[0], count: 2 * dimensions) }
        precondition(
            padding.count == 2 * dimensions,
            "\(layer): padding must be an integer or \(2 * dimensions) integers, got \(padding)")
        return padding
    }
}

/// Pads the last dimension with zeros, like `torch.nn.ZeroPad1d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 1. Negative amounts crop.
public final class ZeroPad1d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 2), mode: .constant)
    }

    /// Pads by `padding` = `[left, right]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 1, layer: "ZeroPad1d"), mode: .constant)
    }
}

/// Pads the last two dimensions with zeros, like `torch.nn.ZeroPad2d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 2. Negative amounts crop.
public final class ZeroPad2d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 4), mode: .constant)
    }

    /// Pads by `padding` = `[left, right, top, bottom]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 2, layer: "ZeroPad2d"), mode: .constant)
    }
}

/// Pads the last three dimensions with zeros, like `torch.nn.ZeroPad3d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 3. Negative amounts crop.
public final class ZeroPad3d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 6), mode: .constant)
    }

    /// Pads by `padding` = `[left, right, top, bottom, front, back]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 3, layer: "ZeroPad3d"), mode: .constant)
    }
}

/// Pads the last dimension with a constant `value`, like `torch.nn.ConstantPad1d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 1. Negative amounts crop.
public final class ConstantPad1d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding` and fill value.
    public init(padding: Int, value: Scalar) {
        super.init(padding: [Int](repeating: padding, count: 2), mode: .constant, value: value)
    }

    /// Pads by `padding` = `[left, right]` and fill value.
    public init(padding: [Int], value: Scalar) {
        super.init(padding: Self.expanded(padding, dimensions: 1, layer: "ConstantPad1d"), mode: .constant, value: value)
    }
}

/// Pads the last two dimensions with a constant `value`, like `torch.nn.ConstantPad2d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 2. Negative amounts crop.
public final class ConstantPad2d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding` and fill value.
    public init(padding: Int, value: Scalar) {
        super.init(padding: [Int](repeating: padding, count: 4), mode: .constant, value: value)
    }

    /// Pads by `padding` = `[left, right, top, bottom]` and fill value.
    public init(padding: [Int], value: Scalar) {
        super.init(padding: Self.expanded(padding, dimensions: 2, layer: "ConstantPad2d"), mode: .constant, value: value)
    }
}

/// Pads the last three dimensions with a constant `value`, like `torch.nn.ConstantPad3d`
/// (``PaddingMode/constant``); inputs any tensor of rank ≥ 3. Negative amounts crop.
public final class ConstantPad3d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding` and fill value.
    public init(padding: Int, value: Scalar) {
        super.init(padding: [Int](repeating: padding, count: 6), mode: .constant, value: value)
    }

    /// Pads by `padding` = `[left, right, top, bottom, front, back]` and fill value.
    public init(padding: [Int], value: Scalar) {
        super.init(padding: Self.expanded(padding, dimensions: 3, layer: "ConstantPad3d"), mode: .constant, value: value)
    }
}

/// Pads the last dimension with the reflection of the input at its edges, like `torch.nn.ReflectionPad1d`
/// (``PaddingMode/reflect``); inputs `[N, C, W]` or `[C, W]`. Negative amounts crop.
public final class ReflectionPad1d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 2), mode: .reflect)
    }

    /// Pads by `padding` = `[left, right]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 1, layer: "ReflectionPad1d"), mode: .reflect)
    }
}

/// Pads the last two dimensions with the reflection of the input at its edges, like `torch.nn.ReflectionPad2d`
/// (``PaddingMode/reflect``); inputs `[N, C, H, W]` or `[C, H, W]`. Negative amounts crop.
public final class ReflectionPad2d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 4), mode: .reflect)
    }

    /// Pads by `padding` = `[left, right, top, bottom]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 2, layer: "ReflectionPad2d"), mode: .reflect)
    }
}

/// Pads the last three dimensions with the reflection of the input at its edges, like `torch.nn.ReflectionPad3d`
/// (``PaddingMode/reflect``); inputs `[N, C, D, H, W]` or `[C, D, H, W]`. Negative amounts crop.
public final class ReflectionPad3d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 6), mode: .reflect)
    }

    /// Pads by `padding` = `[left, right, top, bottom, front, back]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 3, layer: "ReflectionPad3d"), mode: .reflect)
    }
}

/// Pads the last dimension with copies of the edge elements, like `torch.nn.ReplicationPad1d`
/// (``PaddingMode/replicate``); inputs `[N, C, W]` or `[C, W]`. Negative amounts crop.
public final class ReplicationPad1d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 2), mode: .replicate)
    }

    /// Pads by `padding` = `[left, right]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 1, layer: "ReplicationPad1d"), mode: .replicate)
    }
}

/// Pads the last two dimensions with copies of the edge elements, like `torch.nn.ReplicationPad2d`
/// (``PaddingMode/replicate``); inputs `[N, C, H, W]` or `[C, H, W]`. Negative amounts crop.
public final class ReplicationPad2d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 4), mode: .replicate)
    }

    /// Pads by `padding` = `[left, right, top, bottom]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 2, layer: "ReplicationPad2d"), mode: .replicate)
    }
}

/// Pads the last three dimensions with copies of the edge elements, like `torch.nn.ReplicationPad3d`
/// (``PaddingMode/replicate``); inputs `[N, C, D, H, W]` or `[C, D, H, W]`. Negative amounts crop.
public final class ReplicationPad3d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 6), mode: .replicate)
    }

    /// Pads by `padding` = `[left, right, top, bottom, front, back]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 3, layer: "ReplicationPad3d"), mode: .replicate)
    }
}

/// Pads the last dimension with the input wrapped around, like `torch.nn.CircularPad1d`
/// (``PaddingMode/circular``); inputs `[N, C, W]` or `[C, W]`. Negative amounts crop.
public final class CircularPad1d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 2), mode: .circular)
    }

    /// Pads by `padding` = `[left, right]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 1, layer: "CircularPad1d"), mode: .circular)
    }
}

/// Pads the last two dimensions with the input wrapped around, like `torch.nn.CircularPad2d`
/// (``PaddingMode/circular``); inputs `[N, C, H, W]` or `[C, H, W]`. Negative amounts crop.
public final class CircularPad2d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 4), mode: .circular)
    }

    /// Pads by `padding` = `[left, right, top, bottom]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 2, layer: "CircularPad2d"), mode: .circular)
    }
}

/// Pads the last three dimensions with the input wrapped around, like `torch.nn.CircularPad3d`
/// (``PaddingMode/circular``); inputs `[N, C, D, H, W]` or `[C, D, H, W]`. Negative amounts crop.
public final class CircularPad3d<Scalar: TensorScalar>: PaddingLayer<Scalar> {
    /// Pads every side by `padding`.
    public init(padding: Int) {
        super.init(padding: [Int](repeating: padding, count: 6), mode: .circular)
    }

    /// Pads by `padding` = `[left, right, top, bottom, front, back]`.
    public init(padding: [Int]) {
        super.init(padding: Self.expanded(padding, dimensions: 3, layer: "CircularPad3d"), mode: .circular)
    }
}
