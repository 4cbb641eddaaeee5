import GlassboxKernels

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
    guard training && p > 0 else { return input }
    if p == 1 { return input * Tensor<Scalar>.zeros(like: input) }
    let keep = Tensor<Scalar>.bernoulli(input.shape, p: Scalar(1 - p), generator: &generator)
    return input * (keep * Scalar(1 / (1 - p)))
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
public final class Dropout<Scalar: TensorScalar>: Module {
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
        if var g = generator {
            defer { generator = g }
            return dropout(input, p: p, training: true, generator: &g)
        }
        return dropout(input, p: p, training: true)
    }
}
