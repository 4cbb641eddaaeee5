import Glassbox
import Testing


@Suite("MLP training on digits")
struct MLPTrainingTests {
    @Test("a few epochs on part of the digits reach a bound it reliably reaches", .slow)
    func shortRun() throws {
        let (train, test) = try Digits.load()
        let part = train.subset(Array(0..<600))
        var generator = RandomGenerator(seed: 0)
        let model = MLP<Float>(generator: &generator)
        #expect(model.namedParameters().map(\.name) == [
            "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias",
        ])
        #expect(model.parameterCount == 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10)

        let before = model.evaluate(test).accuracy
        let optimizer = Adam(model.parameters, lr: 0.005)
        let history = try model.fit(part, epochs: 6, batchSize: 32, optimizer: optimizer, verbose: false)
        let losses = history.map(\.loss)
        let after = model.evaluate(test).accuracy

        #expect(history.map(\.epoch) == Array(1...6))
        #expect(history.last!.accuracy > history.first!.accuracy)
        #expect(losses.last! < losses.first! / 4, "losses \(losses)")
        #expect(before < 0.3)
        #expect(after > 0.9, "test accuracy \(after)")  // 0.939 with the default seed
    }

    @Test("training is deterministic for a seed")
    func deterministic() throws {
        let (train, _) = try Digits.load()
        let part = train.subset(Array(0..<128))
        func run() throws -> [Float] {
            var generator = RandomGenerator(seed: 5)
            let model = MLP<Float>(hiddenSizes: (16, 16), generator: &generator)
            try model.fit(part, epochs: 2, batchSize: 32, optimizer: Adam(model.parameters, lr: 0.01), seed: 5, verbose: false)
            return model.fc3.weight.scalars
        }
        #expect(try run() == run())
    }
}
