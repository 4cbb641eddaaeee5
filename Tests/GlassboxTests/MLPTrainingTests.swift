import Glassbox
import Testing

extension Tag {
    /// Tests that train a model end to end (seconds in release, longer in debug).
    @Tag static var training: Self
}

@Suite("MLP training on digits", .tags(.training))
struct MLPTrainingTests {
    @Test("a few epochs on part of the digits reach a bound it reliably reaches")
    func shortRun() throws {
        let (train, test) = try Digits.load()
        let part = train.subset(Array(0..<600))
        var generator = RandomGenerator(seed: 0)
        let model = MLP<Float>(generator: &generator)
        #expect(model.namedParameters().map(\.name) == [
            "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias",
        ])
        #expect(model.parameterCount == 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10)

        let before = classificationAccuracy(model, on: test)
        let optimizer = Adam(model.parameters, lr: 0.005)
        let loader = DataLoader(part, batchSize: 32, seed: 0)
        var steps = 0
        let losses = trainClassifier(model, optimizer: optimizer, loader: loader, epochs: 6) { _ in steps += 1 }
        let after = classificationAccuracy(model, on: test)

        #expect(steps == 6 * loader.batchCount)
        #expect(losses.count == 6)
        #expect(losses.last! < losses.first! / 4, "losses \(losses)")
        #expect(before < 0.3)
        #expect(after > 0.9, "test accuracy \(after)")  // 0.939 with the default seed
    }

    @Test("training is deterministic for a seed")
    func deterministic() throws {
        let (train, _) = try Digits.load()
        let part = train.subset(Array(0..<128))
        func run() -> [Float] {
            var generator = RandomGenerator(seed: 5)
            let model = MLP<Float>(hiddenSizes: (16, 16), generator: &generator)
            trainClassifier(
                model, optimizer: Adam(model.parameters, lr: 0.01),
                loader: DataLoader(part, batchSize: 32, seed: 5), epochs: 2)
            return model.fc3.weight.scalars
        }
        #expect(run() == run())
    }
}
