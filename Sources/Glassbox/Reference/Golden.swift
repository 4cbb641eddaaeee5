import GlassboxIO

/// Golden files: seeded F64 inputs, outputs and gradients of catalog ops and reference models,
/// exported by `glassbox golden NAME --out FILE` so another backend can test itself against
/// Glassbox without running it.
///
/// For an op of ``OpCatalog``: `input0`, `input1`, … (from the entry's seeded builder, seed
/// ``seed``), `output`, a seeded `grad_output`, and `grad.input<i>` — the gradient of
/// `(output * grad_output).sum()` — for each input that requires grad. For a model (`mlp`):
/// its parameters by `state_dict` name, `input`, `output`, `grad_output`, `grad.input` and
/// `grad.<param>`. The `__metadata__` describes the contents.
public enum Golden {
    /// The seed of the inputs (and, plus one, of `grad_output`).
    public static let seed: UInt64 = 7

    /// The reference models, by golden name.
    public static let modelNames = ["mlp"]

    /// Every golden name: the models, then the catalog entries.
    public static var names: [String] { modelNames + OpCatalog.entries.map(\.name) }

    /// Why ``export(_:)`` failed.
    public enum GoldenError: Error, Equatable, CustomStringConvertible {
        /// No model or catalog entry has this name.
        case unknownName(String)

        /// A one-line explanation.
        public var description: String {
            switch self {
            case .unknownName(let name): "unknown golden name '\(name)' (see 'glassbox golden --list')"
            }
        }
    }

    /// The golden file for `name`.
    public static func export(_ name: String) throws -> SafeTensors {
        if name == "mlp" { return mlp() }
        guard let entry = OpCatalog.entry(named: name) else { throw GoldenError.unknownName(name) }
        var generator = RandomGenerator(seed: seed)
        let inputs = entry.makeInputs(&generator)
        let output = entry.function(inputs)
        var tensors: [(name: String, array: ArrayData)] = inputs.enumerated().map { ("input\($0.offset)", $0.element.detached().arrayData) }
        tensors.append(("output", output.detached().arrayData))
        let differentiated = inputs.indices.filter { inputs[$0].requiresGrad }
        if output.requiresGrad && !differentiated.isEmpty {
            var gradGenerator = RandomGenerator(seed: seed + 1)
            let gradOutput = Tensor<Double>.randn(output.shape, generator: &gradGenerator)
            tensors.append(("grad_output", gradOutput.arrayData))
            let grads = Tensor.gradients(
                of: output, withRespectTo: differentiated.map { inputs[$0] }, gradOutput: gradOutput)
            for (index, grad) in zip(differentiated, grads) { tensors.append(("grad.input\(index)", grad.arrayData)) }
        }
        return SafeTensors(
            tensors: tensors,
            metadata: [
                "producer": "glassbox golden", "kind": "op", "name": name, "seed": "\(seed)",
                "op": entry.op.map { "\($0)" } ?? "composite",
                "description":
                    "output = \(name)(input0, ...); grad.input<i> = d/d input<i> of (output * grad_output).sum(), for the inputs that require grad",
            ])
    }

    /// The MLP of `glassbox train mlp` (64 → 128 → 64 → 10), seeded, on a batch of 4.
    private static func mlp() -> SafeTensors {
        var generator = RandomGenerator(seed: seed)
        let model = MLP<Double>(generator: &generator)
        let input = Tensor<Double>.uniform([4, 64], low: 0, high: 1, generator: &generator, requiresGrad: true)
        let output = model(input)
        var gradGenerator = RandomGenerator(seed: seed + 1)
        let gradOutput = Tensor<Double>.randn(output.shape, generator: &gradGenerator)
        let parameters = model.namedParameters()
        let grads = Tensor.gradients(
            of: output, withRespectTo: [input] + parameters.map(\.tensor), gradOutput: gradOutput)
        var tensors: [(name: String, array: ArrayData)] = model.stateDict().map { ($0.name, $0.tensor.arrayData) }
        tensors += [
            ("input", input.detached().arrayData), ("output", output.detached().arrayData),
            ("grad_output", gradOutput.arrayData), ("grad.input", grads[0].arrayData),
        ]
        for (parameter, grad) in zip(parameters, grads.dropFirst()) { tensors.append(("grad." + parameter.name, grad.arrayData)) }
        return SafeTensors(
            tensors: tensors,
            metadata: [
                "producer": "glassbox golden", "kind": "model", "name": "mlp", "seed": "\(seed)",
                "module":
                    "Sequential-like MLP: fc1 Linear(64,128), ReLU, fc2 Linear(128,64), ReLU, fc3 Linear(64,10) (PyTorch names fc1.weight, ...)",
                "description":
                    "output = mlp(input); grad.<x> = d/dx of (output * grad_output).sum()",
            ])
    }
}
