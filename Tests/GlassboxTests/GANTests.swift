import Glassbox
import Testing

@Suite("GAN building blocks")
struct GANTests {
    @Test("minibatch discrimination: identical samples are each close to the N − 1 others, distant ones to none")
    func minibatchDiscrimination() {
        var g = RandomGenerator(seed: 1)
        let layer = MinibatchDiscrimination<Double>(inFeatures: 3, kernels: 4, kernelDimension: 2, generator: &g)
        let same = Tensor<Double>([1, 2, 3, 1, 2, 3, 1, 2, 3], shape: [3, 3])
        let out = layer(same)
        #expect(out.shape == [3, 7])
        #expect(Array(out.scalars[0..<3]) == [1, 2, 3])
        #expect(out.sliced(dim: 1, 3..<7).scalars.allSatisfy { abs($0 - 2) < 1e-12 })
        let apart = Tensor<Double>([0, 0, 0, 1000, -1000, 1000, -1000, 1000, -1000], shape: [3, 3])
        #expect(layer(apart).sliced(dim: 1, 3..<7).scalars.allSatisfy { $0 < 1e-6 })
    }

    @Test("gradient penalty: 0 for a critic of unit slope, (‖w‖ − 1)² for a linear critic, and it trains the critic")
    func gradientPenaltyValues() {
        var g = RandomGenerator(seed: 2)
        let real = Tensor<Double>.randn([5, 4], generator: &g), fake = Tensor<Double>.randn([5, 4], generator: &g)
        let unit = Tensor<Double>([0.6, 0, 0.8, 0], shape: [1, 4])
        let zero = gradientPenalty(critic: { linear($0, weight: unit) }, real: real, fake: fake, generator: &g)
        #expect(abs(zero.item) < 1e-10)
        let steep = Tensor<Double>([1.8, 0, 2.4, 0], shape: [1, 4], requiresGrad: true)  // ‖w‖ = 3
        let penalty = gradientPenalty(critic: { linear($0, weight: steep) }, real: real, fake: fake, generator: &g)
        #expect(abs(penalty.item - 4) < 1e-9)
        // d/dw (‖w‖ − 1)² = 2(‖w‖ − 1)·w/‖w‖ = (4/3)·w: through the double backward.
        let grad = Tensor.gradients(of: penalty, withRespectTo: [steep])[0]
        #expect(zip(grad.scalars, steep.scalars.map { $0 * 4 / 3 }).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test("DCGAN generator and discriminator: shapes, range, PyTorch Sequential names")
    func dcgan() {
        var g = RandomGenerator(seed: 3)
        let generator: Sequential<Float> = makeDCGANGenerator(latentSize: 16, width: 8, generator: &g)
        let images = generator(Tensor<Float>.randn([3, 16], generator: &g))
        #expect(images.shape == [3, 1, 28, 28])
        #expect(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(generator.stateDict().map(\.name).prefix(4) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let discriminator: Sequential<Float> = makeDCGANDiscriminator(width: 8, minibatchKernels: 4, generator: &g)
        #expect(discriminator(images).shape == [3, 1])
        #expect(discriminator.namedParameters().map(\.name).contains("7.weight"))  // the minibatch layer's T
        let critic: Sequential<Float> = makeDCGANDiscriminator(width: 8, batchNorm: false, generator: &g)
        #expect(critic.stateDict().allSatisfy { !$0.name.contains("running") })
        #expect(critic(images).shape == [3, 1])
    }
}
