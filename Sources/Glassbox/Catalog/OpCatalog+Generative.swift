extension OpCatalog {
    /// Entries for the composite functions of the generative models (all `op: nil`): the VAE's
    /// KL term under each reduction, the reparameterisation with fixed noise, the VAE loss end
    /// to end (BCE of the logits + KL), ``Unflatten``, minibatch discrimination and the WGAN-GP
    /// gradient penalty, whose gradient is a double backward through the critic (dense with
    /// tanh, and convolutional with LeakyReLU).
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
        return entries
    }
}
