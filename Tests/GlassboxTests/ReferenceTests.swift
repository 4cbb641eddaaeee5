import Foundation
import Glassbox
import GlassboxIO
import Testing

/// `Tests/Fixtures`, next to this file's folder.
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").path

/// The PyTorch parity cases written by Scripts/make_reference_fixtures.py.
private let referenceCases: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: fixtures + "/reference")) ?? []).sorted()

/// A fresh temporary directory, removed by the caller.
private func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-reference-\(UUID())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("reference contract")
struct ReferenceTests {
    @Test("there are parity fixtures for every registered module")
    func coverage() throws {
        #expect(referenceCases.count >= 100)
        var modules = Set<String>()
        for name in referenceCases {
            let json = try JSONValue(parsing: FileIO.readBytes(atPath: "\(fixtures)/reference/\(name)/case.json"))
            modules.insert(try ReferenceCase(json: json).module)
        }
        #expect(modules == Set(ReferenceRegistry.moduleNames))
    }

    @Test("PyTorch parity: F64 within 1e-9, F32 within 1e-5 (relative; absolute where |x| < 1)", arguments: referenceCases)
    func parity(name: String) throws {
        let directory = "\(fixtures)/reference/\(name)"
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try ReferenceRunner.run(
            configPath: directory + "/case.json", weightsPath: directory + "/weights.safetensors",
            inputsPath: directory + "/inputs.safetensors", outputPath: scratch + "/out.safetensors")
        let tolerance = name.hasSuffix("_f64") ? 1e-9 : 1e-5
        let comparison = TensorComparison(
            try SafeTensors(contentsOf: scratch + "/out.safetensors"),
            try SafeTensors(contentsOf: directory + "/expected.safetensors"), rtol: tolerance, atol: tolerance)
        #expect(comparison.passed, "\(name):\n\(comparison.report)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == ["out.safetensors"])
    }

    // MARK: Error paths

    /// Runs the `linear_5_3_f64` fixture with edits; returns the error thrown, if any.
    private func runLinear(
        case edit: (inout JSONObject) -> Void = { _ in },
        weights editWeights: (inout SafeTensors) -> Void = { _ in },
        inputs editInputs: (inout SafeTensors) -> Void = { _ in }
    ) throws -> ReferenceError? {
        let directory = "\(fixtures)/reference/linear_5_3_f64"
        var object = try JSONValue(parsing: FileIO.readBytes(atPath: directory + "/case.json")).objectValue!
        edit(&object)
        var weights = try SafeTensors(contentsOf: directory + "/weights.safetensors")
        editWeights(&weights)
        var inputs = try SafeTensors(contentsOf: directory + "/inputs.safetensors")
        editInputs(&inputs)
        do {
            _ = try ReferenceRunner.run(try ReferenceCase(json: .object(object)), weights: weights, inputs: inputs)
            return nil
        } catch let error as ReferenceError {
            return error
        }
    }

    @Test("missing, extra and mis-shaped weights are errors naming the entry")
    func weightErrors() throws {
        #expect(try runLinear() == nil)
        let missing = try runLinear(weights: { $0.tensors.removeAll { $0.name == "bias" } })
        #expect(missing == .missingWeight("bias"))
        #expect(missing?.description == "weights: missing entry 'bias'")
        let extra = try runLinear(weights: { $0.tensors.append(("running_mean", ArrayData(doubles: [0], shape: [1]))) })
        #expect(extra == .unexpectedWeight("running_mean"))
        let misshaped = try runLinear(weights: { w in
            w.tensors = w.tensors.map { $0.name == "weight" ? ($0.name, ArrayData(doubles: [Double](repeating: 0, count: 15), shape: [5, 3])) : $0 }
        })
        #expect(misshaped == .invalidWeight(name: "weight", problem: "has shape [5, 3], expected [3, 5]"))
        let wrongDType = try runLinear(weights: { w in
            w.tensors = w.tensors.map { $0.name == "bias" ? ($0.name, ArrayData(floats: [0, 0, 0], shape: [3])) : $0 }
        })
        #expect(wrongDType?.description.contains("'bias'") == true)
    }

    @Test("unknown modules, bad and unknown arguments, bad cases are one-line errors")
    func argumentErrors() throws {
        let unknown = try runLinear(case: { $0["module"] = .string("Conv9d") })
        guard case .unknownModule("Conv9d", _)? = unknown else { Issue.record("got \(String(describing: unknown))"); return }
        #expect(unknown == .unknownModule("Conv9d", closest: ["Conv1d", "Conv2d", "Conv3d"]))
        #expect(unknown!.description == "unknown module 'Conv9d' (closest supported: Conv1d, Conv2d, Conv3d; 'glassbox reference --list-modules' lists all)")
        #expect(ReferenceRegistry.closestModuleNames(to: "batchnorm2D", count: 1) == ["BatchNorm2d"])
        let wrongType = try runLinear(case: { $0["args"] = .object(JSONObject([("in_features", .string("5")), ("out_features", .integer(3))])) })
        #expect(wrongType == .invalidArgument(module: "Linear", name: "in_features", expected: "an integer"))
        let keyword = try runLinear(case: { $0["args"] = .object(JSONObject([("in_features", .integer(5)), ("out_features", .integer(3)), ("bias_init", .integer(0))])) })
        #expect(keyword == .unknownArgument(module: "Linear", name: "bias_init"))
        #expect(throws: ReferenceError.invalidCase("unknown key 'modul' (allowed: module, args, train)")) {
            try ReferenceCase(json: .object(JSONObject([("modul", .string("Linear"))])))
        }
        let dropout = ReferenceCase(module: "Dropout", args: JSONObject([("p", .number(0.5))]), train: true)
        let input = SafeTensors(tensors: [("input", ArrayData(doubles: [1, 2], shape: [2]))])
        #expect(throws: ReferenceError.self) { try ReferenceRunner.run(dropout, weights: SafeTensors(), inputs: input) }
        let weightInArgs = ReferenceCase(module: "CrossEntropyLoss", args: JSONObject([("weight", .array([.integer(1)]))]))
        #expect(throws: ReferenceError.invalidArgument(
            module: "CrossEntropyLoss", name: "weight",
            expected: "given as the weights entry 'weight', not in args (leave it out or null)")) {
            try ReferenceRunner.run(weightInArgs, weights: SafeTensors(), inputs: input)
        }
    }

    @Test("input errors: missing, unexpected, wrong shape, wrong grad_output")
    func inputErrors() throws {
        #expect(try runLinear(inputs: { $0.tensors.append(("target", ArrayData(doubles: [1], shape: [1]))) }) == .unexpectedInput("target"))
        let shape = try runLinear(inputs: { $0.tensors = [("input", ArrayData(doubles: [1, 2], shape: [1, 2]))] })
        #expect(shape == .invalidInput(name: "input", problem: "has shape [1, 2], expected [..., 5]"))
        let gradOutput = try runLinear(inputs: { i in
            i.tensors = i.tensors.map { $0.name == "grad_output" ? ($0.name, ArrayData(doubles: [1], shape: [1])) : $0 }
        })
        #expect(gradOutput == .invalidInput(name: "grad_output", problem: "has shape [1], expected the output's shape [4, 3]"))
        let loss = ReferenceCase(module: "MSELoss")
        let onlyInput = SafeTensors(tensors: [("input", ArrayData(doubles: [1, 2], shape: [2]))])
        #expect(throws: ReferenceError.missingInput("target")) { try ReferenceRunner.run(loss, weights: SafeTensors(), inputs: onlyInput) }
    }

    // MARK: State dicts to files

    @Test("a PyTorch Sequential(Linear, ReLU, Linear) state_dict loads unchanged and gives the same output")
    func loadTorchStateDict() throws {
        let model = Sequential<Double>(
            Linear(inFeatures: 5, outFeatures: 7), ReLU(), Linear(inFeatures: 7, outFeatures: 3))
        try model.load(from: fixtures + "/state_dict/torch_sequential.safetensors")
        let torchState = try SafeTensors(contentsOf: fixtures + "/state_dict/torch_sequential.safetensors")
        #expect(model.stateDict().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        for (name, tensor) in model.stateDict() { #expect(tensor.arrayData == torchState[name]) }
        let io = try SafeTensors(contentsOf: fixtures + "/state_dict/torch_sequential_io.safetensors")
        let output = model(Tensor(io["input"]!))
        let comparison = TensorComparison(
            SafeTensors(tensors: [("output", output.arrayData)]), SafeTensors(tensors: [("output", io["output"]!)]),
            rtol: 1e-12, atol: 1e-12)
        #expect(comparison.passed, "\(comparison.report)")

        let small = Sequential<Double>(Linear(inFeatures: 5, outFeatures: 7))
        #expect(throws: StateDictError.unexpected(name: "2.bias")) {
            try small.load(from: fixtures + "/state_dict/torch_sequential.safetensors")
        }
        try small.load(from: fixtures + "/state_dict/torch_sequential.safetensors", strict: false)
        #expect(small.stateDict()[0].tensor.arrayData == torchState["0.weight"])
    }

    @Test("save(to:) writes the state_dict with PyTorch names that load back unchanged")
    func saveStateDict() throws {
        var generator = RandomGenerator(seed: 11)
        let model = Sequential<Double>(
            Linear(inFeatures: 5, outFeatures: 7, generator: &generator), ReLU(),
            Linear(inFeatures: 7, outFeatures: 3, generator: &generator))
        let keep = ProcessInfo.processInfo.environment["GLASSBOX_STATE_DICT_DIR"]
        let directory = try keep ?? temporaryDirectory()
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }
        try model.save(to: directory + "/glassbox_sequential.safetensors")
        let input = Tensor<Double>.randn([4, 5], generator: &generator)
        try Tensor<Double>.saveSafeTensors(
            [("input", input), ("output", model(input))], to: directory + "/glassbox_sequential_io.safetensors")

        let file = try SafeTensors(contentsOf: directory + "/glassbox_sequential.safetensors")
        #expect(file.tensors.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(file.tensors.map(\.array.shape) == [[7, 5], [7], [3, 7], [3]])
        let copy = Sequential<Double>(Linear(inFeatures: 5, outFeatures: 7), ReLU(), Linear(inFeatures: 7, outFeatures: 3))
        try copy.load(from: directory + "/glassbox_sequential.safetensors")
        #expect(copy(input).scalars == model(input).scalars)
    }

    // MARK: Compare and golden

    @Test("compare: allclose semantics, names in one file, shape and dtype mismatches fail")
    func compare() {
        let a = SafeTensors(tensors: [
            ("x", ArrayData(doubles: [1, 2, 0], shape: [3])), ("only_a", ArrayData(doubles: [1], shape: [1])),
            ("s", ArrayData(doubles: [1, 2], shape: [2])), ("d", ArrayData(doubles: [1], shape: [1])),
        ])
        let b = SafeTensors(tensors: [
            ("x", ArrayData(doubles: [1 + 1e-6, 2, 1e-9], shape: [3])), ("s", ArrayData(doubles: [1, 2], shape: [1, 2])),
            ("d", ArrayData(floats: [1], shape: [1])), ("only_b", ArrayData(doubles: [1], shape: [1])),
        ])
        let loose = TensorComparison(a, b, rtol: 1e-5, atol: 1e-8)
        #expect(loose.entries.map(\.name) == ["x", "only_a", "s", "d", "only_b"])
        #expect(loose.entries.map(\.passed) == [true, false, false, false, false])
        #expect(!loose.passed)
        let tight = TensorComparison.compare(a["x"]!, b["x"]!, rtol: 1e-7, atol: 1e-8)
        guard case .compared(let absolute, let relative, let passed) = tight else { Issue.record("\(tight)"); return }
        #expect(!passed)
        #expect(abs(absolute - 1e-6) < 1e-12)
        #expect(relative == 1)  // |0 − 1e-9| / 1e-9
        let nan = TensorComparison.compare(ArrayData(doubles: [.nan], shape: [1]), ArrayData(doubles: [.nan], shape: [1]), rtol: 1, atol: 1)
        #expect(nan.isFailure)
    }

    @Test("golden exports a catalog op and the MLP with consistent gradients")
    func golden() throws {
        #expect(Golden.names.first == "mlp")
        #expect(Golden.names.count == OpCatalog.entries.count + 1)
        let mlp = try Golden.export("mlp")
        #expect(mlp.metadata["kind"] == "model")
        let names = mlp.tensors.map(\.name)
        for name in ["fc1.weight", "fc3.bias", "input", "output", "grad_output", "grad.input", "grad.fc1.weight", "grad.fc3.bias"] {
            #expect(names.contains(name), "\(name)")
        }
        // Reload the parameters into a fresh MLP: the same output.
        var generator = RandomGenerator(seed: 99)
        let model = MLP<Double>(generator: &generator)
        try model.loadStateDict(
            Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, Tensor<Double>(mlp[$0.name]!)) }))
        #expect(model(Tensor(mlp["input"]!)).arrayData == mlp["output"])

        let entry = OpCatalog.entries[0]
        let op = try Golden.export(entry.name)
        #expect(op.metadata["name"] == entry.name)
        #expect(op["input0"] != nil && op["output"] != nil)
        #expect(throws: Golden.GoldenError.unknownName("nope")) { try Golden.export("nope") }
    }
}

extension TensorComparison.Outcome {
    fileprivate var isFailure: Bool {
        if case .compared(_, _, let passed) = self { return !passed }
        return true
    }
}
