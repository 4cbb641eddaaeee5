import GlassboxIO

/// A parsed reference case file: `{"module": "<torch.nn class>", "args": {...}, "train": false}`.
public struct ReferenceCase: Equatable, Sendable {
    /// The `torch.nn` class name.
    public var module: String
    /// The constructor keyword arguments (tuples as lists).
    public var args: JSONObject
    /// Whether the module runs in training mode.
    public var train: Bool

    /// Creates a case.
    public init(module: String, args: JSONObject = JSONObject(), train: Bool = false) {
        self.module = module
        self.args = args
        self.train = train
    }

    /// Reads a case from its JSON value; only the keys `module`, `args` and `train` are allowed.
    public init(json: JSONValue) throws {
        guard let object = json.objectValue else { throw ReferenceError.invalidCase("expected a JSON object") }
        if let extra = object.keys.first(where: { !["module", "args", "train"].contains($0) }) {
            throw ReferenceError.invalidCase("unknown key '\(extra)' (allowed: module, args, train)")
        }
        guard let module = object["module"]?.stringValue else {
            throw ReferenceError.invalidCase("'module' must be a string (a torch.nn class name)")
        }
        var args = JSONObject()
        if let value = object["args"], value != .null {
            guard let dictionary = value.objectValue else { throw ReferenceError.invalidCase("'args' must be an object") }
            args = dictionary
        }
        var train = false
        if let value = object["train"], value != .null {
            guard let flag = value.boolValue else { throw ReferenceError.invalidCase("'train' must be true or false") }
            train = flag
        }
        self.init(module: module, args: args, train: train)
    }
}

/// Runs reference cases: the library behind `glassbox reference` (see `Docs/Reference.md`).
///
/// Given a case, the module's `state_dict` and the forward inputs, it builds the module from
/// ``ReferenceRegistry``, loads the weights (strictly: missing, extra or mis-shaped entries are
/// errors naming the entry), runs forward and backward in the dtype of the inputs (F32 or F64)
/// and returns `output`, `grad.<input>` for each floating-point input and `grad.<param>` for
/// each parameter. The gradient is that of `(output * grad_output).sum()`, with `grad_output`
/// from the inputs file or all ones. A module with several outputs (recurrent modules: `output`,
/// `h_n`, `c_n`; attention: `output`, `attn_weights`) writes each; another output is
/// differentiated only when the inputs give its seed `grad_<name>` (`grad_h_n`, `grad_c_n`,
/// `grad_attn_weights`), and the gradient is then that of `(output * grad_output).sum()` plus
/// `(out * grad_<name>).sum()` for each seed given. A training-mode case also returns `state.<buffer>` for each
/// floating-point buffer after the forward pass (BatchNorm's running statistics); buffers that
/// PyTorch keeps as integers (`num_batches_tracked`) may come in an integer dtype and are not
/// returned.
public enum ReferenceRunner {
    /// Runs the case files and writes the result atomically to `outputPath`.
    ///
    /// - Throws: ``ReferenceError``, or the reader's error naming the file.
    public static func run(configPath: String, weightsPath: String, inputsPath: String, outputPath: String) throws {
        let json = try JSONValue(parsing: FileIO.readBytes(atPath: configPath))
        let referenceCase = try ReferenceCase(json: json)
        let weights = try SafeTensors(contentsOf: weightsPath)
        let inputs = try SafeTensors(contentsOf: inputsPath)
        let result = try run(referenceCase, weights: weights, inputs: inputs)
        try result.write(to: outputPath)
    }

    /// Runs one case in memory and returns the output file's contents.
    public static func run(_ referenceCase: ReferenceCase, weights: SafeTensors, inputs: SafeTensors) throws -> SafeTensors {
        // The inputs' floating dtype; for modules whose inputs are all integers (Embedding),
        // the weights'.
        var floatingDTypes = Set(inputs.tensors.filter { $0.array.dtype.isFloatingPoint && !$0.name.hasPrefix("grad_") }.map(\.array.dtype))
        if floatingDTypes.isEmpty {
            floatingDTypes = Set(weights.tensors.filter { $0.array.dtype.isFloatingPoint }.map(\.array.dtype))
        }
        guard let dtype = floatingDTypes.first else {
            throw ReferenceError.invalidInput(name: "input", problem: "missing: no floating-point input to set the dtype")
        }
        guard floatingDTypes.count == 1 else {
            throw ReferenceError.invalidInput(
                name: "input", problem: "dtypes differ among the floating-point inputs (\(floatingDTypes.map(\.safeTensorsName).sorted()))")
        }
        switch dtype {
        case .f64: return try run(referenceCase, weights: weights, inputs: inputs, as: Double.self)
        case .f32: return try run(referenceCase, weights: weights, inputs: inputs, as: Float.self)
        default:
            throw ReferenceError.unsupported("inputs: dtype \(dtype.safeTensorsName) is not supported (use F32 or F64)")
        }
    }

    private static func run<Scalar: TensorScalar>(
        _ referenceCase: ReferenceCase, weights: SafeTensors, inputs: SafeTensors, as scalar: Scalar.Type
    ) throws -> SafeTensors {
        let dtype: DType = Scalar.self == Float.self ? .f32 : .f64
        let model: ReferenceModel<Scalar> = try ReferenceRegistry.build(
            module: referenceCase.module, args: referenceCase.args, train: referenceCase.train, as: Scalar.self)

        // Weights: exactly the state_dict, each of the right shape and dtype.
        let required = model.parameters + model.buffers
        let known = Set(required.map(\.name) + model.optionalBuffers)
        let byName = weights.tensorsByName
        if let missing = required.first(where: { byName[$0.name] == nil }) { throw ReferenceError.missingWeight(missing.name) }
        if let extra = weights.tensors.first(where: { !known.contains($0.name) }) { throw ReferenceError.unexpectedWeight(extra.name) }
        for entry in weights.tensors where entry.array.dtype != dtype {
            let found = entry.array.dtype
            if model.integerBuffers.contains(entry.name) {
                if !found.isFloatingPoint && found != .bool { continue }
                throw ReferenceError.invalidWeight(
                    name: entry.name, problem: "has dtype \(found.safeTensorsName), expected an integer dtype (I64) or \(dtype.safeTensorsName)")
            }
            throw ReferenceError.invalidWeight(
                name: entry.name, problem: "has dtype \(entry.array.dtype.safeTensorsName), expected \(dtype.safeTensorsName) (the inputs' dtype)")
        }
        for (name, tensor) in required {
            let array = byName[name]!
            guard array.shape == tensor.shape else {
                throw ReferenceError.invalidWeight(name: name, problem: "has shape \(array.shape), expected \(tensor.shape)")
            }
            tensor.assign(Tensor<Scalar>(array))
        }
        var optional: [String: Tensor<Scalar>] = [:]
        for name in model.optionalBuffers { if let array = byName[name] { optional[name] = Tensor<Scalar>(array) } }

        // Inputs: exactly those consumed, plus an optional grad_output.
        var values: [String: ReferenceValue<Scalar>] = [:]
        var differentiated: [(name: String, tensor: Tensor<Scalar>)] = []
        let inputsByName = inputs.tensorsByName
        if let missing = model.inputNames.first(where: { inputsByName[$0] == nil }) { throw ReferenceError.missingInput(missing) }
        for (name, array) in inputs.tensors where !name.hasPrefix("grad_") {
            guard model.inputNames.contains(name) || model.optionalInputNames.contains(name) else {
                throw ReferenceError.unexpectedInput(name)
            }
            if model.maskInputs.contains(name), array.dtype == .bool || array.dtype == dtype {
                values[name] = .mask(Tensor<Scalar>(array), boolean: array.dtype == .bool)
            } else if array.dtype.isFloatingPoint {
                let tensor = Tensor<Scalar>(array)
                tensor.requiresGrad = true
                values[name] = .floating(tensor)
                differentiated.append((name, tensor))
            } else if model.indexInputs.contains(name), array.dtype != .bool {
                values[name] = .indices(IndexTensor(array.asInt64s().map { Int($0) }, shape: array.shape))
            } else {
                throw ReferenceError.invalidInput(
                    name: name, problem: "has dtype \(array.dtype.safeTensorsName), expected \(dtype.safeTensorsName)")
            }
        }

        let outputs = try model.forward(values, optional)
        let outputNames = Set(outputs.map { $0.name == "output" ? "grad_output" : "grad_" + $0.name })
        if let extra = inputs.tensors.first(where: { $0.name.hasPrefix("grad_") && !outputNames.contains($0.name) }) {
            throw ReferenceError.unexpectedInput(extra.name)
        }
        // The seeds: `grad_output` defaults to ones; any other output is differentiated only when
        // the inputs give its `grad_<name>` (the contract: the gradient is that of
        // `(output * grad_output).sum()`, plus `(out * grad_<name>).sum()` for each seed given).
        var seeded: [(output: Tensor<Scalar>, seed: Tensor<Scalar>)] = []
        for (name, output) in outputs {
            let gradName = name == "output" ? "grad_output" : "grad_" + name
            guard let array = inputsByName[gradName] else {
                if name == "output" { seeded.append((output, Tensor.ones(output.shape))) }
                continue
            }
            guard array.dtype == dtype else {
                throw ReferenceError.invalidInput(
                    name: gradName, problem: "has dtype \(array.dtype.safeTensorsName), expected \(dtype.safeTensorsName)")
            }
            guard array.shape == output.shape else {
                throw ReferenceError.invalidInput(
                    name: gradName, problem: "has shape \(array.shape), expected the \(name)'s shape \(output.shape)")
            }
            seeded.append((output, Tensor<Scalar>(array)))
        }

        let targets = differentiated + model.parameters
        var result: [(name: String, array: ArrayData)] = outputs.map { ($0.name, $0.tensor.detached().arrayData) }
        if !targets.isEmpty {
            let grads: [Tensor<Scalar>]
            let recorded = seeded.filter { $0.output.requiresGrad }
            if recorded.count == 1 {
                grads = Tensor.gradients(of: recorded[0].output, withRespectTo: targets.map(\.tensor), gradOutput: recorded[0].seed)
            } else if !recorded.isEmpty {
                let total = recorded.map { ($0.output * $0.seed).sum() }.reduce(Tensor(0), +)
                grads = Tensor.gradients(of: total, withRespectTo: targets.map(\.tensor))
            } else {
                grads = targets.map { Tensor.zeros($0.tensor.shape) }
            }
            for (target, grad) in zip(targets, grads) { result.append(("grad." + target.name, grad.arrayData)) }
        }
        if referenceCase.train {
            for (name, buffer) in model.buffers where !model.integerBuffers.contains(name) {
                result.append(("state." + name, buffer.arrayData))
            }
        }
        return SafeTensors(
            tensors: result, metadata: ["producer": "glassbox reference", "module": referenceCase.module])
    }
}
