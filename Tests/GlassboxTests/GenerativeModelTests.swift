import Foundation
import Glassbox
import Testing

@Suite("Generative models: autoencoders, VAE, KL term")
struct GenerativeModelTests {
    @Test("MLP and convolutional autoencoders map [N, 1, 28, 28] to codes and back")
    func autoencoderShapes() {
        var g = RandomGenerator(seed: 1)
        let x = Tensor<Float>.uniform([2, 1, 28, 28], low: 0, high: 1, generator: &g)
        let mlp = MLPAutoencoder<Float>(latentSize: 2, generator: &g)
        #expect(mlp.encode(x).shape == [2, 2])
        #expect(mlp.decodeLogits(mlp.encode(x)).shape == [2, 1, 28, 28])
        let reconstruction = mlp(x).scalars
        #expect(reconstruction.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(mlp.namedParameters().map(\.name).first == "encoder.1.weight")
        let conv = ConvAutoencoder<Float>(latentSize: 8, generator: &g)
        #expect(conv.encode(x).shape == [2, 8])
        #expect(conv(x).shape == [2, 1, 28, 28])
        #expect(conv.namedParameters().map(\.name).contains("decoder.3.weight"))
    }

    @Test("Unflatten inverts Flatten")
    func unflatten() {
        let x = Tensor<Float>(Array(0..<24).map(Float.init), shape: [2, 3, 4])
        let flat = Flatten<Float>()(x)
        #expect(flat.shape == [2, 12])
        let back = Unflatten<Float>(dim: -1, unflattenedSize: [3, 4])(flat)
        #expect(back.shape == [2, 3, 4] && back.scalars == x.scalars)
    }

    @Test("VAE: PyTorch names, shapes, sampling")
    func vaeShapes() {
        var g = RandomGenerator(seed: 2)
        let model = VAE<Float>(generator: &g)
        #expect(model.namedParameters().map(\.name) == [
            "fc1.weight", "fc1.bias", "fc21.weight", "fc21.bias", "fc22.weight", "fc22.bias", "fc3.weight", "fc3.bias",
            "fc4.weight", "fc4.bias",
        ])
        #expect(model.parameterCount == 784 * 400 + 400 + 2 * (400 * 20 + 20) + 20 * 400 + 400 + 400 * 784 + 784)
        let x = Tensor<Float>.uniform([3, 1, 28, 28], low: 0, high: 1, generator: &g)
        let (mean, logVariance) = model.encode(x)
        #expect(mean.shape == [3, 20] && logVariance.shape == [3, 20])
        #expect(model(x).shape == [3, 784])
        let samples = model.sample(count: 5, generator: &g)
        #expect(samples.shape == [5, 784])
        #expect(samples.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        let loss = model.loss(x, generator: &g)
        #expect(loss.reconstruction.item > 0 && loss.kl.item >= 0)
        #expect(Swift.abs(loss.total.item - loss.reconstruction.item - loss.kl.item) < 1e-3)
    }

    @Test("KL divergence: closed form, zero at the prior, gradient μ and ½(σ² − 1)")
    func klDivergence() {
        let mean = Tensor<Double>([0.5, -1.0, 0.0], shape: [1, 3], requiresGrad: true)
        let logVariance = Tensor<Double>([0.0, 0.4, -0.7], shape: [1, 3], requiresGrad: true)
        let kl = gaussianKLDivergence(mean: mean, logVariance: logVariance)
        let means: [Double] = [0.5, -1.0, 0.0], logVariances: [Double] = [0.0, 0.4, -0.7]
        var expected = 0.0
        for (m, lv) in zip(means, logVariances) {
            let term: Double = 1 + lv - m * m - exp(lv)
            expected -= 0.5 * term
        }
        #expect(Swift.abs(kl.item - expected) < 1e-12)
        kl.backward()
        #expect(mean.grad!.scalars == [0.5, -1.0, 0.0])
        for (g, lv) in zip(logVariance.grad!.scalars, [0.0, 0.4, -0.7]) { #expect(Swift.abs(g - 0.5 * (exp(lv) - 1)) < 1e-12) }
        #expect(gaussianKLDivergence(mean: Tensor<Double>.zeros([4, 2]), logVariance: Tensor<Double>.zeros([4, 2])).item == 0)
    }

    @Test("A short VAE training on MNIST lowers the loss of a fixed batch")
    func vaeTrainingLowersLoss() throws {
        #if DEBUG
        let steps = 4, batch = 8
        #else
        let steps = 60, batch = 128
        #endif
        let data = try MNIST.embedded(split: .train)
        func pixels(_ start: Int) -> Tensor<Float> {
            Tensor(data.images[(start * 784)..<((start + batch) * 784)].map { Float($0) / 255 }, shape: [batch, 1, 28, 28])
        }
        var g = RandomGenerator(seed: 3)
        let model = VAE<Float>(generator: &g)
        let optimizer = Adam(model.parameters, lr: 1e-3)
        let probe = pixels(0)
        func probeLoss() -> Float {
            var noise = RandomGenerator(seed: 9)
            return withoutGrad { model.loss(probe, generator: &noise).total.item } / Float(batch)
        }
        let before = probeLoss()
        for step in 0..<steps {
            optimizer.zeroGrad()
            model.loss(pixels(batch * (1 + step % 20)), generator: &g).total.backward()
            optimizer.step()
        }
        let after = probeLoss()
        #expect(before > 500)  // ≈ 784·log 2 for an untrained decoder
        #expect(after < before - (isReleaseBuild ? 150 : 20), "loss per image \(before) → \(after)")
    }
}
