import GlassboxIO
import GlassboxONNX
import Testing

/// `Tests/GlassboxONNXTests/Fixtures/<model>/`, written by Scripts/make_onnx_model_fixtures.py.
func realModelFixture(_ model: String, _ file: String) -> String {
    #filePath.replacing("RealModelTests.swift", with: "Fixtures/\(model)/\(file)")
}

/// The graph inputs of `session` read by name from `fixture`.
func fixtureInputs(_ session: ONNXSession, _ fixture: SafeTensors) throws -> [String: ONNXValue] {
    var inputs: [String: ONNXValue] = [:]
    for name in session.inputNames {
        let array = try #require(fixture[name], "fixture has no input '\(name)'")
        inputs[name] = .tensor(ONNXTensor(array))
    }
    return inputs
}

/// The largest absolute and relative differences between `actual` and `expected`.
func worstError(_ actual: [Double], _ expected: [Double]) -> (absolute: Double, relative: Double) {
    var absolute = 0.0, relative = 0.0
    for (a, e) in zip(actual, expected) {
        absolute = max(absolute, abs(a - e))
        relative = max(relative, abs(a - e) / max(abs(e), 1e-12))
    }
    return (absolute, relative)
}

/// Models exported from PyTorch 2.13 by `torch.onnx.export` (opset 17) run on Glassbox's ONNX
/// runtime in F32 and match PyTorch's float32 outputs of the source modules within rtol 1e-4
/// (atol 1e-5 for elements near 0), every output.
@Suite struct RealModelTests {
    @Test(arguments: ["cnn", "depthwise", "unet", "gpt", "lstm", "gru", "encoder"])
    func matchesPyTorchInF32(model: String) throws {
        let session = try ONNXSession(path: realModelFixture(model, "model.onnx"))
        let inputs = try SafeTensors(contentsOf: realModelFixture(model, "inputs.safetensors"))
        let fixture = try SafeTensors(contentsOf: realModelFixture(model, "expected.safetensors"))
        let outputs = try session.run(try fixtureInputs(session, inputs))
        #expect(outputs.count == session.model.graph.outputs.count)
        for (k, output) in outputs.enumerated() {
            let name = session.model.graph.outputs[k].name
            let expected = try #require(fixture[name], "fixture has no output '\(name)'")
            let actual = try output.tensor("output \(k)")
            #expect(actual.dtype == .float)
            #expect(actual.shape == expected.shape)
            let why = ONNXConformance.compare(output, .tensor(ONNXTensor(expected)), rtol: 1e-4, atol: 1e-5)
            #expect(why == nil, "\(model) output \(k): \(why ?? "")")
        }
    }
}
