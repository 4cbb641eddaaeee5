import GlassboxKernels

/// The cosine similarity of `x1` and `x2` along `dim`, like
/// `torch.nn.functional.cosine_similarity(x1, x2, dim, eps)`.
///
/// Both inputs are broadcast to a common shape first; then
/// `s = Σ_dim (x1 / max(‖x1‖, ε)) · (x2 / max(‖x2‖, ε))` with `‖·‖` the 2-norm along `dim`, as
/// PyTorch computes it (each input divided by its clamped norm before the product). The result
/// drops `dim`. Built from differentiable ops, so the backward (and higher orders) follows; for
/// norms below `ε` the clamp is a constant (PyTorch clamps without recording, and differentiates
/// the unclamped norm: the two agree wherever `‖x‖ > ε`).
public func cosineSimilarity<Scalar>(
    _ x1: Tensor<Scalar>, _ x2: Tensor<Scalar>, dim: Int = 1, eps: Scalar = 1e-8
) -> Tensor<Scalar> {
    let shape = x1.shape == x2.shape ? x1.shape : broadcastShapes(x1.shape, x2.shape, op: "cosineSimilarity")
    let rank = Swift.max(shape.count, 1)
    let d = dim < 0 ? dim + rank : dim
    precondition((0..<rank).contains(d), "cosineSimilarity: dim \(dim) out of range for shape \(shape)")
    let a = x1.expanded(to: shape), b = x2.expanded(to: shape)
    let scalarShape = shape.isEmpty
    let (va, vb) = scalarShape ? (a.reshaped([1]), b.reshaped([1])) : (a, b)
    let na = va.squared().sum(dim: d, keepDim: true).sqrt().clamped(min: eps)
    let nb = vb.squared().sum(dim: d, keepDim: true).sqrt().clamped(min: eps)
    return ((va / na) * (vb / nb)).sum(dim: d)
}

/// The `p`-norm distance between the rows of `x1` and `x2` along the last dimension, like
/// `torch.nn.functional.pairwise_distance(x1, x2, p, eps, keepdim)`:
/// `‖x1 − x2 + ε‖_p = (Σ |x1 − x2 + ε|ᵖ)^{1/p}` (`p = ∞`: the largest `|·|`).
///
/// The inputs broadcast; the norm runs over the last dimension of the broadcast shape, which is
/// kept with size 1 when `keepDim`. Built from differentiable ops: the backward is
/// `∂/∂x1 = |d|^{p−1}·sign(d) / ‖d‖_p^{p−1}` (and its negative for `x2`), `d = x1 − x2 + ε`.
public func pairwiseDistance<Scalar>(
    _ x1: Tensor<Scalar>, _ x2: Tensor<Scalar>, p: Scalar = 2, eps: Scalar = 1e-6, keepDim: Bool = false
) -> Tensor<Scalar> {
    precondition(p > 0, "pairwiseDistance: p must be > 0, got \(p)")
    let difference = x1 - x2 + eps
    let d = difference.rank == 0 ? difference.reshaped([1]) : difference
    let last = d.rank - 1
    if p == .infinity { return d.abs().max(dim: last, keepDim: keepDim).values }
    if p == 2 { return d.squared().sum(dim: last, keepDim: keepDim).sqrt() }
    if p == 1 { return d.abs().sum(dim: last, keepDim: keepDim) }
    return d.abs().pow(p).sum(dim: last, keepDim: keepDim).pow(1 / p)
}

/// Cosine similarity along `dim`, like `torch.nn.CosineSimilarity(dim=1, eps=1e-8)`; see
/// ``cosineSimilarity(_:_:dim:eps:)``.
public final class CosineSimilarity<Scalar: TensorScalar>: Module {
    /// The dimension the similarity is computed along (dropped from the output).
    public let dim: Int
    /// The smallest norm divided by.
    public let eps: Scalar
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults `dim = 1`, `eps = 1e-8`).
    public init(dim: Int = 1, eps: Scalar = 1e-8) {
        self.dim = dim
        self.eps = eps
    }
    /// `x1`, `x2` (broadcastable) → their cosine similarity along ``dim``.
    public func callAsFunction(_ x1: Tensor<Scalar>, _ x2: Tensor<Scalar>) -> Tensor<Scalar> {
        cosineSimilarity(x1, x2, dim: dim, eps: eps)
    }
}

/// The `p`-norm distance along the last dimension, like
/// `torch.nn.PairwiseDistance(p=2.0, eps=1e-6, keepdim=False)`; see
/// ``pairwiseDistance(_:_:p:eps:keepDim:)``.
public final class PairwiseDistance<Scalar: TensorScalar>: Module {
    /// The norm degree (`.infinity` for the largest absolute difference).
    public let p: Scalar
    /// Added to the difference before the norm (PyTorch's guard against a zero norm).
    public let eps: Scalar
    /// Whether the last dimension is kept with size 1.
    public let keepDim: Bool
    /// Training mode (no effect).
    public var isTraining = true
    /// Creates the layer (PyTorch's defaults).
    public init(p: Scalar = 2, eps: Scalar = 1e-6, keepDim: Bool = false) {
        precondition(p > 0, "PairwiseDistance: p must be > 0, got \(p)")
        self.p = p
        self.eps = eps
        self.keepDim = keepDim
    }
    /// `x1`, `x2` (broadcastable) → `‖x1 − x2 + ε‖_p` along the last dimension.
    public func callAsFunction(_ x1: Tensor<Scalar>, _ x2: Tensor<Scalar>) -> Tensor<Scalar> {
        pairwiseDistance(x1, x2, p: p, eps: eps, keepDim: keepDim)
    }
}
