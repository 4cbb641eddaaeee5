import Foundation
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

    @Test("pairwise L1 distances: the fused kernels equal the composite (subtract, abs, sum) forward and backward, and sign(0) = 0")
    func pairwiseL1DistancesMatchComposite() {
        var g = RandomGenerator(seed: 4)
        let m = Tensor<Float>.randn([16, 5, 8], generator: &g, requiresGrad: true)
        let weights = Tensor<Float>.randn([16, 16, 5], generator: &g)
        let fused = pairwiseL1Distances(m)
        let composite = (m.unsqueezed(1) - m.unsqueezed(0)).abs().sum(dim: 3)
        #expect(fused.shape == [16, 16, 5])
        #expect(zip(fused.scalars, composite.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        let fusedGrad = Tensor.gradients(of: (fused * weights).sum(), withRespectTo: [m])[0]
        let compositeGrad = Tensor.gradients(of: (composite * weights).sum(), withRespectTo: [m])[0]
        #expect(zip(fusedGrad.scalars, compositeGrad.scalars).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
        // Two equal samples: their differences are 0 and contribute nothing to the gradient.
        let equal = Tensor<Double>([1, 2, 1, 2, 0, 5], shape: [3, 1, 2], requiresGrad: true)
        let d = pairwiseL1Distances(equal)
        #expect(d.scalars == [0, 0, 4, 0, 0, 4, 4, 4, 0])
        #expect(Tensor.gradients(of: d.sum(), withRespectTo: [equal])[0].scalars == [2, -2, 2, -2, -4, 4])
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

    /// A small GAN (width 4, latent 8), with minibatch discrimination or without BatchNorm.
    static func tinyGAN(minibatch: Bool = false, batchNorm: Bool = true, seed: UInt64 = 7) -> GAN<Float> {
        var g = RandomGenerator(seed: seed)
        return GAN(
            generator: makeDCGANGenerator(latentSize: 8, width: 4, generator: &g),
            discriminator: makeDCGANDiscriminator(width: 4, batchNorm: batchNorm, minibatchKernels: minibatch ? 3 : nil, generator: &g),
            latentSize: 8)
    }

    @Test("GAN: the non-saturating losses are the binary cross-entropies of the logits; state dict names; pixel maps")
    func ganLosses() {
        let gan = Self.tinyGAN(minibatch: true)
        var g = RandomGenerator(seed: 1)
        let real = GAN<Float>.fromUnitPixels(Tensor<Float>.uniform([6, 1, 28, 28], low: 0, high: 1, generator: &g))
        #expect(real.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        func softplus(_ x: Float) -> Double { log(1 + exp(Double(x))) }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        // BCE(l, 1) = softplus(−l), BCE(l, 0) = softplus(l); the same latents drawn again.
        var replay = g
        let d = gan.discriminatorLoss(real: real, objective: .nonSaturating, generator: &g)
        let fake = gan.sample(count: 6, generator: &replay)
        let realLogits = withoutGrad { gan.discriminator(real) }.scalars
        let fakeLogits = withoutGrad { gan.discriminator(fake) }.scalars
        let expected = mean(realLogits.map { softplus(-$0) }) + mean(fakeLogits.map { softplus($0) })
        #expect(abs(Double(d.total.item) - expected) < 1e-5, "\(d.total.item) vs \(expected)")
        #expect(d.penalty == nil && d.wassersteinEstimate == nil)
        replay = g
        let gLoss = gan.generatorLoss(batchSize: 6, objective: .nonSaturating, generator: &g)
        let scores = withoutGrad { gan.discriminator(gan.sample(count: 6, generator: &replay)) }.scalars
        #expect(abs(Double(gLoss.item) - mean(scores.map { softplus(-$0) })) < 1e-5)
        #expect(gan.stateDict().first?.name == "generator.0.weight")
        #expect(gan.stateDict().contains { $0.name.hasPrefix("discriminator.") })
        let images = GAN<Float>.toUnitPixels(gan.sample(count: 5, generator: &g))
        #expect(images.shape == [5, 1, 28, 28] && images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("GAN: the Wasserstein losses; the penalty's weight; clipping clamps every critic weight")
    func wassersteinLosses() {
        let gan = Self.tinyGAN(batchNorm: false)
        var g = RandomGenerator(seed: 2)
        let real = Tensor<Float>.uniform([4, 1, 28, 28], low: -1, high: 1, generator: &g)
        var g1 = g, g2 = g
        let clipped = gan.discriminatorLoss(real: real, objective: .wassersteinClipped(clip: 0.01), generator: &g1)
        let penalised = gan.discriminatorLoss(real: real, objective: .wassersteinGradientPenalty(lambda: 10), generator: &g2)
        // The same latents: the same estimate; the total adds 10 × the penalty.
        let estimate = clipped.wassersteinEstimate!.item
        #expect(estimate == penalised.wassersteinEstimate!.item)
        #expect(clipped.total.item == -estimate)
        #expect(abs(penalised.total.item - (10 * penalised.penalty!.item - estimate)) < 1e-5)
        // Weights N(0, 0.02²) barely pass a gradient: the penalty is near (0 − 1)² = 1.
        #expect(penalised.penalty!.item > 0.5 && penalised.penalty!.item <= 1.01)
        gan.clipDiscriminator(0.01)
        #expect(gan.discriminator.parameters.allSatisfy { $0.scalars.allSatisfy { abs($0) <= 0.01 } })
        #expect(gan.discriminator.parameters.contains { $0.scalars.contains { abs($0) == 0.01 } })
    }

    @Test("GAN: a few steps of each objective move both players and stay finite")
    func ganSteps() {
        for objective in [GANObjective.nonSaturating, .wassersteinClipped(clip: 0.01), .wassersteinGradientPenalty(lambda: 10)] {
            let gan = Self.tinyGAN(batchNorm: objective == .nonSaturating)
            let before = gan.stateDict().map { $0.tensor.scalars }
            let dOptimizer = Adam(gan.discriminator.parameters, lr: 1e-3), gOptimizer = Adam(gan.generator.parameters, lr: 1e-3)
            var g = RandomGenerator(seed: 4)
            for _ in 0..<3 {
                let real = Tensor<Float>.uniform([4, 1, 28, 28], low: -1, high: 1, generator: &g)
                dOptimizer.zeroGrad()
                gOptimizer.zeroGrad()
                let d = gan.discriminatorLoss(real: real, objective: objective, generator: &g)
                d.total.backward()
                // The discriminator's step computes no generator gradient (its images are detached).
                #expect(gan.generator.parameters.allSatisfy { $0.grad == nil })
                dOptimizer.step()
                if case .wassersteinClipped(let clip) = objective { gan.clipDiscriminator(clip) }
                let gLoss = gan.generatorLoss(batchSize: 4, objective: objective, generator: &g)
                gLoss.backward()
                gOptimizer.step()
                #expect(d.total.item.isFinite && gLoss.item.isFinite)
            }
            let after = gan.stateDict().map { $0.tensor.scalars }
            #expect(zip(before, after).filter { $0 != $1 }.count > gan.stateDict().count / 2, "\(objective)")
        }
    }
}
