import GlassboxKernels

extension OpCatalog {
    /// Entries for `rnnLayer` (tanh, ReLU), `lstmLayer`, `gruLayer` (bias or none, forward and
    /// reverse, with and without `lengths`), the `RNN`, `LSTM` and `GRU` modules on sequences of
    /// 20 steps with two bidirectional layers and `lengths` (every parameter checked), the three
    /// cells, second derivatives through each primitive, and weight normalisation. Smooth except ReLU, whose kink the
    /// random pre-activations miss; the default tolerance holds except where noted.
    static var recurrentEntries: [OpCatalogEntry] {
        typealias T = Tensor<Double>
        /// Everything a layer returns, flattened into one tensor.
        func packed(_ parts: [T?]) -> T { T.concat(parts.compactMap { $0?.flattened() }) }
        /// `[x, h0, (c0), W_ih, W_hh, (b_ih, b_hh)]` for one layer direction.
        func layerInputs(_ cell: RecurrentCell, steps: Int, batch: Int, input: Int, hidden: Int, bias: Bool)
            -> (inout RandomGenerator) -> [T]
        {
            { g in
                let gates = cell.gateCount * hidden
                return [T.sample([steps, batch, input], &g), T.sample([batch, hidden], &g)]
                    + (cell.hasCellState ? [T.sample([batch, hidden], &g)] : [])
                    + [T.sample([gates, input], &g, in: -0.6..<0.6), T.sample([gates, hidden], &g, in: -0.6..<0.6)]
                    + (bias ? [T.sample([gates], &g), T.sample([gates], &g)] : [])
            }
        }
        func lstm(_ p: [T], lengths: [Int]? = nil, reverse: Bool = false) -> T {
            let r = lstmLayer(
                p[0], h0: p[1], c0: p[2], weightIH: p[3], weightHH: p[4], biasIH: p.count > 5 ? p[5] : nil,
                biasHH: p.count > 6 ? p[6] : nil, lengths: lengths, reverse: reverse)
            return packed([r.output, r.hN, r.cN])
        }
        func gru(_ p: [T], lengths: [Int]? = nil, reverse: Bool = false) -> T {
            let r = gruLayer(
                p[0], h0: p[1], weightIH: p[2], weightHH: p[3], biasIH: p.count > 4 ? p[4] : nil,
                biasHH: p.count > 5 ? p[5] : nil, lengths: lengths, reverse: reverse)
            return packed([r.output, r.hN])
        }
        func rnn(_ p: [T], _ nonlinearity: RNNNonlinearity, lengths: [Int]? = nil, reverse: Bool = false) -> T {
            let r = rnnLayer(
                p[0], h0: p[1], weightIH: p[2], weightHH: p[3], biasIH: p.count > 4 ? p[4] : nil,
                biasHH: p.count > 5 ? p[5] : nil, nonlinearity: nonlinearity, lengths: lengths, reverse: reverse)
            return packed([r.output, r.hN])
        }
        /// The sum of squared first-order gradients (taken with createGraph inside the function).
        func gradientNorm(_ p: [T], _ f: ([T]) -> T) -> T {
            withGrad {
                let grads = T.gradients(of: f(p).tanh().sum(), withRespectTo: p, createGraph: true)
                return grads.map { $0.squared().sum() }.reduce(T(0), +)
            }
        }
        var generator = RandomGenerator(seed: 11)
        let rnnModule = RNN<Double>(inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, generator: &generator)
        let lstmModule = LSTM<Double>(inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, generator: &generator)
        let gruModule = GRU<Double>(
            inputSize: 2, hiddenSize: 3, numLayers: 2, batchFirst: true, bidirectional: true, generator: &generator)
        let rnnCell = RNNCell<Double>(inputSize: 3, hiddenSize: 4, nonlinearity: .relu, generator: &generator)
        let lstmCell = LSTMCell<Double>(inputSize: 3, hiddenSize: 4, generator: &generator)
        let gruCell = GRUCell<Double>(inputSize: 3, hiddenSize: 4, generator: &generator)
        let weightNormLinear = WeightNorm(Linear<Double>(inFeatures: 3, outFeatures: 2, generator: &generator))
        let lengths20 = [20, 13, 7]
        return [
            .init("rnnLayer/tanh", op: .rnnLayer, inputs: layerInputs(.rnnTanh, steps: 5, batch: 2, input: 3, hidden: 4, bias: true)) {
                rnn($0, .tanh)
            },
            .init("rnnLayer/relu-reverse-lengths-no-bias", op: .rnnLayer, inputs: layerInputs(.rnnRelu, steps: 5, batch: 3, input: 2, hidden: 3, bias: false)) {
                rnn($0, .relu, lengths: [5, 2, 4], reverse: true)
            },
            .init("lstmLayer/lengths", op: .lstmLayer, inputs: layerInputs(.lstm, steps: 5, batch: 3, input: 3, hidden: 4, bias: true)) {
                lstm($0, lengths: [3, 5, 1])
            },
            .init("lstmLayer/reverse-no-bias", op: .lstmLayer, inputs: layerInputs(.lstm, steps: 4, batch: 2, input: 2, hidden: 3, bias: false)) {
                lstm($0, reverse: true)
            },
            .init("gruLayer/bias", op: .gruLayer, inputs: layerInputs(.gru, steps: 5, batch: 2, input: 3, hidden: 4, bias: true)) {
                gru($0)
            },
            .init("gruLayer/reverse-lengths", op: .gruLayer, inputs: layerInputs(.gru, steps: 5, batch: 3, input: 2, hidden: 3, bias: true)) {
                gru($0, lengths: [2, 5, 4], reverse: true)
            },
            // Modules: 20 steps, two bidirectional layers, lengths; every parameter is an input.
            // The checked sum has ~400 terms of size ~1, so the finite differences carry
            // ~10⁻⁹ of rounding: 10⁻⁵ relative on the components near 10⁻³.
            .init("nn.RNN/T20-two-layers-bidirectional-lengths", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([20, 3, 2], &g), T.sample([4, 3, 3], &g)] + rnnModule.parameters
            }) { p in
                let r = rnnModule(p[0], h0: p[1], lengths: lengths20)
                return packed([r.output, r.hN])
            },
            .init("nn.LSTM/T20-two-layers-bidirectional-lengths", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([20, 3, 2], &g), T.sample([4, 3, 3], &g), T.sample([4, 3, 3], &g)] + lstmModule.parameters
            }) { p in
                let r = lstmModule(p[0], state: (p[1], p[2]), lengths: lengths20)
                return packed([r.output, r.hN, r.cN])
            },
            .init("nn.GRU/T20-two-layers-bidirectional-lengths-batchFirst", op: nil, tolerance: 1e-5, inputs: { g in
                [T.sample([3, 20, 2], &g), T.sample([4, 3, 3], &g)] + gruModule.parameters
            }) { p in
                let r = gruModule(p[0], h0: p[1], lengths: lengths20)
                return packed([r.output, r.hN])
            },
            // Cells.
            .init("nn.RNNCell/relu", op: nil, inputs: { g in [T.sample([2, 3], &g), T.sample([2, 4], &g)] + rnnCell.parameters }) {
                rnnCell($0[0], hx: $0[1])
            },
            .init("nn.LSTMCell/module", op: nil, inputs: { g in
                [T.sample([2, 3], &g), T.sample([2, 4], &g), T.sample([2, 4], &g)] + lstmCell.parameters
            }) { p in
                let r = lstmCell(p[0], state: (p[1], p[2]))
                return packed([r.h, r.c])
            },
            .init("nn.GRUCell/unbatched", op: nil, inputs: { g in [T.sample([3], &g), T.sample([4], &g)] + gruCell.parameters }) {
                gruCell($0[0], hx: $0[1])
            },
            // Weight normalisation (composite).
            .init("weightNorm/dim0", op: nil, inputs: { g in [T.sample([3, 4], &g), T.sample([3, 1], &g)] }) {
                weightNorm($0[0], $0[1])
            },
            .init("weightNorm/dim1-3d", op: nil, inputs: { g in [T.sample([2, 3, 2], &g), T.sample([1, 3, 1], &g)] }) {
                weightNorm($0[0], $0[1], dim: 1)
            },
            .init("weightNorm/whole", op: nil, inputs: { g in [T.sample([2, 3], &g), T.sample([1, 1], &g)] }) {
                weightNorm($0[0], $0[1], dim: nil)
            },
            .init("nn.WeightNorm/linear", op: nil, inputs: { g in [T.sample([4, 3], &g)] + weightNormLinear.parameters }) {
                weightNormLinear($0[0]).tanh()
            },
            // Second derivatives: a recorded gradient differentiates the unrolled composite. Sums of squared gradients of size ~1 carry ~10⁻⁸ of rounding in the
            // finite differences: 10⁻⁵ relative on small components.
            .init("rnnLayer/second-order/gradient-norm", op: nil, tolerance: 1e-5, inputs: layerInputs(.rnnTanh, steps: 3, batch: 2, input: 2, hidden: 3, bias: true)) { p in
                gradientNorm(p) { rnn($0, .tanh, lengths: [3, 2]) }
            },
            .init("lstmLayer/second-order/gradient-norm", op: nil, tolerance: 1e-5, inputs: layerInputs(.lstm, steps: 3, batch: 2, input: 2, hidden: 2, bias: true)) { p in
                gradientNorm(p) { lstm($0, lengths: [2, 3], reverse: true) }
            },
            .init("gruLayer/second-order/gradient-norm", op: nil, tolerance: 1e-5, inputs: layerInputs(.gru, steps: 3, batch: 2, input: 2, hidden: 2, bias: true)) { p in
                gradientNorm(p) { gru($0, lengths: [3, 1]) }
            },
        ]
    }
}
