import Glassbox
import GlassboxIO

// `glassbox reference` and `glassbox compare`: the contract other backends rely on (see
// Docs/Reference.md and the design document). The work is done by the library
// (ReferenceRunner, TensorComparison); these commands parse options and map errors to exit codes.

/// Runs `body`, turning any library error into a one-line failure (exit 1) prefixed by `command`.
func failing<T>(_ command: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CLIError {
        throw error
    } catch {
        throw CLIError.failure("\(command): \(error)")
    }
}

/// `glassbox reference --config CASE.json --weights W.safetensors --inputs X.safetensors --out Y.safetensors`.
let referenceCommand = Command(
    name: "reference",
    summary: "Run one torch.nn module case (forward and backward) as the reference",
    usage: ["reference --config CASE.json --weights W.safetensors --inputs X.safetensors --out Y.safetensors",
            "reference --list-modules"],
    details: """
        Builds the torch.nn module named in CASE.json ({"module": ..., "args": {...}, "train": false}),
        loads its state_dict from W (PyTorch names; missing, extra or mis-shaped entries are errors),
        runs it on the inputs in X (input, target for losses, optional grad_output) in their dtype
        (F32 or F64), and writes Y: output, grad.<input> for each floating-point input and
        grad.<param> for each parameter (the gradient of (output * grad_output).sum(); grad_output
        defaults to ones). Y is written atomically.

        Modules: \(ReferenceRegistry.moduleNames.joined(separator: ", ")).
        """,
    options: [
        .value("config", "CASE.json", "The case: module name, constructor args, train flag."),
        .value("weights", "W.safetensors", "The module's state_dict."),
        .value("inputs", "X.safetensors", "The forward inputs (and optional grad_output)."),
        .value("out", "Y.safetensors", "Where to write output and gradients."),
        .flag("list-modules", "Print the supported torch.nn class names, one a line."),
    ],
    maxPositionals: 0,
    run: { arguments in
        if arguments.flag("list-modules") {
            for name in ["config", "weights", "inputs", "out"] where try arguments.string(name) != nil {
                throw CLIError.usage("reference: --list-modules takes no --\(name)")
            }
            Console.out(ReferenceRegistry.moduleNames.joined(separator: "\n"))
            return 0
        }
        var paths: [String] = []
        for name in ["config", "weights", "inputs", "out"] {
            guard let path = try arguments.string(name) else {
                throw CLIError.usage("reference: option '--\(name)' is required (see 'glassbox help reference')")
            }
            paths.append(path)
        }
        do {
            try ReferenceRunner.run(configPath: paths[0], weightsPath: paths[1], inputsPath: paths[2], outputPath: paths[3])
        } catch let error as JSONError {
            // Safetensors headers report their JSON errors as SafeTensorsError naming the file,
            // so a bare JSONError is the case file's.
            throw CLIError.failure("reference: \(paths[0]): \(error)")
        } catch let error as ReferenceError {
            if case .invalidCase = error { throw CLIError.failure("reference: \(paths[0]): \(error)") }
            throw CLIError.failure("reference: \(error)")
        } catch {
            throw CLIError.failure("reference: \(error)")
        }
        return 0
    })

/// `glassbox compare A.safetensors B.safetensors [--rtol R --atol A]`.
let compareCommand = Command(
    name: "compare",
    summary: "Compare two safetensors files tensor by tensor (torch.allclose semantics)",
    usage: ["compare A.safetensors B.safetensors [--rtol R] [--atol A]"],
    details: """
        Prints, per tensor, the max absolute and max relative error of A against B and PASS when
        |a - b| <= atol + rtol * |b| everywhere (NaN never passes). Names in only one file, and
        shape or dtype mismatches, fail. Exits 1 if any tensor fails, 0 otherwise.
        """,
    options: [
        .value("rtol", "R", "Relative tolerance (default 1e-5)."),
        .value("atol", "A", "Absolute tolerance (default 1e-8)."),
    ],
    maxPositionals: 2,
    run: { arguments in
        guard arguments.positionals.count == 2 else {
            throw CLIError.usage("compare: expects two files (see 'glassbox help compare')")
        }
        let rtol = try nonNegativeDouble(arguments, "rtol") ?? 1e-5
        let atol = try nonNegativeDouble(arguments, "atol") ?? 1e-8
        let (a, b) = try failing("compare") {
            (try SafeTensors(contentsOf: arguments.positionals[0]), try SafeTensors(contentsOf: arguments.positionals[1]))
        }
        let comparison = TensorComparison(a, b, rtol: rtol, atol: atol)
        Console.out(comparison.report)
        return comparison.passed ? 0 : 1
    })

/// The value of option `name` as a finite number ≥ 0, if given.
private func nonNegativeDouble(_ arguments: ParsedArguments, _ name: String) throws -> Double? {
    guard let raw = try arguments.string(name) else { return nil }
    guard let value = Double(raw), value.isFinite, value >= 0 else {
        throw CLIError.usage("\(arguments.command): option '--\(name)' expects a non-negative number, got '\(raw)'")
    }
    return value
}

/// `glassbox golden NAME --out FILE` and `glassbox golden --list`.
let goldenCommand = Command(
    name: "golden",
    summary: "Export a catalog op or reference model with inputs, output and gradients",
    usage: ["golden NAME --out FILE.safetensors", "golden --list"],
    details: """
        Writes one safetensors file (F64) for NAME: a catalog op (input0, input1, ..., output,
        grad_output, grad.input<i>) or a reference model such as mlp (parameters by state_dict
        name, input, output, grad_output, grad.input, grad.<param>). Gradients are those of
        (output * grad_output).sum(); __metadata__ describes the contents. --list prints the names.
        """,
    options: [
        .value("out", "FILE", "Where to write the safetensors file."),
        .flag("list", "Print the golden names, one a line."),
    ],
    maxPositionals: 1,
    run: { arguments in
        if arguments.flag("list") {
            guard arguments.positionals.isEmpty, try arguments.string("out") == nil else {
                throw CLIError.usage("golden: --list takes no NAME or --out")
            }
            Console.out(Golden.names.joined(separator: "\n"))
            return 0
        }
        guard let name = arguments.positionals.first else {
            throw CLIError.usage("golden: which name? (see 'glassbox golden --list')")
        }
        guard let out = try arguments.string("out") else {
            throw CLIError.usage("golden: option '--out' is required")
        }
        guard Golden.names.contains(name) else {
            throw CLIError.usage("golden: unknown name '\(name)' (see 'glassbox golden --list')")
        }
        try failing("golden") { try Golden.export(name).write(to: out) }
        return 0
    })
