import GlassboxIO
import GlassboxKernels

extension ReferenceRegistry {
    /// `RNN`, `LSTM`, `GRU`, `RNNCell`, `LSTMCell`, `GRUCell`, and `WeightNormLinear` (a
    /// `Linear` wrapped by `torch.nn.utils.parametrizations.weight_norm`).
    ///
    /// Recurrent inputs: `input`, optional `h0` and `c0` (LSTM) — for a cell also by PyTorch's
    /// forward name `hx` (and `cx` for the cell state of `LSTMCell`) — and — an
    /// extension of the contract — optional `lengths` (I64, one per batch row, in `1...T`), which
    /// PyTorch expresses as `pack_padded_sequence(input, lengths, enforce_sorted=False)` and
    /// `pad_packed_sequence(…, total_length=T)`. Outputs: `output`, `h_n` and `c_n` (LSTM) for
    /// the layers; `output` (`h'`) and `c_n` (`c'`) for `LSTMCell`; `output` for the other cells.
    static func recurrentBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "RNN": { args, train in
                let nonlinearity = try args.choice("nonlinearity", ["tanh", "relu"], default: "tanh")
                return try recurrentLayer("RNN", nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, &args, train)
            },
            "LSTM": { args, train in
                let projSize = try args.int("proj_size", default: 0)
                guard projSize >= 0 else { throw ReferenceError.invalidArgument(module: "LSTM", name: "proj_size", expected: "≥ 0") }
                if projSize > 0 { return try projectedLSTM(projSize: projSize, &args, train) }  // ReferenceRegistry+ProjectedLSTM.swift
                return try recurrentLayer("LSTM", .lstm, &args, train)
            },
            "GRU": { args, train in try recurrentLayer("GRU", .gru, &args, train) },
            "RNNCell": { args, _ in
                let nonlinearity = try args.choice("nonlinearity", ["tanh", "relu"], default: "tanh")
                return try recurrentCell("RNNCell", nonlinearity == "tanh" ? .rnnTanh : .rnnRelu, &args)
            },
            "LSTMCell": { args, _ in try recurrentCell("LSTMCell", .lstm, &args) },
            "GRUCell": { args, _ in try recurrentCell("GRUCell", .gru, &args) },
            "WeightNormLinear": { args, train in
                let inFeatures = try args.int("in_features")
                let outFeatures = try args.int("out_features")
                let bias = try args.bool("bias", default: true)
                let dim = try args.int("dim", default: 0)
                guard inFeatures > 0, outFeatures > 0 else {
                    throw ReferenceError.invalidArgument(module: "WeightNormLinear", name: "in_features", expected: "> 0 (and out_features > 0)")
                }
                guard (0..<2).contains(dim) else {
                    throw ReferenceError.invalidArgument(module: "WeightNormLinear", name: "dim", expected: "0 or 1")
                }
                let linear = Linear<Scalar>(
                    weight: Tensor.ones([outFeatures, inFeatures]), bias: bias ? Tensor.zeros([outFeatures]) : nil)
                return .layer(WeightNorm(linear, dim: dim), train: train) { shape in
                    guard shape.last == inFeatures else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [..., \(inFeatures)]")
                    }
                }
            },
        ]
    }

    /// The sizes shared by the recurrent layers and cells.
    private static func recurrentSizes(_ module: String, _ args: inout ReferenceArguments) throws -> (input: Int, hidden: Int, bias: Bool) {
        let input = try args.int("input_size")
        let hidden = try args.int("hidden_size")
        let bias = try args.bool("bias", default: true)
        guard input > 0 else { throw ReferenceError.invalidArgument(module: module, name: "input_size", expected: "> 0") }
        guard hidden > 0 else { throw ReferenceError.invalidArgument(module: module, name: "hidden_size", expected: "> 0") }
        return (input, hidden, bias)
    }

    /// `RNN`, `LSTM`, `GRU`.
    private static func recurrentLayer<Scalar: TensorScalar>(
        _ module: String, _ cell: RecurrentCell, _ args: inout ReferenceArguments, _ train: Bool
    ) throws -> ReferenceModel<Scalar> {
        let (inputSize, hiddenSize, bias) = try recurrentSizes(module, &args)
        let layers = try args.int("num_layers", default: 1)
        let batchFirst = try args.bool("batch_first", default: false)
        let dropout = try args.double("dropout", default: 0, in: 0...1)
        let bidirectional = try args.bool("bidirectional", default: false)
        guard layers > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_layers", expected: "> 0") }
        if train && dropout > 0 && layers > 1 {
            throw ReferenceError.unsupported(
                "\(module): train=true with dropout=\(dropout) is not reproducible (Glassbox's random stream differs from PyTorch's); use train=false")
        }
        for layer in 0..<layers {
            try countRecurrentWeights(
                &args, cell, inputSize: layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1), hiddenSize: hiddenSize,
                bias: bias, copies: bidirectional ? 2 : 1)
        }
        var generator = RandomGenerator(seed: 0)  // the weights file replaces every parameter
        let stack = RecurrentStack<Scalar>(
            module, cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: layers, bias: bias,
            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &generator)
        let states = layers * stack.directions
        return ReferenceModel(
            parameters: stack.namedParameters, inputNames: ["input"], optionalInputNames: ["h0", "c0", "lengths"],
            indexInputs: ["lengths"]
        ) { inputs, _ in
            let input = try floatingInput(inputs, "input")
            guard (input.rank == 2 || input.rank == 3) && input.shape.last == inputSize else {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(input.shape), expected [\(batchFirst ? "B, T" : "T, B"), \(inputSize)] or [T, \(inputSize)]")
            }
            let batched = input.rank == 3
            let steps = input.shape[batched && batchFirst ? 1 : 0]
            let batch = batched ? input.shape[batchFirst ? 0 : 1] : 1
            let stateShape = batched ? [states, batch, hiddenSize] : [states, hiddenSize]
            let h0 = try optionalState(inputs, "h0", shape: stateShape)
            let c0 = try optionalState(inputs, "c0", shape: stateShape)
            if cell.hasCellState && (h0 == nil) != (c0 == nil) {
                throw ReferenceError.invalidInput(name: h0 == nil ? "h0" : "c0", problem: "missing: LSTM takes both h0 and c0 or neither")
            }
            if !cell.hasCellState && c0 != nil { throw ReferenceError.unexpectedInput("c0") }
            let lengths = try sequenceLengths(inputs, batch: batch, steps: steps, batched: batched)
            var generator: RandomGenerator? = nil
            let r = stack.run(input, h0: h0, c0: c0, lengths: lengths, training: train, generator: &generator)
            return [("output", r.output), ("h_n", r.hN)] + (r.cN.map { [("c_n", $0)] } ?? [])
        }
    }

    /// `RNNCell`, `LSTMCell`, `GRUCell`.
    private static func recurrentCell<Scalar: TensorScalar>(
        _ module: String, _ cell: RecurrentCell, _ args: inout ReferenceArguments
    ) throws -> ReferenceModel<Scalar> {
        let (inputSize, hiddenSize, bias) = try recurrentSizes(module, &args)
        try countRecurrentWeights(&args, cell, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, copies: 1)
        var generator = RandomGenerator(seed: 0)  // the weights file replaces every parameter
        let weights = RecurrentWeights<Scalar>(
            module, cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &generator)
        return ReferenceModel(
            parameters: weights.named(""), inputNames: ["input"],
            optionalInputNames: cell.hasCellState ? ["h0", "c0", "hx", "cx"] : ["h0", "hx"]
        ) { inputs, _ in
            let input = try floatingInput(inputs, "input")
            guard (input.rank == 1 || input.rank == 2) && input.shape.last == inputSize else {
                throw ReferenceError.invalidInput(name: "input", problem: "has shape \(input.shape), expected [B, \(inputSize)] or [\(inputSize)]")
            }
            let shape = input.rank == 2 ? [input.shape[0], hiddenSize] : [hiddenSize]
            for (name, alias) in [("hx", "h0"), ("cx", "c0")] where inputs[name] != nil && inputs[alias] != nil {
                throw ReferenceError.invalidInput(name: name, problem: "given together with \(alias) (the same state: give one)")
            }
            let h = try optionalState(inputs, inputs["hx"] != nil ? "hx" : "h0", shape: shape)
            let c = try optionalState(inputs, inputs["cx"] != nil ? "cx" : "c0", shape: shape)
            let r = weights.step(cell, module: module, input, h: h, c: c)
            return [("output", r.h)] + (r.c.map { [("c_n", $0)] } ?? [])
        }
    }

    /// Counts one layer's weights (`copies` directions) against the case's parameter cap.
    private static func countRecurrentWeights(
        _ args: inout ReferenceArguments, _ cell: RecurrentCell, inputSize: Int, hiddenSize: Int, bias: Bool, copies: Int
    ) throws {
        let gates = cell.gateCount * hiddenSize
        for _ in 0..<copies {
            _ = try args.parameterShape("weight_ih", [gates, inputSize])
            _ = try args.parameterShape("weight_hh", [gates, hiddenSize])
            if bias { _ = try args.parameterShape("bias", [2, gates]) }
        }
    }

    /// A required floating-point input.
    private static func floatingInput<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar> {
        guard let value = inputs[name] else { throw ReferenceError.missingInput(name) }
        guard case .floating(let tensor) = value else {
            throw ReferenceError.invalidInput(name: name, problem: "must be floating point (F32 or F64)")
        }
        return tensor
    }

    /// An optional initial state of the given shape.
    private static func optionalState<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String, shape: [Int]) throws
        -> Tensor<Scalar>?
    {
        guard inputs[name] != nil else { return nil }
        let state = try floatingInput(inputs, name)
        guard state.shape == shape else {
            throw ReferenceError.invalidInput(name: name, problem: "has shape \(state.shape), expected \(shape)")
        }
        return state
    }

    /// The optional `lengths`: `[B]` integers in `1...T`, for a batched input only.
    private static func sequenceLengths<Scalar>(
        _ inputs: [String: ReferenceValue<Scalar>], batch: Int, steps: Int, batched: Bool
    ) throws -> [Int]? {
        guard let value = inputs["lengths"] else { return nil }
        guard case .indices(let lengths) = value, batched else {
            throw ReferenceError.invalidInput(name: "lengths", problem: "must be integers (I64) for a batched input")
        }
        guard lengths.shape == [batch], lengths.indices.allSatisfy({ (1...steps).contains($0) }) else {
            throw ReferenceError.invalidInput(
                name: "lengths", problem: "holds \(lengths.indices) with shape \(lengths.shape), expected \(batch) values in 1...\(steps)")
        }
        return lengths.indices
    }
}
