import Foundation
import Testing

/// `Tests/GlassboxONNXTests/Fixtures/lstm`, written by Scripts/make_onnx_model_fixtures.py.
private let lstmFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
    + "/GlassboxONNXTests/Fixtures/lstm"

/// `glassbox onnx run --inputs --out --grad --dtype f64` on the exported 2-layer LSTM: the
/// outputs and gradients `glassbox compare` finds equal to PyTorch's float64 ones.
@Suite(.enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct ONNXRunCLITests {
    @Test func gradientsInF64CompareEqualToPyTorch() throws {
        let out = NSTemporaryDirectory() + "glassbox-onnx-run-\(UUID()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try glassbox([
            "onnx", "run", lstmFixture + "/model.onnx", "--inputs", lstmFixture + "/inputs64.safetensors", "--out", out,
            "--grad", "--dtype", "f64",
        ])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("wrote 2 outputs and 9 gradients"))
        let compare = try glassbox(["compare", out, lstmFixture + "/expected64.safetensors", "--rtol", "0", "--atol", "1e-7"])
        #expect(compare.status == 0, "\(compare.out)")
        #expect(compare.out.contains("PASS  grad.lstm.weight_ih_l0"))
    }

    @Test func f32OutputsByGraphName() throws {
        let out = NSTemporaryDirectory() + "glassbox-onnx-run-\(UUID()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try glassbox(["onnx", "run", lstmFixture + "/model.onnx", "--inputs", lstmFixture + "/inputs.safetensors", "--out", out])
        #expect(run.status == 0, "\(run.err)")
        let compare = try glassbox(["compare", out, lstmFixture + "/expected.safetensors", "--rtol", "1e-4", "--atol", "1e-6"])
        #expect(compare.status == 0, "\(compare.out)")
    }
}
