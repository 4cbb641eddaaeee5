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

/// The same models run on Glassbox tensors (`runOnTensors`: Float kernels, GEMM-based
/// convolution) also match PyTorch within rtol 1e-4, and so does an F64 run on tensors.
@Suite struct RealModelTensorRunTests {
    @Test(arguments: ["cnn", "depthwise", "unet", "gpt", "lstm", "gru", "encoder"])
    func matchesPyTorchOnTensors(model: String) throws {
        let session = try ONNXSession(path: realModelFixture(model, "model.onnx"))
        let inputs = try SafeTensors(contentsOf: realModelFixture(model, "inputs.safetensors"))
        let fixture = try SafeTensors(contentsOf: realModelFixture(model, "expected.safetensors"))
        let outputs = try session.runOnTensors(try fixtureInputs(session, inputs))
        for (info, output) in zip(session.model.graph.outputs, outputs) {
            let expected = try #require(fixture[info.name])
            #expect(try output.tensor(info.name).dtype == .float)
            let why = ONNXConformance.compare(output, .tensor(ONNXTensor(expected)), rtol: 1e-4, atol: 1e-5)
            #expect(why == nil, "\(model) \(info.name): \(why ?? "")")
        }
        let double = try ONNXSession(model: try session.model.promotedToDouble(), directory: session.directory)
        let doubleInputs = try double.namedInputs(inputs.tensors, source: "inputs.safetensors")  // F32 data → double
        let reference = try double.run(doubleInputs)
        let onTensors = try double.runOnTensors(doubleInputs)
        for (a, b) in zip(onTensors, reference) {
            #expect(try a.tensor("").dtype == .double)
            #expect(ONNXConformance.compare(a, b, rtol: 1e-10, atol: 1e-12) == nil, "\(model): F64 on tensors vs the plain executor")
        }
    }
}

/// Gradients of the exported graphs through Glassbox's autograd, in F64 (`promotedToDouble`),
/// equal PyTorch's float64 gradients of the source modules within 1e-7 (relative to
/// max(1, |expected|)): the outputs and `grad.<name>` of `sum(output_0 · grad_output)` for the
/// graph input and every initializer (BatchNorm running statistics and the ONNX LSTM's
/// parameters, restacked inside the graph, included).
@Suite struct RealModelGradientTests {
    @Test(arguments: ["cnn", "depthwise", "unet", "gpt", "lstm", "gru", "encoder"])
    func gradientsMatchPyTorchInF64(model: String) throws {
        let loaded = try ONNXSession(path: realModelFixture(model, "model.onnx"))
        let session = try ONNXSession(model: try loaded.model.promotedToDouble(), directory: loaded.directory)
        let inputs = try SafeTensors(contentsOf: realModelFixture(model, "inputs64.safetensors"))
        let fixture = try SafeTensors(contentsOf: realModelFixture(model, "expected64.safetensors"))
        let gradOutput = try #require(inputs["grad_output"])
        let result = try session.runWithGradients(try fixtureInputs(session, inputs), gradOutput: ONNXTensor(gradOutput))
        for (info, value) in zip(session.model.graph.outputs, result.outputs) {
            let output = try value.tensor("output '\(info.name)'")
            #expect(output.dtype == .double)
            let expected = try #require(fixture[info.name]).asDoubles()
            #expect(worstError(output.reals, expected).absolute <= 1e-7 * max(1, expected.map(abs).max() ?? 0), "\(model) \(info.name)")
        }
        let expectedNames = fixture.tensors.map(\.name).filter { $0.hasPrefix("grad.") }
        #expect(Set(result.gradients.map { "grad." + $0.name }) == Set(expectedNames))
        for (name, gradient) in result.gradients {
            let expected = try #require(fixture["grad." + name], "fixture has no grad.\(name)")
            #expect(gradient.shape == expected.shape, "grad.\(name)")
            let e = expected.asDoubles()
            let scale = max(1, e.map(abs).max() ?? 0)
            let error = worstError(gradient.reals, e).absolute
            #expect(error <= 1e-7 * scale, "\(model) grad.\(name): max |error| \(error) (scale \(scale))")
        }
    }

    @Test func aNodeWithoutAGradientIsNamed() throws {
        var model = RuntimeTests.model(op: "Relu")
        model.graph.nodes[1].opType = "Atan"
        let session = try ONNXSession(model: model)
        let x = ONNXTensor(dtype: .float, shape: [2, 2], reals: [0, 1, 2, 3])
        #expect(throws: ONNXError("node 'act' (Atan): no gradient for Atan (a differentiated input reaches it)")) {
            try session.runWithGradients(["x": .tensor(x)])
        }
    }

    @Test func f32GradientsOfATinyGraph() throws {
        // y = Relu(x + b): dy/dx = dy/db summed = 1 where x + b > 0.
        let session = try ONNXSession(model: RuntimeTests.model())
        let x = ONNXTensor(dtype: .float, shape: [2, 2], reals: [0, 0, -3, 3])
        let result = try session.runWithGradients(["x": .tensor(x)])
        #expect(result.gradients.map(\.name) == ["x", "b"])
        #expect(result.gradients[0].gradient.reals == [1, 0, 0, 1])
        #expect(result.gradients[1].gradient.reals == [1, 1])
        #expect(result.gradients[0].gradient.dtype == .float)
    }

    @Test func gradientsFlowThroughAModelLocalFunction() throws {
        // y = local.AddRelu(x, b) with AddRelu(p, q) = Relu(p + q): the same gradients as the
        // two nodes inline (RuntimeTests.model).
        var model = RuntimeTests.model()
        var add = model.graph.nodes[0], relu = model.graph.nodes[1]
        add.inputs = ["p", "q"]
        relu.inputs = ["s"]
        relu.outputs = ["r"]
        var function = ONNXFunction()
        function.name = "AddRelu"
        function.domain = "local"
        function.inputs = ["p", "q"]
        function.outputs = ["r"]
        function.nodes = [add, relu]
        function.opsetImports = [ONNXOperatorSetID(domain: "", version: 21)]
        var call = ONNXNode()
        call.opType = "AddRelu"
        call.domain = "local"
        call.inputs = ["x", "b"]
        call.outputs = ["y"]
        model.functions = [function]
        model.graph.nodes = [call]
        model.opsetImports.append(ONNXOperatorSetID(domain: "local", version: 1))
        let x = ONNXTensor(dtype: .float, shape: [2, 2], reals: [0, 0, -3, 3])
        let inline = try ONNXSession(model: RuntimeTests.model()).runWithGradients(["x": .tensor(x)])
        let called = try ONNXSession(model: model).runWithGradients(["x": .tensor(x)])
        #expect(called.outputs == inline.outputs)
        #expect(called.gradients.map(\.name) == inline.gradients.map(\.name))
        #expect(called.gradients.map(\.gradient) == inline.gradients.map(\.gradient))
    }
}
