import Foundation
import Glassbox
import Testing

// The four snippets of Docs/Training.md, verbatim: each region between `// doc: NAME` and
// `// end doc` is a code block of the page (the test below checks that they are equal).

// doc: vae
func trainVAE(on train: ImageDataset<Float>, epochs: Int) throws -> VAE<Float> {
    var generator = RandomGenerator(seed: 0)
    let vae = VAE<Float>(hiddenSize: 400, latentSize: 20, generator: &generator)
    let task = AutoencoderTask(
        model: vae, data: train, batchSize: 128, optimizer: Adam(vae.parameters, lr: 1e-3),
        generator: generator
    ) { images, noise in vae.loss(images, generator: &noise).total }
    let trainer = Trainer(task, epochs: epochs)
    try trainer.run(onEvent: ProgressBar.reporter())
    return vae
}
// end doc

// doc: wgan-gp
func trainWGANGP(on train: ImageDataset<Float>, epochs: Int, checkpoints: String) throws -> GAN<Float> {
    var generator = RandomGenerator(seed: 0)
    let gan = GAN<Float>(
        generator: makeDCGANGenerator(latentSize: 100, width: 64, generator: &generator),
        discriminator: makeDCGANDiscriminator(width: 64, batchNorm: false, generator: &generator),
        latentSize: 100)
    let task = GANTask(
        gan: gan, data: train, batchSize: 64, objective: .wassersteinGradientPenalty(lambda: 10),
        criticSteps: 5,
        discriminatorOptimizer: Adam(gan.discriminator.parameters, lr: 1e-4, betas: (0.5, 0.9)),
        generatorOptimizer: Adam(gan.generator.parameters, lr: 1e-4, betas: (0.5, 0.9)),
        generator: generator)
    let trainer = Trainer(task, epochs: epochs)
    trainer.checkpointDirectory = checkpoints  // checkpoint.safetensors after every epoch
    if Checkpoint.exists(in: checkpoints) { try trainer.resume(from: checkpoints) }
    try trainer.run(onEvent: ProgressBar.reporter())
    return gan
}
// end doc

// doc: ddpm
func trainDDPM(on train: ImageDataset<Float>, test: ImageDataset<Float>, epochs: Int) throws -> DDPM<Float> {
    var generator = RandomGenerator(seed: 0)
    let model = DDPM(unet: UNet<Float>(baseChannels: 16, attention: true, generator: &generator))
    let task = DDPMTask(
        model: model, data: train, test: test, batchSize: 128, learningRate: 1e-3,
        generator: generator)
    let trainer = Trainer(task, epochs: epochs)
    try trainer.run { event in
        if case .epochEnded(let record) = event {
            print("epoch \(record.epoch): loss \(record.loss), test \(record.metrics["test_loss"]!)")
        }
    }
    // Sample with the moving average of the weights.
    task.average.withAverages { _ = model.sample(count: 16, ddimSteps: 50, generator: &generator) }
    return model
}
// end doc

// doc: catalog
func trainLikeTheCommandLine(_ name: String, corpus: String, steps: Int) throws -> TrainReport {
    let model = trainableModels.first { $0.name == name }!  // mlp, cnn, ..., gpt, ddpm
    var settings = model.defaults  // what `glassbox train NAME` uses without options
    settings.dataPath = corpus
    settings.steps = steps  // the language models count steps, the others epochs
    settings.architecture = "n_layer=1,n_head=2,n_embd=16,block_size=16"
    settings.showsProgress = false
    let report = try model.train(settings)
    print(report.summary(model: name))  // the line `glassbox train` prints
    return report
}
// end doc

/// The code blocks of `Docs/Training.md` and the regions of this file, by name.
private func snippets() throws -> (doc: [String], source: [String]) {
    let here = URL(fileURLWithPath: #filePath)
    let docPath = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Docs/Training.md"
    let doc = try String(contentsOfFile: docPath, encoding: .utf8)
    let source = try String(contentsOfFile: here.path, encoding: .utf8)
    func blocks(_ text: String, open: (Substring) -> Bool, close: (Substring) -> Bool) -> [String] {
        var result: [String] = [], current: [Substring]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if open(line) { current = [] }
            } else if close(line) {
                result.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current!.append(line)
            }
        }
        return result
    }
    return (
        blocks(doc, open: { $0 == "```swift" }, close: { $0 == "```" }).filter { $0.hasPrefix("func train") },
        blocks(source, open: { $0.hasPrefix("// doc: ") }, close: { $0 == "// end doc" })
    )
}

@Suite("Docs/Training.md: the recipes compile, run and match the page")
struct TrainingDocTests {
    @Test("the page's code blocks are this file's doc regions, each at most 25 lines")
    func pageMatchesSource() throws {
        let (doc, source) = try snippets()
        #expect(doc.count == 4)
        #expect(doc == source)
        #expect(source.allSatisfy { $0.split(separator: "\n").count <= 25 })
    }

    @Test("the VAE recipe trains a step", .slow)
    func vae() throws {
        let train = try MNIST.embedded(split: .train).subset(Array(0..<64))
        let vae = try trainVAE(on: train, epochs: 1)
        #expect(vae.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }

    @Test("the WGAN-GP and DDPM recipes train a step, and the WGAN-GP resumes", .slow)
    func ganAndDDPM() throws {
        let train = try MNIST.embedded(split: .train).subset(Array(0..<128))
        let test = try MNIST.embedded(split: .test).subset(Array(0..<16))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-doc-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try trainWGANGP(on: train, epochs: 1, checkpoints: directory)
        let resumed = try trainWGANGP(on: train, epochs: 2, checkpoints: directory)
        #expect(try Checkpoint.metadata(in: directory)["epoch"] == "2")
        #expect(resumed.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        let model = try trainDDPM(on: train, test: test, epochs: 1)
        #expect(model.unet.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }

    @Test("the catalog trains a tiny GPT for two steps, as the command line would")
    func catalog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-doc-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = String(repeating: "To be, or not to be, that is the question.\n", count: 40)
        try text.write(toFile: directory + "/corpus.txt", atomically: true, encoding: .utf8)
        let report = try trainLikeTheCommandLine("gpt", corpus: directory + "/corpus.txt", steps: 2)
        #expect(report.epochsCompleted == 2 && report.unit == "steps")
        #expect(report.results.first?.value.isFinite == true)
    }
}
