import GlassboxIO

extension ReferenceRegistry {
    /// `LSTM` with `proj_size > 0` (``ProjectedLSTM``): inputs `input`, optional `h0`
    /// (`[L·D, B, P]`) and `c0` (`[L·D, B, H]`); outputs `output`, `h_n`, `c_n`. `lengths`
    /// (packed sequences) is not supported with a projection.
    static func projectedLSTM<Scalar: TensorScalar>(
        projSize: Int, _ args: inout ReferenceArguments, _ train: Bool
    ) throws -> ReferenceModel<Scalar> {
        let module = "LSTM"
        let inputSize = try args.int("input_size"), hiddenSize = try args.int("hidden_size")
        let bias = try args.bool("bias", default: true)
        let layers = try args.int("num_layers", default: 1)
        let batchFirst = try args.bool("batch_first", default: false)
        let dropout = try args.double("dropout", default: 0, in: 0...1)
        let bidirectional = try args.bool("bidirectional", default: false)
        guard inputSize > 0 else { throw ReferenceError.invalidArgument(module: module, name: "input_size", expected: "> 0") }
        guard hiddenSize > 0 else { throw ReferenceError.invalidArgument(module: module, name: "hidden_size", expected: "> 0") }
        guard layers > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_layers", expected: "> 0") }
        guard projSize < hiddenSize else {
            throw ReferenceError.invalidArgument(module: module, name: "proj_size", expected: "in 0..<hidden_size (\(hiddenSize))")
        }
        if train && dropout > 0 && layers > 1 {
            throw ReferenceError.unsupported(
                "LSTM: train=true with dropout=\(dropout) is not reproducible (Glassbox's random stream differs from PyTorch's); use train=false")
        }
        let directions = bidirectional ? 2 : 1
        for layer in 0..<layers {
            let input = layer == 0 ? inputSize : projSize * directions
            _ = try args.parameterShape("weights", [directions, 4 * hiddenSize * (input + projSize + (bias ? 2 : 0)) + projSize * hiddenSize])
        }
        var generator = RandomGenerator(seed: 0)  // the weights file replaces every parameter
        let lstm = ProjectedLSTM<Scalar>(
            inputSize: inputSize, hiddenSize: hiddenSize, projSize: projSize, numLayers: layers, bias: bias, batchFirst: batchFirst,
            bidirectional: bidirectional, generator: &generator)
        let states = layers * directions
        return ReferenceModel(
            parameters: lstm.namedParameters(), inputNames: ["input"], optionalInputNames: ["h0", "c0", "lengths"], indexInputs: ["lengths"]
        ) { inputs, _ in
            guard case .floating(let input)? = inputs["input"] else {
                throw ReferenceError.invalidInput(name: "input", problem: "must be floating point (F32 or F64)")
            }
            guard (input.rank == 2 || input.rank == 3) && input.shape.last == inputSize else {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(input.shape), expected [\(batchFirst ? "B, T" : "T, B"), \(inputSize)] or [T, \(inputSize)]")
            }
            if inputs["lengths"] != nil { throw ReferenceError.unsupported("LSTM: lengths (packed sequences) with proj_size > 0 are not supported") }
            let batch = input.rank == 3 ? [input.shape[batchFirst ? 0 : 1]] : []
            var state: [Tensor<Scalar>?] = []
            for (name, size) in [("h0", projSize), ("c0", hiddenSize)] {
                guard let value = inputs[name] else { state.append(nil); continue }
                guard case .floating(let t) = value, t.shape == [states] + batch + [size] else {
                    throw ReferenceError.invalidInput(name: name, problem: "has shape \(value.shape), expected \([states] + batch + [size])")
                }
                state.append(t)
            }
            guard (state[0] == nil) == (state[1] == nil) else {
                throw ReferenceError.invalidInput(name: state[0] == nil ? "h0" : "c0", problem: "missing: LSTM takes both h0 and c0 or neither")
            }
            let r = lstm.run(input, h0: state[0], c0: state[1])
            return [("output", r.output), ("h_n", r.hN), ("c_n", r.cN)]
        }
    }
}
