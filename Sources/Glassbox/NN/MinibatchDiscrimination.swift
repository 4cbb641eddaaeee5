/// Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for Training GANs"):
/// lets a discriminator see how close each sample is to the others of its batch, which makes a
/// generator that collapses onto a few outputs easy to spot.
///
/// For input features `f` `[N, A]` and the learned tensor `T` (stored `[A, B·C]`):
///
///     M_i = f_i · T                           reshaped [B, C] per sample
///     c_b(i, j) = exp(−‖M_{i,b} − M_{j,b}‖₁)   for each of the B kernels
///     o_b(i) = Σ_{j ≠ i} c_b(i, j)
///     output_i = [f_i, o(i)]                  [N, A + B]
///
/// The sum leaves out `j = i` (its term is always `exp(0) = 1`). Backward, by the chain rule
/// through the differentiable operations above: `∂o_b(i)/∂M_{i,b} = −Σ_j c_b(i,j)·sign(M_{i,b} − M_{j,b})`
/// and symmetrically for `M_j` (Docs/GAN.md).
public final class MinibatchDiscrimination<Scalar: TensorScalar>: Layer {
    /// Input features `A`.
    public let inFeatures: Int
    /// Kernels `B` (extra output features).
    public let kernels: Int
    /// The size `C` of each kernel's projection.
    public let kernelDimension: Int
    /// `T`, `[A, B·C]`.
    public let weight: Tensor<Scalar>
    /// Training mode (no effect on this layer).
    public var isTraining = true

    /// Creates a layer with `T` drawn from `N(0, 0.1²)` (the scale of the paper's code).
    public init(inFeatures: Int, kernels: Int, kernelDimension: Int, generator: inout RandomGenerator) {
        precondition(
            inFeatures > 0 && kernels > 0 && kernelDimension > 0,
            "MinibatchDiscrimination: sizes must be positive (A \(inFeatures), B \(kernels), C \(kernelDimension))")
        self.inFeatures = inFeatures
        self.kernels = kernels
        self.kernelDimension = kernelDimension
        weight = Tensor<Scalar>.randn([inFeatures, kernels * kernelDimension], generator: &generator) * Scalar(0.1)
        weight.requiresGrad = true
    }

    /// `weight` (`T`).
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [("weight", weight)] }

    /// `[N, A]` → `[N, A + B]`: the features followed by each kernel's closeness to the rest of
    /// the batch.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        minibatchDiscrimination(input, weight: weight, kernels: kernels)
    }
}

/// The function of ``MinibatchDiscrimination``: `input` `[N, A]`, `weight` (`T`) `[A, B·C]` for
/// `kernels` = `B` → `[N, A + B]`.
public func minibatchDiscrimination<Scalar>(_ input: Tensor<Scalar>, weight: Tensor<Scalar>, kernels: Int) -> Tensor<Scalar> {
    precondition(
        input.rank == 2 && weight.rank == 2 && weight.shape[0] == input.shape[1] && kernels > 0 && weight.shape[1] % kernels == 0,
        "minibatchDiscrimination: input \(input.shape) and weight \(weight.shape) must be [N, A] and [A, \(kernels)·C]")
    let n = input.shape[0]
    let m = input.matmul(weight).reshaped([n, kernels, weight.shape[1] / kernels])
    let distances = pairwiseL1Distances(m)  // [N, N, B]
    let closeness = (-distances).exp().sum(dim: 1) - 1  // the j = i term is exp(0) = 1
    return Tensor.concat([input, closeness], dim: 1)
}

/// The L1 distance between every two samples, per kernel: `m` `[N, B, C]` → `[N, N, B]` with
/// `D[i, j, b] = Σ_c |m[i, b, c] − m[j, b, c]|`, the distances of minibatch discrimination, in
/// one fused pass (PyTorch: `(m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(3)`). Gradient:
/// `dm[k, b, c] = Σ_j (dD[k, j, b] + dD[j, k, b])·sign(m[k, b, c] − m[j, b, c])`, with
/// sign(0) = 0 as `abs` takes it.
public func pairwiseL1Distances<Scalar>(_ m: Tensor<Scalar>) -> Tensor<Scalar> {
    precondition(m.rank == 3, "pairwiseL1Distances: m \(m.shape) must be [N, B, C]")
    let (n, kernels, dimension) = (m.shape[0], m.shape[1], m.shape[2])
    let d = Tensor<Scalar>.empty([n, n, kernels])
    PairwiseL1.forward(m.storage.pointer, d.storage.pointer, samples: n, kernels: kernels, dimension: dimension)
    return Tensor.recordedFused(.pairwiseL1Distances, [m], outputs: [d]) { gradOutputs, _ in
        let dm = Tensor<Scalar>.empty(m.shape)
        PairwiseL1.backward(
            m.storage.pointer, gradOutputs[0].storage.pointer, dm.storage.pointer, samples: n, kernels: kernels, dimension: dimension)
        return [dm]
    } composite: { inputs in
        [(inputs[0].unsqueezed(1) - inputs[0].unsqueezed(0)).abs().sum(dim: 3)]
    }[0]
}
