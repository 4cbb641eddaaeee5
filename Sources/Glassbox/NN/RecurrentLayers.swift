import GlassboxKernels

/// The weights of one direction of one recurrent layer (or of a cell): `W_ih` `[G·H, I]`,
/// `W_hh` `[G·H, H]`, `b_ih`, `b_hh` `[G·H]`, with PyTorch's initialisation
/// `U(−1/√H, 1/√H)` for all four, drawn in that order.
struct RecurrentWeights<Scalar: TensorScalar> {
    let weightIH: Tensor<Scalar>, weightHH: Tensor<Scalar>
    let biasIH: Tensor<Scalar>?, biasHH: Tensor<Scalar>?

    init(_ module: String, cell: RecurrentCell, inputSize: Int, hiddenSize: Int, bias: Bool, generator: inout RandomGenerator) {
        precondition(inputSize >= 0 && hiddenSize > 0, "\(module): inputSize \(inputSize) must be ≥ 0 and hiddenSize \(hiddenSize) > 0")
        let bound = hiddenSize > 0 ? 1 / Scalar(hiddenSize).squareRoot() : 0
        let gates = cell.gateCount * hiddenSize
        func draw(_ shape: [Int]) -> Tensor<Scalar> {
            Tensor.uniform(shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
        }
        weightIH = draw([gates, inputSize])
        weightHH = draw([gates, hiddenSize])
        biasIH = bias ? draw([gates]) : nil
        biasHH = bias ? draw([gates]) : nil
    }

    /// PyTorch's names with `suffix` (`"_l0"`, `"_l1_reverse"`, or `""` for a cell).
    func named(_ suffix: String) -> [(name: String, tensor: Tensor<Scalar>)] {
        [("weight_ih" + suffix, weightIH), ("weight_hh" + suffix, weightHH)]
            + (biasIH.map { [("bias_ih" + suffix, $0)] } ?? []) + (biasHH.map { [("bias_hh" + suffix, $0)] } ?? [])
    }

    /// One direction over a time-major `[T, B, I]` input.
    func run(
        _ cell: RecurrentCell, _ x: Tensor<Scalar>, h0: Tensor<Scalar>, c0: Tensor<Scalar>?, lengths: [Int]?, reverse: Bool
    ) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>?) {
        recurrentLayer(
            cell, x, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
            lengths: lengths, reverse: reverse)
    }
}

/// The multi-layer, optionally bidirectional stack behind ``RNN``, ``LSTM`` and ``GRU``.
final class RecurrentStack<Scalar: TensorScalar> {
    let module: String
    let cell: RecurrentCell
    let inputSize: Int, hiddenSize: Int, numLayers: Int
    let bias: Bool, batchFirst: Bool, dropout: Double, bidirectional: Bool
    /// `layers[layer · directions + direction]`.
    let layers: [RecurrentWeights<Scalar>]

    var directions: Int { bidirectional ? 2 : 1 }

    init(
        _ module: String, cell: RecurrentCell, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
        dropout: Double, bidirectional: Bool, generator: inout RandomGenerator
    ) {
        precondition(numLayers > 0, "\(module): numLayers \(numLayers) must be > 0")
        precondition(dropout >= 0 && dropout <= 1, "\(module): dropout \(dropout) outside [0, 1]")
        self.module = module
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
        var layers: [RecurrentWeights<Scalar>] = []
        for layer in 0..<numLayers {
            for _ in 0..<(bidirectional ? 2 : 1) {
                let size = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
                layers.append(RecurrentWeights(module, cell: cell, inputSize: size, hiddenSize: hiddenSize, bias: bias, generator: &generator))
            }
        }
        self.layers = layers
    }

    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then `…_l0_reverse`, then layer 1…
    var namedParameters: [(name: String, tensor: Tensor<Scalar>)] {
        layers.enumerated().flatMap { i, w in
            w.named("_l\(i / directions)" + (i % directions == 1 ? "_reverse" : ""))
        }
    }

    /// Runs the stack: `input` `[T, B, I]` (`[B, T, I]` when `batchFirst`) or unbatched
    /// `[T, I]`; `h0`, `c0` `[layers · directions, B, H]` (or `[layers · directions, H]`).
    func run(
        _ input: Tensor<Scalar>, h0: Tensor<Scalar>?, c0: Tensor<Scalar>?, lengths: [Int]?, training: Bool,
        generator: inout RandomGenerator?
    ) -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>?) {
        precondition(
            (input.rank == 2 || input.rank == 3) && input.shape.last == inputSize,
            "\(module): input shape \(input.shape), expected [\(batchFirst ? "B, T" : "T, B"), \(inputSize)] or [T, \(inputSize)]")
        let batched = input.rank == 3
        var x = batched ? (batchFirst ? input.permuted([1, 0, 2]) : input) : input.unsqueezed(1)
        let batch = x.shape[1]
        let stateShape = [numLayers * directions, batch, hiddenSize]
        func state(_ s: Tensor<Scalar>?, _ name: String) -> Tensor<Scalar> {
            guard let s else { return Tensor.zeros(stateShape) }
            let expected = batched ? stateShape : [stateShape[0], hiddenSize]
            precondition(s.shape == expected, "\(module): \(name) shape \(s.shape), expected \(expected) for input \(input.shape)")
            return batched ? s : s.unsqueezed(1)
        }
        let h0 = state(h0, "h0")
        let c0 = cell.hasCellState ? state(c0, "c0") : nil
        if !batched { precondition(lengths == nil, "\(module): lengths need a batched input, got \(input.shape)") }
        var hN: [Tensor<Scalar>] = [], cN: [Tensor<Scalar>] = []
        for layer in 0..<numLayers {
            var outputs: [Tensor<Scalar>] = []
            for direction in 0..<directions {
                let i = layer * directions + direction
                let r = layers[i].run(cell, x, h0: h0[i], c0: c0?[i], lengths: lengths, reverse: direction == 1)
                outputs.append(r.output)
                hN.append(r.hN)
                if let c = r.cN { cN.append(c) }
            }
            x = outputs.count == 1 ? outputs[0] : Tensor.concat(outputs, dim: 2)
            if layer < numLayers - 1 && training && dropout > 0 {
                if var g = generator {
                    x = Glassbox.dropout(x, p: dropout, training: true, generator: &g)
                    generator = g
                } else {
                    x = Glassbox.dropout(x, p: dropout, training: true)
                }
            }
        }
        var h = Tensor.stack(hN, dim: 0), c = cN.isEmpty ? nil : Tensor.stack(cN, dim: 0)
        if !batched {
            x = x.squeezed(1)
            h = h.squeezed(1)
            c = c?.squeezed(1)
        } else if batchFirst {
            x = x.permuted([1, 0, 2])
        }
        return (x, h, c)
    }
}
