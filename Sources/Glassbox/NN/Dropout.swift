import GlassboxKernels

/// `input ⊙ m / (1 − p)` with `m ~ Bernoulli(1 − p)` of `maskShape` (broadcast over `input`),
/// the identity when not training or `p = 0`, zeros when `p = 1`.
private func maskedDropout<Scalar>(
    _ input: Tensor<Scalar>, maskShape: [Int], p: Double, training: Bool, generator: inout RandomGenerator
) -> Tensor<Scalar> {
    guard training && p > 0 else { return input }
    if p == 1 { return input * Tensor<Scalar>.zeros(maskShape) }
    let keep = Tensor<Scalar>.bernoulli(maskShape, p: Scalar(1 - p), generator: &generator)
    return input * (keep * Scalar(1 / (1 - p)))
}

/// Runs `body` with the layer's own generator when it has one (storing the advanced state
/// back), else with the default generator.
private func withLayerGenerator<R>(_ generator: inout RandomGenerator?, _ body: (inout RandomGenerator) -> R) -> R {
    guard var g = generator else { return RandomGenerator.withGlobal(body) }
    defer { generator = g }
    return body(&g)
}

/// Zeroes each element with probability `p` during training and scales the rest by
/// `1/(1 − p)` (inverted dropout), like `torch.nn.functional.dropout`; the identity when
/// `training` is `false`.
///
/// Forward: `y = x ⊙ m / (1 − p)` with `m ~ Bernoulli(1 − p)`; backward: `∂x = G ⊙ m / (1 − p)`.
/// With `p = 1` the output is all zeros.
public func dropout<Scalar>(
    _ input: Tensor<Scalar>, p: Double = 0.5, training: Bool = true, generator: inout RandomGenerator
) -> Tensor<Scalar> {
    precondition(p >= 0 && p <= 1, "dropout: probability \(p) outside [0, 1]")
    return maskedDropout(input, maskShape: input.shape, p: p, training: training, generator: &generator)
}

/// ``dropout(_:p:training:generator:)`` drawing from the default generator.
public func dropout<Scalar>(_ input: Tensor<Scalar>, p: Double = 0.5, training: Bool = true) -> Tensor<Scalar> {
    RandomGenerator.withGlobal { dropout(input, p: p, training: training, generator: &$0) }
}

/// Dropout as a layer, like `torch.nn.Dropout(p=0.5)`: active in training mode, the identity
/// after ``Module/eval()``.
///
/// Masks come from ``generator`` when one is set (reproducible per layer), else from the
/// default generator (``RandomGenerator/manualSeed(_:)``).
public final class Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of zeroing an element.
    public let p: Double
    /// The layer's own random stream, or `nil` to use the default generator.
    public var generator: RandomGenerator?
    /// Whether masks are applied.
    public var isTraining = true

    /// Creates the layer.
    public init(p: Double = 0.5, generator: RandomGenerator? = nil) {
        precondition(p >= 0 && p <= 1, "Dropout: probability \(p) outside [0, 1]")
        self.p = p
        self.generator = generator
    }

    /// Applies dropout in training mode; returns `input` in evaluation mode.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard isTraining else { return input }
        return withLayerGenerator(&generator) { dropout(input, p: p, training: true, generator: &$0) }
    }
}

/// Zeroes whole channels with probability `p` during training and scales the rest by
/// `1/(1 − p)`, like `torch.nn.functional.dropout2d`; the identity when `training` is `false`.
///
/// The input is `[N, C, H, W]`, or `[N, C, L]` (which PyTorch, for historical reasons, also
/// reads as batched channels rather than an unbatched `[C, H, W]`). One Bernoulli(1 − p) draw per
/// `(n, c)`, in row-major order: `y[n, c] = x[n, c]·m[n, c]/(1 − p)`; backward
/// `∂x[n, c] = G[n, c]·m[n, c]/(1 − p)`. With `p = 1` the output is all zeros.
public func dropout2d<Scalar>(
    _ input: Tensor<Scalar>, p: Double = 0.5, training: Bool = true, generator: inout RandomGenerator
) -> Tensor<Scalar> {
    precondition(p >= 0 && p <= 1, "dropout2d: probability \(p) outside [0, 1]")
    precondition(input.rank == 3 || input.rank == 4, "dropout2d: expected a [N, C, H, W] or [N, C, L] input, got shape \(input.shape)")
    let maskShape = Array(input.shape.prefix(2)) + [Int](repeating: 1, count: input.rank - 2)
    return maskedDropout(input, maskShape: maskShape, p: p, training: training, generator: &generator)
}

/// ``dropout2d(_:p:training:generator:)`` drawing from the default generator.
public func dropout2d<Scalar>(_ input: Tensor<Scalar>, p: Double = 0.5, training: Bool = true) -> Tensor<Scalar> {
    RandomGenerator.withGlobal { dropout2d(input, p: p, training: training, generator: &$0) }
}

/// Channel dropout as a layer, like `torch.nn.Dropout2d(p=0.5)`: active in training mode, the
/// identity after ``Module/eval()``. See ``dropout2d(_:p:training:generator:)``.
///
/// Masks come from ``generator`` when one is set, else from the default generator.
public final class Dropout2d<Scalar: TensorScalar>: Layer {
    /// The probability of zeroing a channel.
    public let p: Double
    /// The layer's own random stream, or `nil` to use the default generator.
    public var generator: RandomGenerator?
    /// Whether masks are applied.
    public var isTraining = true

    /// Creates the layer.
    public init(p: Double = 0.5, generator: RandomGenerator? = nil) {
        precondition(p >= 0 && p <= 1, "Dropout2d: probability \(p) outside [0, 1]")
        self.p = p
        self.generator = generator
    }

    /// Applies channel dropout in training mode; returns `input` in evaluation mode.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard isTraining else { return input }
        return withLayerGenerator(&generator) { dropout2d(input, p: p, training: true, generator: &$0) }
    }
}
