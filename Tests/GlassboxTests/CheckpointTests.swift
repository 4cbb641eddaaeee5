import Foundation
import Glassbox
import GlassboxIO
import Testing

@Suite("checkpoints")
struct CheckpointTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-checkpoint-\(UUID())").path
    }

    static func model(seed: UInt64) -> MLP<Float> {
        var g = RandomGenerator(seed: seed)
        return MLP(inputSize: 4, hiddenSizes: (5, 3), classCount: 2, generator: &g)
    }

    /// A few Adam steps so that the optimizer has state.
    static func train(_ model: MLP<Float>, _ optimizer: Adam<Float>, steps: Int) {
        var g = RandomGenerator(seed: 99)
        for _ in 0..<steps {
            optimizer.zeroGrad()
            let x = Tensor<Float>.randn([6, 4], generator: &g)
            crossEntropy(model(x), IndexTensor([0, 1, 1, 0, 1, 0])).backward()
            optimizer.step()
        }
    }

    @Test("save then load restores model, optimizer, epoch, metadata and random state exactly")
    func roundTrip() throws {
        let directory = Self.temporaryDirectory() + "/nested/run"
        let model = Self.model(seed: 1)
        let optimizer = Adam(model.parameters, lr: 0.01)
        Self.train(model, optimizer, steps: 3)
        let state = RandomGenerator(seed: 42, counter: 1234)
        try Checkpoint(epoch: 7, randomState: state, metadata: ["model": "mlp"]).save(model: model, optimizer: optimizer, to: directory)
        #expect(Checkpoint.exists(in: directory))
        #expect(try Checkpoint.metadata(in: directory)["model"] == "mlp")

        let restored = Self.model(seed: 2)
        let restoredOptimizer = Adam(restored.parameters, lr: 0.01)
        let checkpoint = try Checkpoint.load(into: restored, optimizer: restoredOptimizer, from: directory)
        #expect(checkpoint.epoch == 7)
        #expect(checkpoint.metadata == ["model": "mlp"])
        #expect(checkpoint.randomState.seed == 42 && checkpoint.randomState.counter == 1234)
        for (a, b) in zip(model.stateDict(), restored.stateDict()) { #expect(a.tensor.scalars == b.tensor.scalars) }
        // Continuing both gives the same weights: the optimizer state came back too.
        Self.train(model, optimizer, steps: 2)
        Self.train(restored, restoredOptimizer, steps: 2)
        for (a, b) in zip(model.parameters, restored.parameters) { #expect(a.scalars == b.scalars) }
    }

    @Test("a failed save leaves the previous checkpoint intact")
    func failedSaveKeepsPrevious() throws {
        let directory = Self.temporaryDirectory()
        let model = Self.model(seed: 1)
        try Checkpoint(epoch: 1).save(model: model, optimizer: nil, to: directory)
        let before = try FileIO.readBytes(atPath: Checkpoint.path(in: directory))
        chmod(directory, 0o555)
        defer { chmod(directory, 0o755) }
        if getuid() != 0 {  // root ignores permissions
            #expect(throws: FileError.self) { try Checkpoint(epoch: 2).save(model: Self.model(seed: 3), optimizer: nil, to: directory) }
            #expect(try FileIO.readBytes(atPath: Checkpoint.path(in: directory)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [Checkpoint.fileName])
        }
    }

    @Test("loading rejects a plain safetensors file, a missing file and a mismatched model")
    func rejectsBadFiles() throws {
        let directory = Self.temporaryDirectory()
        try FileIO.createDirectory(atPath: directory)
        #expect(throws: FileError.notFound(path: Checkpoint.path(in: directory))) {
            _ = try Checkpoint.load(into: Self.model(seed: 1), from: directory)
        }
        try Self.model(seed: 1).save(to: Checkpoint.path(in: directory))
        #expect(throws: CheckpointError.notACheckpoint(path: Checkpoint.path(in: directory))) {
            _ = try Checkpoint.load(into: Self.model(seed: 1), from: directory)
        }
        try Checkpoint(epoch: 1).save(model: Self.model(seed: 1), optimizer: nil, to: directory)
        var g = RandomGenerator(seed: 0)
        let other = MLP<Float>(inputSize: 5, hiddenSizes: (5, 3), classCount: 2, generator: &g)
        #expect(throws: StateDictError.shapeMismatch(name: "fc1.weight", expected: [5, 5], found: [5, 4])) {
            _ = try Checkpoint.load(into: other, from: directory)
        }
    }
}
