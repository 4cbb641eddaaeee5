import GlassboxKernels

/// `y_k = x1ᵀ·A_k·x2 + b_k` for `x1` `[*, in1]`, `x2` `[*, in2]`, like
/// `torch.nn.functional.bilinear(input1, input2, weight, bias)`.
///
/// `weight` has shape `[out, in1, in2]` and `bias` `[out]`. The leading dimensions of the two
/// inputs must match; they are flattened into `N` rows and the product runs as one GEMM
/// `T = x1·A'` (`A'` = `weight` laid out as `[in1, out·in2]`) followed by
/// `y[n, k] = Σ_j T[n, k, j]·x2[n, j]`. Built from differentiable ops; the backward is
/// `∂x1 = Σ_k g_k·A_k·x2`, `∂x2 = Σ_k g_k·A_kᵀ·x1`, `∂A_k = Σ_n g_{nk}·x1_n ⊗ x2_n`, `∂b = Σ_n g`.
public func bilinear<Scalar>(
    _ input1: Tensor<Scalar>, _ input2: Tensor<Scalar>, weight: Tensor<Scalar>, bias: Tensor<Scalar>? = nil
) -> Tensor<Scalar> {
    precondition(weight.rank == 3, "bilinear: weight must be [out, in1, in2], got \(weight.shape)")
    let (outFeatures, in1, in2) = (weight.shape[0], weight.shape[1], weight.shape[2])
    precondition(input1.rank >= 1 && input1.shape.last == in1, "bilinear: input1 shape \(input1.shape) does not end in \(in1)")
    precondition(input2.rank >= 1 && input2.shape.last == in2, "bilinear: input2 shape \(input2.shape) does not end in \(in2)")
    let leading = Array(input1.shape.dropLast())
    precondition(leading == Array(input2.shape.dropLast()), "bilinear: leading dimensions differ: \(input1.shape) and \(input2.shape)")
    if let bias { precondition(bias.shape == [outFeatures], "bilinear: bias shape \(bias.shape), expected [\(outFeatures)]") }
    let rows = leading.reduce(1, *)
    let x1 = input1.reshaped([rows, in1]), x2 = input2.reshaped([rows, 1, in2])
    let a = weight.permuted([0, 2, 1]).reshaped([outFeatures * in2, in1])  // T = x1·aᵀ
    let t = linear(x1, weight: a).reshaped([rows, outFeatures, in2])
    var y = (t * x2).sum(dim: 2).reshaped(leading + [outFeatures])
    if let bias { y = y + bias }
    return y
}

/// A bilinear layer `y = x1ᵀ·A·x2 + b`, like `torch.nn.Bilinear(in1_features, in2_features,
/// out_features, bias=True)`.
///
/// Parameters (PyTorch names and layouts): `weight` `[outFeatures, in1Features, in2Features]`,
/// `bias` `[outFeatures]`, both initialised from `U(−1/√in1Features, 1/√in1Features)` as PyTorch
/// does. See ``bilinear(_:_:weight:bias:)`` for the computation.
public final class Bilinear<Scalar: TensorScalar>: Module {
    /// The size of the last dimension of `input1`.
    public let in1Features: Int
    /// The size of the last dimension of `input2`.
    public let in2Features: Int
    /// The number of output features.
    public let outFeatures: Int
    /// `[outFeatures, in1Features, in2Features]`.
    public let weight: Tensor<Scalar>
    /// `[outFeatures]`, or `nil` for a layer created with `bias: false`.
    public let bias: Tensor<Scalar>?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a layer initialised from `generator`.
    public convenience init(in1Features: Int, in2Features: Int, outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        precondition(in1Features > 0 && in2Features > 0 && outFeatures >= 0, "Bilinear: bad sizes (\(in1Features), \(in2Features), \(outFeatures))")
        let bound = 1 / Scalar(in1Features).squareRoot()
        let w = Tensor<Scalar>.uniform([outFeatures, in1Features, in2Features], low: -bound, high: bound, generator: &generator)
        let b = bias ? Tensor<Scalar>.uniform([outFeatures], low: -bound, high: bound, generator: &generator) : nil
        self.init(weight: w, bias: b)
    }

    /// Creates a layer with the given parameters (used as they are: shared, and made to require grad).
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>?) {
        precondition(weight.rank == 3, "Bilinear: weight must be [out, in1, in2], got \(weight.shape)")
        (outFeatures, in1Features, in2Features) = (weight.shape[0], weight.shape[1], weight.shape[2])
        if let bias {
            precondition(bias.shape == [outFeatures], "Bilinear: bias shape \(bias.shape), expected [\(outFeatures)]")
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

    /// `input1` `[*, in1Features]`, `input2` `[*, in2Features]` → `[*, outFeatures]`.
    public func callAsFunction(_ input1: Tensor<Scalar>, _ input2: Tensor<Scalar>) -> Tensor<Scalar> {
        bilinear(input1, input2, weight: weight, bias: bias)
    }
}
