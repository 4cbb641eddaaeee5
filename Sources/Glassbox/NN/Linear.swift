import GlassboxKernels

/// `y = x·Wᵀ + b` for `x` of shape `[*, inFeatures]`, like `torch.nn.functional.linear`.
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` `[outFeatures]`. All leading
/// dimensions of `input` are flattened into the rows of one GEMM that reads `W` transposed
/// through the GEMM flag (no copy). A 1-D input gives a 1-D output. With a bias, the output
/// starts as the bias rows and the GEMM adds the product to them (one `.linear` op).
///
/// Backward (with `G = ∂L/∂y` flattened to rows): `∂x = G·W`, `∂W = Gᵀ·x`, `∂b = Σ_rows G`.
public func linear<Scalar>(
    _ input: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil
) -> Tensor<Scalar> {
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    precondition(
        input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
        "linear: input shape \(input.shape) does not end in \(inFeatures) (weight \(weight.shape))")
    if let bias {
        precondition(bias.shape == [outFeatures], "linear: bias shape \(bias.shape), expected [\(outFeatures)]")
    }
    let leading = Array(input.shape.dropLast())
    let rows = leading.reduce(1, *)
    if let bias, rows > 0, inFeatures > 0 {
        return Tensor.linearWithBias(input.reshaped([rows, inFeatures]), weight: weight, bias: bias).reshaped(leading + [outFeatures])
    }
    let x = input.reshaped([1, rows, inFeatures])
    let w = weight.reshaped([1, outFeatures, inFeatures])
    var y = Tensor.batchedMatmul(x, w, false, true).reshaped(leading + [outFeatures])
    if let bias { y = y + bias }
    return y
}

/// A fully connected layer `y = x·Wᵀ + b`, like `torch.nn.Linear`.
///
/// Parameters (PyTorch names and layouts): `weight` `[outFeatures, inFeatures]`, `bias`
/// `[outFeatures]` (absent when `bias: false`). Both are initialised from
/// `U(−1/√inFeatures, 1/√inFeatures)`, which is what PyTorch's `kaiming_uniform_(a=√5)` on the
/// weight and its bias rule give.
public final class Linear<Scalar: TensorScalar>: Layer {
    /// The number of input features (the last dimension of the input).
    public let inFeatures: Int
    /// The number of output features.
    public let outFeatures: Int
    /// `[outFeatures, inFeatures]`.
    public let weight: Tensor<Scalar>
    /// `[outFeatures]`, or `nil` for a layer created with `bias: false`.
    public let bias: Tensor<Scalar>?
    /// Whether the module is in training mode (no effect on this layer).
    public var isTraining = true

    /// Creates a layer initialised from `generator`.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(inFeatures >= 0 && outFeatures >= 0, "Linear: negative size (\(inFeatures), \(outFeatures))")
        let bound = inFeatures > 0 ? 1 / Scalar(inFeatures).squareRoot() : 0
        let w = Tensor<Scalar>.uniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &generator)
        let b = bias ? Tensor<Scalar>.uniform([outFeatures], low: -bound, high: bound, generator: &generator) : nil
        self.init(weight: w, bias: b)
    }

    /// Creates a layer initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        let (w, b) = RandomGenerator.withGlobal { g in
            let bound = inFeatures > 0 ? 1 / Scalar(inFeatures).squareRoot() : 0
            let w = Tensor<Scalar>.uniform([outFeatures, inFeatures], low: -bound, high: bound, generator: &g)
            let b = bias ? Tensor<Scalar>.uniform([outFeatures], low: -bound, high: bound, generator: &g) : nil
            return (w, b)
        }
        self.init(weight: w, bias: b)
    }

    /// Creates a layer with the given parameters (used as they are: shared, and made to
    /// require grad).
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        self.outFeatures = weight.shape[0]
        self.inFeatures = weight.shape[1]
        if let bias {
            precondition(bias.shape == [outFeatures], "Linear: bias shape \(bias.shape), expected [\(outFeatures)]")
            if bias.isLeaf { bias.requiresGrad = true }
        }
        if weight.isLeaf { weight.requiresGrad = true }
        self.weight = weight
        self.bias = bias
    }

    /// `weight`, then `bias` if present.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        if let bias { [("weight", weight), ("bias", bias)] } else { [("weight", weight)] }
    }

    /// `input` `[*, inFeatures]` → `[*, outFeatures]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        linear(input, weight: weight, bias: bias)
    }
}
