import Glassbox
import GlassboxIO
import GlassboxONNX

/// `glassbox onnx test|run|inspect`: the pure-Swift ONNX runtime from the command line.
let onnxCommand = Command(
    name: "onnx",
    summary: "Run, test and inspect ONNX models (test, run, inspect)",
    usage: [
        "onnx test SUITE_DIR [--filter S] [--by-op]",
        "onnx run MODEL.onnx --input-dir DIR --out-dir OUT",
        "onnx run MODEL.onnx --inputs X.safetensors --out Y.safetensors [--grad] [--dtype f64]",
        "onnx inspect MODEL.onnx",
        "onnx export --checkpoint DIR --out MODEL.onnx",
    ],
    details: """
        test: runs every <test>/model.onnx of an ONNX node-test folder on test_data_set_0 and \
        compares like onnx's backend runner (assert_allclose with the test's tolerance.json, \
        default rtol 1e-3 atol 1e-7; dtype and shape equal; exact for non-float outputs). One \
        FAIL line per failing test, 'N passed, M failed' last.
        run: reads input_N.pb (N in graph-input order) from DIR and writes output_N.pb to OUT; \
        or reads the graph inputs by name from X.safetensors and writes the outputs by name to \
        Y.safetensors, with --grad also grad.<name> of sum(output_0 * grad_output) for every \
        float graph input and initializer (grad_output optional in X, ones by default).
        inspect: opsets, inputs and outputs with types and shapes, an op histogram, the parameter count.
        """,
    options: [
        .value("filter", "S", "test: only tests whose name contains S."),
        .flag("by-op", "test: also print a pass/total table by op type."),
        .value("input-dir", "DIR", "run: folder of input_N.pb files."),
        .value("out-dir", "OUT", "run: folder to write output_N.pb files to."),
        .value("inputs", "X", "run: safetensors file of graph inputs by name (and optional grad_output)."),
        .flag("grad", "run: also write grad.<name> for every float graph input and initializer."),
        .value("dtype", "f32|f64", "run: f64 runs every float tensor in Double (default: the model's types)."),
        .value("checkpoint", "DIR", "export: the checkpoint of 'glassbox train cnn|lenet|vgg --out DIR'."),
        .value("out", "FILE", "export: the ONNX file to write; run: the safetensors file to write."),
    ],
    maxPositionals: 2,
    run: { arguments in
        guard let sub = arguments.positionals.first else { throw CLIError.usage("onnx: which subcommand? (test, run, inspect or export)") }
        if sub == "export" {
            guard arguments.positionals.count == 1 else { throw CLIError.usage("onnx export: takes no path (use --checkpoint DIR --out FILE)") }
            return try onnxExport(checkpoint: try arguments.string("checkpoint"), out: try arguments.string("out"))
        }
        guard arguments.positionals.count == 2 else { throw CLIError.usage("onnx \(sub): expected one path") }
        let path = arguments.positionals[1]
        do {
            switch sub {
            case "test": return try onnxTest(suite: path, filter: try arguments.string("filter"), byOp: arguments.flag("by-op"))
            case "run":
                if let inputs = try arguments.string("inputs") {
                    guard let out = try arguments.string("out") else { throw CLIError.usage("onnx run: --inputs needs --out Y.safetensors") }
                    let dtype = try arguments.string("dtype") ?? "f32"
                    guard dtype == "f32" || dtype == "f64" else { throw CLIError.usage("onnx run: --dtype must be f32 or f64, got '\(dtype)'") }
                    return try onnxRunNamed(model: path, inputs: inputs, out: out, grad: arguments.flag("grad"), double: dtype == "f64")
                }
                let dtypeGiven = try arguments.string("dtype") != nil
                if arguments.flag("grad") || dtypeGiven {
                    throw CLIError.usage("onnx run: --grad and --dtype need --inputs X.safetensors --out Y.safetensors")
                }
                guard let input = try arguments.string("input-dir"), let out = try arguments.string("out-dir") else {
                    throw CLIError.usage("onnx run: needs --input-dir DIR and --out-dir OUT, or --inputs X --out Y")
                }
                return try onnxRun(model: path, inputDirectory: input, outDirectory: out)
            case "inspect": return try onnxInspect(model: path)
            default: throw CLIError.usage("onnx: unknown subcommand '\(sub)' (test, run, inspect or export)")
            }
        } catch let error as ONNXError {
            throw CLIError.failure(error.message)
        }
    })

private func onnxTest(suite: String, filter: String?, byOp: Bool) throws -> Int32 {
    let names = try ONNXConformance.testNames(suite: suite).filter { filter == nil || $0.contains(filter!) }
    var passed = 0, failed = 0
    var table: [String: (pass: Int, total: Int)] = [:]
    for name in names {
        let dir = suite + "/" + name
        let failure = ONNXConformance.runIsolated(testDirectory: dir)
        if let failure {
            failed += 1
            Console.out("FAIL \(name): \(failure.split(separator: "\n").first ?? "")")
        } else {
            passed += 1
        }
        if byOp {
            let op = (try? ONNXSession(path: dir + "/model.onnx")).map { s in
                s.model.graph.nodes.count == 1 ? s.model.graph.nodes[0].opType : (name.contains("expanded") ? "(expanded)" : "(multi-node)")
            } ?? "(unreadable)"
            table[op, default: (0, 0)].total += 1
            if failure == nil { table[op, default: (0, 0)].pass += 1 }
        }
    }
    if byOp {
        Console.out("op | passed | total")
        for (op, r) in table.sorted(by: { $0.key < $1.key }) { Console.out("\(op) | \(r.pass) | \(r.total)") }
    }
    Console.out("\(passed) passed, \(failed) failed")
    return failed == 0 ? 0 : 1
}

private func onnxRun(model: String, inputDirectory: String, outDirectory: String) throws -> Int32 {
    let session = try ONNXSession(path: model)
    let graph = session.model.graph
    var inputs: [String: ONNXValue] = [:]
    for (k, name) in session.inputNames.enumerated() {
        let info = graph.inputs.first { $0.name == name }!
        let path = inputDirectory + "/input_\(k).pb"
        guard FileIO.exists(atPath: path) else { throw CLIError.failure("\(path): missing (graph input '\(name)')") }
        inputs[name] = try ONNXConformance.readValue(path, type: info.type)
    }
    let outputs = try session.run(inputs)
    try FileIO.createDirectory(atPath: outDirectory)
    for (i, value) in outputs.enumerated() {
        try FileIO.writeAtomically(value.proto().serialized(), toPath: outDirectory + "/output_\(i).pb")
    }
    Console.out("wrote \(outputs.count) outputs to \(outDirectory)")
    return 0
}

private func describe(_ type: ONNXType) -> String {
    switch type {
    case .tensor(let e, let shape), .sparseTensor(let e, let shape):
        let name = ONNXDataType(rawValue: e)?.description ?? "type\(e)"
        return name + (shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[?]")
    case .sequence(let e): return "seq(" + (e.map(describe) ?? "?") + ")"
    case .optional(let e): return "optional(" + (e.map(describe) ?? "?") + ")"
    case .map(let k, let v): return "map(\(ONNXDataType(rawValue: k)?.description ?? "?"), " + (v.map(describe) ?? "?") + ")"
    case .unknown: return "?"
    }
}

private func onnxInspect(model path: String) throws -> Int32 {
    let session = try ONNXSession(path: path)
    let model = session.model
    Console.out("ir_version \(model.irVersion), producer '\(model.producerName)' \(model.producerVersion)")
    Console.out("opsets: " + model.opsetImports.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }.joined(separator: ", "))
    let initialized = Set(model.graph.initializers.map(\.name))
    for info in model.graph.inputs where !initialized.contains(info.name) { Console.out("input  \(info.name): \(describe(info.type))") }
    for info in model.graph.outputs { Console.out("output \(info.name): \(describe(info.type))") }
    var histogram: [String: Int] = [:]
    for node in model.graph.nodes { histogram[node.opType, default: 0] += 1 }
    Console.out("ops: " + histogram.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    let parameters = model.graph.initializers.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
    Console.out("parameters: \(parameters) in \(model.graph.initializers.count) initializers")
    if !model.functions.isEmpty { Console.out("functions: " + model.functions.map(\.name).joined(separator: ", ")) }
    return 0
}
