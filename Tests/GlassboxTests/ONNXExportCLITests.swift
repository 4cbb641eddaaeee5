import Foundation
import Glassbox
import GlassboxIO
import Testing

/// `glassbox onnx export`: a checkpoint of an image classifier becomes an ONNX file; bad
/// invocations get one line and a non-zero exit.
@Suite(.enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct ONNXExportCLITests {
    @Test func exportsACheckpoint() throws {
        let directory = NSTemporaryDirectory() + "glassbox-onnx-export-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var g = RandomGenerator(seed: 1)
        let model: Sequential<Float> = makeSeedCNN(generator: &g)
        try Checkpoint(epoch: 1, metadata: ["model": "cnn", "normalization_mean": "0.1307", "normalization_std": "0.3081"])
            .save(model: model, optimizer: nil, to: directory)
        let out = directory + "/cnn.onnx"
        let result = try glassbox(["onnx", "export", "--checkpoint", directory, "--out", out])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.hasPrefix("wrote \(out): cnn, "))
        let inspected = try glassbox(["onnx", "inspect", out])
        #expect(inspected.status == 0 && inspected.out.contains("Conv"), "\(inspected.out) \(inspected.err)")
    }

    @Test func badInvocations() throws {
        let missing = try glassbox(["onnx", "export", "--out", "/tmp/x.onnx"])
        #expect(missing.status != 0 && lines(missing.err).count == 1 && missing.err.contains("--checkpoint"), "\(missing.err)")
        let noCheckpoint = try glassbox(["onnx", "export", "--checkpoint", "/nonexistent/dir", "--out", "/tmp/x.onnx"])
        #expect(noCheckpoint.status != 0 && lines(noCheckpoint.err).count == 1 && noCheckpoint.err.contains("/nonexistent/dir"), "\(noCheckpoint.err)")
    }
}
