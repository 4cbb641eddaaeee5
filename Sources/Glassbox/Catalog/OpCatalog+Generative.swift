extension OpCatalog {
    /// Entries for the generative models' pieces: minibatch discrimination and the WGAN-GP
    /// gradient penalty, whose gradient is a double backward through the critic (dense with
    /// tanh, and convolutional with LeakyReLU).
    static var generativeEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        return [
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
    }
}
