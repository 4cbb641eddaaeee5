import GlassboxKernels

/// Weight normalisation `w = g · v / ‖v‖`, like `torch._weight_norm`: the norm is the Euclidean
/// norm over every dimension except `dim` (over all of `v` when `dim` is nil), and `g` has
/// `v`'s shape with 1 in every dimension but `dim` (a single element when `dim` is nil).
///
/// Derivatives (with `n = ‖v‖` and `G = ∂L/∂w`): `∂g = Σ G ⊙ v / n` over the normed dimensions,
/// `∂v = (g / n) ⊙ (G − v ⊙ Σ(G ⊙ v) / n²)`. Written with differentiable operations (sum,
/// product, square root), so higher-order gradients work.
public func weightNorm<Scalar>(_ v: Tensor<Scalar>, _ g: Tensor<Scalar>, dim: Int? = 0) -> Tensor<Scalar> {
    let shape = weightNormGainShape(v.shape, dim: dim, op: "weightNorm")
    precondition(g.shape == shape, "weightNorm: g shape \(g.shape), expected \(shape) for v \(v.shape) and dim \(String(describing: dim))")
    return v * (g / weightNormNorm(v, dim: dim))
}

/// `‖v‖` over every dimension but `dim`, kept as size-1 dimensions.
private func weightNormNorm<Scalar>(_ v: Tensor<Scalar>, dim: Int?) -> Tensor<Scalar> {
    var squares = v * v
    for d in 0..<v.rank where d != dim { squares = squares.sum(dim: d, keepDim: true) }
    return squares.sqrt()
}

/// The shape of `g` for `v` of shape `shape`.
private func weightNormGainShape(_ shape: [Int], dim: Int?, op: String) -> [Int] {
    guard let dim else { return [Int](repeating: 1, count: shape.count) }
    precondition((0..<shape.count).contains(dim), "\(op): dim \(dim) out of range for weight \(shape)")
    return shape.indices.map { $0 == dim ? shape[dim] : 1 }
}

/// A layer whose weight is reparametrised as `w = g · v / ‖v‖` (weight normalisation, Salimans &
/// Kingma 2016), like `torch.nn.utils.parametrizations.weight_norm`: `g` and `v` are trained
/// instead of `w`, which is recomputed by ``weightNorm(_:_:dim:)`` on every call.
///
/// Parameters: the layer's others (e.g. `bias`), then `parametrizations.weight.original0` (`g`)
/// and `parametrizations.weight.original1` (`v`) — PyTorch's `state_dict` names and order.
/// Initially `v = w` and `g = ‖w‖`, so the layer computes what it did before wrapping.
public final class WeightNorm<Scalar: TensorScalar>: Layer {
    /// The magnitude `g` (`parametrizations.weight.original0`).
    public let g: Tensor<Scalar>
    /// The direction `v` (`parametrizations.weight.original1`).
    public let v: Tensor<Scalar>
    /// The dimension kept by the norm (nil: the norm of the whole weight).
    public let dim: Int?
    /// Whether the module is in training mode (no effect on this layer).
    public var isTraining = true
    private let otherParameters: [(name: String, tensor: Tensor<Scalar>)]
    private let forward: (_ input: Tensor<Scalar>, _ weight: Tensor<Scalar>) -> Tensor<Scalar>

    /// Wraps a layer given by its weight, its other parameters and its function of
    /// `(input, weight)`; `v` starts as a copy of `weight`.
    public init(
        weight: Tensor<Scalar>, dim: Int? = 0, otherParameters: [(name: String, tensor: Tensor<Scalar>)] = [],
        forward: @escaping (_ input: Tensor<Scalar>, _ weight: Tensor<Scalar>) -> Tensor<Scalar>
    ) {
        _ = weightNormGainShape(weight.shape, dim: dim, op: "WeightNorm")
        let v = withoutGrad { weight * 1 }
        v.requiresGrad = true
        let g = withoutGrad { weightNormNorm(v, dim: dim) }
        g.requiresGrad = true
        self.g = g
        self.v = v
        self.dim = dim
        self.otherParameters = otherParameters
        self.forward = forward
    }

    /// Wraps a ``Linear`` layer (its bias is shared, its weight replaced by `g` and `v`).
    public convenience init(_ layer: Linear<Scalar>, dim: Int? = 0) {
        let bias = layer.bias
        self.init(weight: layer.weight, dim: dim, otherParameters: layer.bias.map { [("bias", $0)] } ?? []) { x, w in
            linear(x, weight: w, bias: bias)
        }
    }

    /// The current weight `g · v / ‖v‖`.
    public var weight: Tensor<Scalar> { weightNorm(v, g, dim: dim) }

    /// The wrapped layer's other parameters, then `g` and `v`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] {
        otherParameters + [("parametrizations.weight.original0", g), ("parametrizations.weight.original1", v)]
    }

    /// The wrapped layer with the normalised weight.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { forward(input, weight) }
}
