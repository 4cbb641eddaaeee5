import Glassbox
import GlassboxIO
import Testing

/// Checkpoint loading given hostile files: what the checkpoint fuzz harness (Tests/Fuzz) found,
/// and limits before allocation.
@Suite("checkpoint limits and fuzz regressions")
struct CheckpointLimitsTests {
    /// A saved checkpoint of CheckpointTests' model and a trained Adam, with `change` applied to
    /// its tensors; returns the directory.
    func checkpoint(_ change: (inout [(name: String, array: ArrayData)]) -> Void) throws -> String {
        let directory = CheckpointTests.temporaryDirectory()
        let model = CheckpointTests.model(seed: 1)
        let optimizer = Adam(model.parameters, lr: 0.01)
        CheckpointTests.train(model, optimizer, steps: 1)
        try Checkpoint(epoch: 1).save(model: model, optimizer: optimizer, to: directory)
        var file = try SafeTensors(contentsOf: Checkpoint.path(in: directory))
        change(&file.tensors)
        try file.write(to: Checkpoint.path(in: directory))
        return directory
    }

    func loadError(_ directory: String) -> (any Error)? {
        let model = CheckpointTests.model(seed: 2)
        return thrownError { try Checkpoint.load(into: model, optimizer: Adam(model.parameters, lr: 0.01), from: directory) }
    }

    func thrownError<T>(_ body: () throws -> T) -> (any Error)? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    // Found by the checkpoint harness: a step count of NaN trapped in `Int(_:)`.
    @Test("an optimizer step that is NaN, infinite, negative, fractional or huge is an error, not a trap",
          arguments: [Float.nan, .infinity, -1, 2.5, 1e30])
    func badStep(_ value: Float) throws {
        let directory = try checkpoint { tensors in
            let index = tensors.firstIndex { $0.name == "optimizer.state.0.step" }!
            tensors[index].array = ArrayData(floats: [value], shape: [])
        }
        let error = loadError(directory)
        #expect(error as? StateDictError == .invalidValue(name: "state.0.step", expected: "a non-negative integer step count"))
        #expect(String(describing: error!) == "state dict: entry 'state.0.step' must be a non-negative integer step count")
    }

    @Test("a checkpoint whose header claims a 2^40-element tensor is rejected before allocation")
    func hugeTensor() throws {
        let directory = CheckpointTests.temporaryDirectory()
        try FileIO.createDirectory(atPath: directory)
        let header = Array((#"{"__metadata__":{"format":"glassbox-checkpoint-1","epoch":"1","rng_seed":"1","rng_counter":"0"},"#
            + #""model.fc1.weight":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}"#).utf8)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        let path = Checkpoint.path(in: directory)
        try FileIO.writeAtomically(length + header + [0, 0, 0, 0], toPath: path)
        #expect(loadError(directory) as? SafeTensorsError == .dataSizeMismatch(file: path, expected: 1 << 42, actual: 4))
        #expect(thrownError { try Checkpoint.metadata(in: directory) } as? SafeTensorsError
            == .dataSizeMismatch(file: path, expected: 1 << 42, actual: 4))
    }
}
