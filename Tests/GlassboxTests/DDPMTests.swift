import Foundation
import Glassbox
import GlassboxIO
import Testing

/// `Tests/Fixtures/ddpm`, written by Scripts/make_unet_fixture.py.
private let ddpmFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/ddpm").path

@Suite("DDPM: schedule, samplers, U-Net, EMA")
struct DDPMTests {
    @Test("linear schedule: β from 1e-4 to 0.02, ᾱ the running product (values from numpy)")
    func linearSchedule() {
        let schedule = DiffusionSchedule.linear()
        #expect(schedule.stepCount == 1000)
        #expect(schedule.betas[0] == 1e-4 && abs(schedule.betas[999] - 0.02) < 1e-15)
        #expect(abs(schedule.alphaBars[0] - 0.9999) < 1e-15)
        #expect(abs(schedule.alphaBars[499] - 0.07858724288177824) < 1e-12)
        #expect(abs(schedule.alphaBars[999] - 4.035829765375676e-05) < 1e-15)
        #expect(schedule.ddimSteps(10) == [900, 800, 700, 600, 500, 400, 300, 200, 100, 0])
        #expect(schedule.ddimSteps(1000) == Array((0..<1000).reversed()))
    }

    @Test("noised: √ᾱₜ·x₀ + √(1 − ᾱₜ)·ε, each image at its own step")
    func noised() {
        let schedule = DiffusionSchedule.linear()
        let x0 = Tensor<Double>([1, 2, 3, 4], shape: [2, 1, 2])
        let noise = Tensor<Double>([0.5, -1, 2, 0.25], shape: [2, 1, 2])
        let x = schedule.noised(x0, steps: [0, 999], noise: noise).scalars
        let (a, b) = (schedule.alphaBars[0], schedule.alphaBars[999])
        let expected = [
            a.squareRoot() * 1 + (1 - a).squareRoot() * 0.5, a.squareRoot() * 2 - (1 - a).squareRoot(),
            b.squareRoot() * 3 + (1 - b).squareRoot() * 2, b.squareRoot() * 4 + (1 - b).squareRoot() * 0.25,
        ]
        for (got, want) in zip(x, expected) { #expect(abs(got - want) < 1e-14) }
    }

    /// For data `x₀ ~ N(μ, s²)` per element the best noise predictor is known in closed form:
    /// `E[ε | x_t] = √(1 − ᾱ)·(x_t − √ᾱ·μ) / (ᾱ·s² + 1 − ᾱ)`. Both samplers, given it, must draw
    /// from N(μ, s²) again.
    @Test("ancestral and DDIM sampling (η 0 and 1) with the exact noise predictor of Gaussian data recover the data's mean and spread", .slow)
    func samplersRecoverGaussianData() {
        let schedule = DiffusionSchedule.linear()
        let (mean, spread) = (0.2, 0.2)
        let predict: (Tensor<Double>, Int) -> Tensor<Double> = { x, t in
            let a = schedule.alphaBars[t]
            return (x - a.squareRoot() * mean) * ((1 - a).squareRoot() / (a * spread * spread + 1 - a))
        }
        let count = 8000
        var generator = RandomGenerator(seed: 5)
        let ancestral = schedule.sampleAncestral(shape: [count, 1], generator: &generator, predictNoise: predict).scalars
        let ddim = schedule.sampleDDIM(shape: [count, 1], steps: 1000, generator: &generator, predictNoise: predict).scalars
        func moments(_ values: [Double]) -> (mean: Double, spread: Double) {
            let m = values.reduce(0, +) / Double(values.count)
            return (m, (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot())
        }
        // η = 1 over all steps is ancestral sampling with the posterior variance β̃ₜ
        // (numpy, 200 000 draws: spread 0.196).
        let posterior = schedule.sampleDDIM(shape: [count, 1], steps: 1000, eta: 1, generator: &generator, predictNoise: predict).scalars
        for (name, values) in [("ancestral", ancestral), ("ddim", ddim), ("ddim η = 1", posterior)] {
            let (m, s) = moments(values)
            #expect(abs(m - mean) < 0.01, "\(name): mean \(m)")
            #expect(abs(s / spread - 1) < 0.03, "\(name): standard deviation \(s)")
        }
        // DDIM in few steps keeps the mean but narrows a narrow distribution (numpy, 200 000
        // draws: 0.187 in 100 steps, 0.176 in 50, 0.198 in 1000).
        let (fewMean, fewSpread) = moments(
            schedule.sampleDDIM(shape: [count, 1], steps: 100, generator: &generator, predictNoise: predict).scalars)
        #expect(abs(fewMean - mean) < 0.01 && fewSpread > 0.9 * spread && fewSpread < spread, "ddim 100: \(fewMean), \(fewSpread)")
        // A predictor that is wrong by a constant must show: the check can fail.
        let biased = schedule.sampleDDIM(shape: [count, 1], steps: 100, generator: &generator) { x, t in predict(x, t) + 0.1 }
        #expect(abs(biased.scalars.reduce(0, +) / Double(count) - mean) > 0.05)
    }

    @Test("U-Net: shapes, PyTorch-style names, zero output at initialisation")
    func unetLayout() {
        var generator = RandomGenerator(seed: 1)
        let unet = UNet<Float>(baseChannels: 8, attention: true, generator: &generator)
        let names = unet.namedParameters().map(\.name)
        #expect(names.first == "time_mlp.0.weight" && names.last == "conv_out.bias")
        #expect(names.contains("mid_attention.attention.in_proj_weight") && names.contains("up1.skip.weight"))
        #expect(!names.contains("down1.skip.weight"))  // C → C needs no projection
        let x = Tensor<Float>.randn([3, 1, 28, 28], generator: &generator)
        let y = unet(x, steps: [0, 10, 999])
        #expect(y.shape == [3, 1, 28, 28])
        #expect(y.scalars.allSatisfy { $0 == 0 })
        let plain = UNet<Float>(baseChannels: 8, attention: false, generator: &generator)
        #expect(!plain.namedParameters().contains { $0.name.hasPrefix("mid_attention") })
        #expect(plain.parameterCount < unet.parameterCount)
    }

    @Test("timestep embedding: sin then cos of t·10000^(−i/(h−1))")
    func timestepEmbeddingValues() {
        let e: Tensor<Double> = timestepEmbedding([0, 7], dim: 6)
        #expect(e.shape == [2, 6])
        let v = e.scalars
        #expect(Array(v[0..<6]) == [0, 0, 0, 1, 1, 1])
        let frequencies = [1.0, 0.01, 0.0001]
        for i in 0..<3 {
            #expect(abs(v[6 + i] - sin(7 * frequencies[i])) < 1e-12)
            #expect(abs(v[9 + i] - cos(7 * frequencies[i])) < 1e-12)
        }
    }

    @Test("loss: the mean squared noise when the U-Net predicts zero, from the same draws")
    func lossWiring() {
        var init0 = RandomGenerator(seed: 2)
        let model = DDPM(unet: UNet<Double>(baseChannels: 8, attention: false, generator: &init0))
        let x0 = Tensor<Double>.uniform([4, 1, 28, 28], low: -1, high: 1, generator: &init0)
        var generator = RandomGenerator(seed: 3)
        var replay = generator
        let loss = model.loss(x0, generator: &generator).item
        _ = (0..<4).map { _ in replay.nextInt(below: 1000) }
        let noise = Tensor<Double>.randn([4, 1, 28, 28], generator: &replay).scalars
        let expected = noise.map { $0 * $0 }.reduce(0, +) / Double(noise.count)
        #expect(abs(loss - expected) < 1e-12)
        #expect(abs(expected - 1) < 0.1)
    }

    @Test("sampling is reproducible for a seed and gives images of the asked shape", .slow)
    func samplingReproducible() {
        var init0 = RandomGenerator(seed: 4)
        let model = DDPM(unet: UNet<Float>(baseChannels: 8, attention: true, generator: &init0))
        model.unet.convOut.weight.assign(Tensor<Float>.randn([1, 8, 3, 3], generator: &init0) * 0.1)
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        let first = model.sample(count: 2, ddimSteps: 3, generator: &a)
        let second = model.sample(count: 2, ddimSteps: 3, generator: &b)
        #expect(first.shape == [2, 1, 28, 28])
        #expect(first.scalars == second.scalars)
        #expect(first.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test("EMA: warm-up decay (1 + n)/(10 + n), capped; withAverages swaps the averages in and back")
    func exponentialMovingAverage() {
        let p = Tensor<Double>([1, 2], shape: [2], requiresGrad: true)
        let ema = ExponentialMovingAverage([p], decay: 0.5)
        #expect(ema.currentDecay == 0.1)
        p.assign(Tensor([11, 22], shape: [2]))
        ema.update()  // d = 0.1: 0.1·[1, 2] + 0.9·[11, 22]
        #expect(zip(ema.averages[0].scalars, [10.0, 20.0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(ema.currentDecay - 2.0 / 11) < 1e-15)
        for _ in 0..<20 { ema.update() }
        #expect(ema.currentDecay == 0.5 && ema.updateCount == 21)
        let inside = ema.withAverages { p.scalars }
        #expect(inside == ema.averages[0].scalars)
        #expect(p.scalars == [11, 22])
    }

    @Test("EMA state: a checkpoint keeps the averages and n_averaged; bad entries are named")
    func exponentialMovingAverageState() throws {
        let p = Tensor<Double>([1, 2], shape: [2], requiresGrad: true)
        let q = Tensor<Double>([3], shape: [1], requiresGrad: true)
        let ema = ExponentialMovingAverage([p, q], decay: 0.9)
        p.assign(Tensor([5, 6], shape: [2]))
        for _ in 0..<3 { ema.update() }
        #expect(ema.stateDict().map(\.name) == ["0", "1", "n_averaged"])

        var generator = RandomGenerator(seed: 6)
        let model = Linear<Double>(inFeatures: 2, outFeatures: 1, generator: &generator)
        let directory = CheckpointTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let averaged = ExponentialMovingAverage(model.parameters, decay: 0.99)
        for parameter in model.parameters { parameter.assign(parameter + 1) }
        averaged.update()
        averaged.update()
        try Checkpoint(epoch: 1).save(model: model, optimizer: nil, average: averaged, to: directory)
        let restored = ExponentialMovingAverage(model.parameters, decay: 0.99)
        _ = try Checkpoint.load(into: model, average: restored, from: directory)
        #expect(restored.updateCount == 2)
        #expect(zip(restored.averages, averaged.averages).allSatisfy { $0.scalars == $1.scalars })
        #expect(restored.currentDecay == averaged.currentDecay)

        let fresh = ExponentialMovingAverage([p, q], decay: 0.9)
        #expect(throws: StateDictError.missing(name: "n_averaged")) { try fresh.loadStateDict(["0": p, "1": q]) }
        #expect(throws: StateDictError.unexpected(name: "2")) {
            try fresh.loadStateDict(["0": p, "1": q, "2": q, "n_averaged": Tensor(1.0)])
        }
        #expect(throws: StateDictError.shapeMismatch(name: "1", expected: [1], found: [2])) {
            try fresh.loadStateDict(["0": p, "1": p, "n_averaged": Tensor(1.0)])
        }
        #expect(throws: StateDictError.invalidValue(name: "n_averaged", expected: "a non-negative integer update count")) {
            try fresh.loadStateDict(["0": p, "1": q, "n_averaged": Tensor(1.5)])
        }
        #expect(fresh.updateCount == 0 && fresh.averages[0].scalars == [5, 6])
        try fresh.loadStateDict(["0": Tensor([8, 9], shape: [2]), "1": Tensor([6], shape: [1]), "n_averaged": Tensor(7.0)])
        #expect(fresh.updateCount == 7 && fresh.averages[0].scalars == [8, 9] && fresh.averages[1].scalars == [6])
    }

    @Test("U-Net parity with the same net in PyTorch: its state_dict loads strictly; output and gradients within 1e-10")
    func unetParity() throws {
        var generator = RandomGenerator(seed: 0)
        let unet = UNet<Double>(baseChannels: 8, attention: true, generator: &generator)
        try unet.load(from: ddpmFixtures + "/unet_state.safetensors")
        let io = try SafeTensors(contentsOf: ddpmFixtures + "/unet_io.safetensors")
        let x = Tensor<Double>(io["x"]!)
        x.requiresGrad = true
        let steps = Tensor<Double>(io["steps"]!).scalars.map { Int($0) }
        let output = unet(x, steps: steps)
        let parameters = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor) })
        let checked = ["time_mlp.0.weight", "mid_attention.attention.in_proj_weight"]
        let gradients = Tensor<Double>.gradients(
            of: (output * Tensor(io["w"]!)).sum(), withRespectTo: [x] + checked.map { parameters[$0]! })
        func maxDifference(_ a: Tensor<Double>, _ name: String) -> Double {
            let b = Tensor<Double>(io[name]!)
            #expect(a.shape == b.shape, "\(name)")
            return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
        }
        #expect(maxDifference(output, "output") < 1e-10)
        #expect(maxDifference(gradients[0], "grad_x") < 1e-10)
        for (gradient, name) in zip(gradients.dropFirst(), checked) { #expect(maxDifference(gradient, "grad_" + name) < 1e-10) }
    }
}
