/// The DCGAN generator for 28 × 28 images (Radford et al. 2016, sized for MNIST): a latent
/// vector to an image in [−1, 1].
///
/// ```
/// input    [N, latentSize]
/// 0 Linear(latentSize, 2w·7·7)                 → [N, 2w·49]
/// 1 Unflatten(1, [2w, 7, 7])                   → [N, 2w, 7, 7]
/// 2 BatchNorm2d(2w)   3 ReLU
/// 4 ConvTranspose2d(2w, w, 4, stride 2, pad 1) → [N, w, 14, 14]
/// 5 BatchNorm2d(w)    6 ReLU
/// 7 ConvTranspose2d(w, 1, 4, stride 2, pad 1)  → [N, 1, 28, 28]
/// 8 Tanh
/// ```
///
/// Weights are drawn from `N(0, 0.02²)` and biases are zero, as in the paper; BatchNorm keeps
/// PyTorch's defaults. `w` is `width` (64 by default). The names are those of an
/// `nn.Sequential` of the same layers.
public func makeDCGANGenerator<Scalar: TensorScalar>(
    latentSize: Int = 100, width: Int = 64, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    let w = width
    return Sequential(
        Linear(weight: dcganWeight([2 * w * 49, latentSize], &generator), bias: Tensor.zeros([2 * w * 49])),
        Unflatten(dim: 1, unflattenedSize: [2 * w, 7, 7]),
        BatchNorm2d(numFeatures: 2 * w), ReLU(),
        ConvTranspose2d(weight: dcganWeight([2 * w, w, 4, 4], &generator), bias: Tensor.zeros([w]), stride: 2, padding: 1),
        BatchNorm2d(numFeatures: w), ReLU(),
        ConvTranspose2d(weight: dcganWeight([w, 1, 4, 4], &generator), bias: Tensor.zeros([1]), stride: 2, padding: 1),
        Tanh())
}

/// The DCGAN discriminator (or, without BatchNorm, the WGAN critic) for 28 × 28 images: one
/// logit (a score for WGANs) per image.
///
/// ```
/// input    [N, 1, 28, 28]
/// Conv2d(1, w, 4, stride 2, pad 1) → LeakyReLU(0.2)                  → [N, w, 14, 14]
/// Conv2d(w, 2w, 4, stride 2, pad 1) → [BatchNorm2d(2w)] → LeakyReLU(0.2) → [N, 2w, 7, 7]
/// Flatten                                                             → [N, 2w·49]
/// [MinibatchDiscrimination(2w·49, kernels, 8)]                        → [N, 2w·49 + kernels]
/// Linear(…, 1)                                                        → [N, 1]
/// ```
///
/// - Parameters:
///   - batchNorm: BatchNorm after the second convolution (DCGAN; leave it out for a WGAN-GP
///     critic, whose penalty is per sample).
///   - minibatchKernels: the kernels of a ``MinibatchDiscrimination`` layer before the last
///     Linear, or `nil` for none.
public func makeDCGANDiscriminator<Scalar: TensorScalar>(
    width: Int = 64, batchNorm: Bool = true, minibatchKernels: Int? = nil, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    let w = width, features = 2 * w * 49
    var layers: [any Layer<Scalar>] = [
        Conv2d(weight: dcganWeight([w, 1, 4, 4], &generator), bias: Tensor.zeros([w]), stride: 2, padding: 1),
        LeakyReLU(negativeSlope: 0.2),
        Conv2d(weight: dcganWeight([2 * w, w, 4, 4], &generator), bias: Tensor.zeros([2 * w]), stride: 2, padding: 1),
    ]
    if batchNorm { layers.append(BatchNorm2d(numFeatures: 2 * w)) }
    layers += [LeakyReLU(negativeSlope: 0.2), Flatten()]
    var width = features
    if let kernels = minibatchKernels {
        layers.append(MinibatchDiscrimination(inFeatures: features, kernels: kernels, kernelDimension: 8, generator: &generator))
        width += kernels
    }
    layers.append(Linear(weight: dcganWeight([1, width], &generator), bias: Tensor.zeros([1])))
    return Sequential(layers)
}

/// DCGAN's initial weights: `N(0, 0.02²)`.
private func dcganWeight<Scalar: TensorScalar>(_ shape: [Int], _ generator: inout RandomGenerator) -> Tensor<Scalar> {
    Tensor<Scalar>.randn(shape, generator: &generator) * Scalar(0.02)
}
