extension OpCatalog {
    /// Entries for the composite functions of the generative models (all `op: nil`): the VAE's
    /// KL term under each reduction, the reparameterisation with fixed noise, the VAE loss end
    /// to end (BCE of the logits + KL), ``Unflatten``, minibatch discrimination and the WGAN-GP
    /// gradient penalty, whose gradient is a double backward through the critic (dense with
    /// tanh, and convolutional with LeakyReLU), and the DDPM's U-Net parts (a time-conditioned
    /// residual block, spatial self-attention, a whole small U-Net with its output layer made
    /// non-zero), each with weights fixed by a seed and checked through its inputs.
    static var generativeEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        var entries: [OpCatalogEntry] = LossReduction.allCases.map { reduction in
            .init("vae.gaussianKLDivergence/\(reduction.rawValue)", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 4], &g)] }) {
                gaussianKLDivergence(mean: $0[0], logVariance: $0[1], reduction: reduction)
            }
        }
        entries += [
            .init("vae.reparameterize", op: nil, inputs: { g in [T.sample([2, 3], &g), T.sample([2, 3], &g)] }) {
                reparameterize(mean: $0[0], logVariance: $0[1], noise: T([0.3, -1.2, 0.8, 1.5, -0.4, 0.1], shape: [2, 3]))
            },
            .init("vae.loss/bce-logits+kl", op: nil, inputs: { g in
                [T.sample([2, 3], &g), T.sample([2, 3], &g), T.sample([3, 4], &g), T.sample([4, 5], &g)]
            }) { x in
                // A two-layer linear decoder (x[2], x[3]) of z to [2, 5] logits; targets in (0, 1).
                let z = reparameterize(mean: x[0], logVariance: x[1], noise: T([0.3, -1.2, 0.8, 1.5, -0.4, 0.1], shape: [2, 3]))
                let logits = linear(z, weight: x[2].transposed()).matmul(x[3])
                let target = T((0..<10).map { Double(($0 * 7) % 10) / 10 + 0.05 }, shape: [2, 5])
                return binaryCrossEntropyWithLogits(logits, target, reduction: .sum) + gaussianKLDivergence(mean: x[0], logVariance: x[1])
            },
            .init("nn.Unflatten", op: nil, inputs: { g in [T.sample([2, 6], &g)] }) {
                Unflatten<Double>(dim: 1, unflattenedSize: [2, 3])($0[0]) * T.arange(0, 6).reshaped([1, 2, 3])
            },
        ]
        entries += [
            .init("nn.MinibatchDiscrimination", op: nil, inputs: { g in [T.sample([4, 3], &g), T.sample([3, 6], &g)] }) {
                minibatchDiscrimination($0[0], weight: $0[1], kernels: 2)
            },
            .init("pairwiseL1Distances", op: .pairwiseL1Distances, inputs: { g in [T.sample([4, 2, 3], &g)] }) {
                pairwiseL1Distances($0[0])
            },
            .init("loss.gradientPenalty/dense-tanh", op: nil, inputs: { g in
                [T.sample([3, 4], &g), T.sample([5, 4], &g), T.sample([1, 5], &g)]
            }) { x in
                gradientPenalty(critic: { linear(linear($0, weight: x[1]).tanh(), weight: x[2]) }, interpolates: x[0])
            },
            .init("loss.gradientPenalty/conv-leaky-relu", op: nil, inputs: { g in
                [T.sample([2, 1, 4, 4], &g), T.sample([2, 1, 3, 3], &g), T.sample([1, 8], &g)]
            }) { x in
                gradientPenalty(
                    critic: { input in
                        let features = conv2d(input, weight: x[1], stride: 2, padding: 1).leakyRelu(negativeSlope: 0.2)
                        return linear(features.reshaped([input.shape[0], 8]), weight: x[2])
                    }, interpolates: x[0])
            },
        ]
        entries += [
            .init("ddpm.TimeResidualBlock", op: nil, inputs: { g in [T.sample([2, 4, 3, 3], &g), T.sample([2, 6], &g)] }) { x in
                var weights = RandomGenerator(seed: 11)
                let block = TimeResidualBlock<Double>(inChannels: 4, outChannels: 8, timeDimension: 6, groups: 2, generator: &weights)
                return block.forward(x[0], time: x[1])
            },
            .init("ddpm.SpatialSelfAttention", op: nil, inputs: { g in [T.sample([2, 8, 2, 3], &g)] }) { x in
                var weights = RandomGenerator(seed: 12)
                return SpatialSelfAttention<Double>(channels: 8, heads: 2, groups: 4, generator: &weights)(x[0])
            },
            // Some thirty layers deep: central differences at ε = 1e-6 agree to about 1e-5.
            .init("ddpm.UNet", op: nil, tolerance: 1e-4, inputs: { g in [T.sample([2, 1, 28, 28], &g)] }) { x in
                var weights = RandomGenerator(seed: 13)
                let unet = UNet<Double>(baseChannels: 8, attention: true, generator: &weights)
                unet.convOut.weight.assign(T.randn([1, 8, 3, 3], generator: &weights) * 0.1)
                return unet(x[0], steps: [3, 700])
            },
        ]
        return entries
    }
}
