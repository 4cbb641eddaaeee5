import Glassbox
import Testing

/// The largest |a − b| / max(1, |b|) over two equally long arrays.
private func maxError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count, "maxError: \(a.count) vs \(b.count) elements")
    return zip(a, b).reduce(0) { Swift.max($0, Swift.abs(Double($1.0) - Double($1.1)) / Swift.max(1, Swift.abs(Double($1.1)))) }
}

/// Builds the layer for `cell` (a name: rnnTanh, rnnRelu, lstm, gru) as a closure giving
/// output, h_n (and c_n) flattened into one list, with the parameters.
private func recurrentModel<Scalar: TensorScalar>(
    _ cell: RecurrentCell, inputSize: Int, hiddenSize: Int, numLayers: Int, bidirectional: Bool, batchFirst: Bool = false,
    generator: inout RandomGenerator
) -> (module: any Module<Scalar>, run: (Tensor<Scalar>, [Int]?) -> [Tensor<Scalar>]) {
    switch cell {
    case .rnnTanh, .rnnRelu:
        let m = RNN<Scalar>(
            inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, nonlinearity: cell == .rnnTanh ? .tanh : .relu,
            batchFirst: batchFirst, bidirectional: bidirectional, generator: &generator)
        return (m, { x, lengths in let r = m(x, h0: nil, lengths: lengths); return [r.output, r.hN] })
    case .lstm:
        let m = LSTM<Scalar>(
            inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: batchFirst,
            bidirectional: bidirectional, generator: &generator)
        return (m, { x, lengths in let r = m(x, state: nil, lengths: lengths); return [r.output, r.hN, r.cN] })
    case .gru:
        let m = GRU<Scalar>(
            inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: batchFirst,
            bidirectional: bidirectional, generator: &generator)
        return (m, { x, lengths in let r = m(x, h0: nil, lengths: lengths); return [r.output, r.hN] })
    }
}

/// Output values and the gradients of input and parameters for a fixed random output gradient.
private func forwardBackward<Scalar: TensorScalar>(
    _ model: (module: any Module<Scalar>, run: (Tensor<Scalar>, [Int]?) -> [Tensor<Scalar>]), _ x: Tensor<Scalar>, lengths: [Int]?
) -> [[Scalar]] {
    let outputs = model.run(x, lengths)
    var g = RandomGenerator(seed: 99)
    let loss = outputs.map { ($0 * Tensor<Scalar>.randn($0.shape, generator: &g)).sum() }.reduce(Tensor(0), +)
    let parameters = model.module.parameters
    let grads = Tensor.gradients(of: loss, withRespectTo: [x] + parameters)
    return outputs.map(\.scalars) + grads.map(\.scalars)
}

@Suite("Recurrent layers")
struct RecurrentTests {
    @Test("PyTorch parameter names, shapes, order and initialisation range")
    func parameterNames() {
        var g = RandomGenerator(seed: 1)
        let lstm = LSTM<Float>(inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, generator: &g)
        let names = lstm.namedParameters().map(\.name)
        #expect(names.prefix(8) == [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
        ])
        #expect(names.count == 16 && names[8] == "weight_ih_l1" && names[15] == "bias_hh_l1_reverse")
        let shapes = Dictionary(uniqueKeysWithValues: lstm.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["weight_ih_l0"] == [16, 3] && shapes["weight_hh_l0"] == [16, 4] && shapes["weight_ih_l1"] == [16, 8])
        #expect(lstm.parameters.allSatisfy { $0.scalars.allSatisfy { Swift.abs($0) <= 0.5 } })
        let gru = GRU<Float>(inputSize: 2, hiddenSize: 5, bias: false, generator: &g)
        #expect(gru.namedParameters().map(\.name) == ["weight_ih_l0", "weight_hh_l0"])
        #expect(gru.parameters.map(\.shape) == [[15, 2], [15, 5]])
        let rnn = RNN<Float>(inputSize: 2, hiddenSize: 3, nonlinearity: .relu, generator: &g)
        #expect(rnn.parameters.map(\.shape) == [[3, 2], [3, 3], [3], [3]])
        let cell = LSTMCell<Float>(inputSize: 2, hiddenSize: 3, generator: &g)
        #expect(cell.namedParameters().map(\.name) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(GRUCell<Float>(inputSize: 2, hiddenSize: 3, generator: &g).parameters.map(\.shape) == [[9, 2], [9, 3], [9], [9]])
        #expect(RNNCell<Float>(inputSize: 2, hiddenSize: 3, bias: false, generator: &g).parameters.map(\.shape) == [[3, 2], [3, 3]])
    }

    @Test("Float (SIMD gates) agrees with Double (libm) for every cell, two bidirectional layers, lengths",
          arguments: RecurrentCell.allCases)
    func floatMatchesDouble(cell: RecurrentCell) throws {
        // Hidden size 19: full SIMD vectors and a partial one.
        var g = RandomGenerator(seed: 5)
        let double: (module: any Module<Double>, run: (Tensor<Double>, [Int]?) -> [Tensor<Double>]) = recurrentModel(
            cell, inputSize: 5, hiddenSize: 19, numLayers: 2, bidirectional: true, generator: &g)
        var h = RandomGenerator(seed: 6)
        let float: (module: any Module<Float>, run: (Tensor<Float>, [Int]?) -> [Tensor<Float>]) = recurrentModel(
            cell, inputSize: 5, hiddenSize: 19, numLayers: 2, bidirectional: true, generator: &h)
        try float.module.loadStateDict(Dictionary(uniqueKeysWithValues: double.module.stateDict().map { ($0.name, $0.tensor.converted(to: Float.self)) }))
        let x = Tensor<Double>.randn([6, 3, 5], generator: &g, requiresGrad: true)
        let xf = x.converted(to: Float.self)
        xf.requiresGrad = true
        let lengths = [6, 2, 4]
        let a = forwardBackward(float, xf, lengths: lengths), b = forwardBackward(double, x, lengths: lengths)
        for (i, (fa, db)) in zip(a, b).enumerated() {
            #expect(maxError(fa, db) < 2e-5, "\(cell) part \(i)")
        }
    }

    @Test("lengths: each row computes what its own truncated sequence does; padded outputs are zero")
    func lengthsMatchTruncatedSequences() {
        var g = RandomGenerator(seed: 7)
        let lstm = LSTM<Double>(inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, generator: &g)
        let x = Tensor<Double>.randn([5, 2, 2], generator: &g)
        let packed = lstm(x, state: nil, lengths: [5, 2])
        let alone = lstm(x.sliced(dim: 0, 0..<2).sliced(dim: 1, 1..<2), state: nil)
        let row1 = packed.output.sliced(dim: 1, 1..<2)
        #expect(maxError(row1.sliced(dim: 0, 0..<2).scalars, alone.output.scalars) < 1e-14)
        #expect(row1.sliced(dim: 0, 2..<5).scalars.allSatisfy { $0 == 0 })
        #expect(maxError(packed.hN.sliced(dim: 1, 1..<2).scalars, alone.hN.scalars) < 1e-14)
        #expect(maxError(packed.cN.sliced(dim: 1, 1..<2).scalars, alone.cN.scalars) < 1e-14)
        let full = lstm(x.sliced(dim: 1, 0..<1), state: nil)
        #expect(maxError(packed.output.sliced(dim: 1, 0..<1).scalars, full.output.scalars) < 1e-14)
    }

    @Test("batchFirst is the time-major computation transposed; unbatched input is a batch of one")
    func layouts() throws {
        var g = RandomGenerator(seed: 8)
        let timeMajor = GRU<Double>(inputSize: 3, hiddenSize: 4, bidirectional: true, generator: &g)
        let batchFirst = GRU<Double>(inputSize: 3, hiddenSize: 4, batchFirst: true, bidirectional: true, generator: &g)
        try batchFirst.loadStateDict(Dictionary(uniqueKeysWithValues: timeMajor.stateDict().map { ($0.name, $0.tensor) }))
        let x = Tensor<Double>.randn([4, 2, 3], generator: &g)
        let a = timeMajor(x, h0: nil), b = batchFirst(x.permuted([1, 0, 2]), h0: nil)
        #expect(b.output.permuted([1, 0, 2]).scalars == a.output.scalars)
        #expect(b.hN.scalars == a.hN.scalars)
        let unbatched = timeMajor(x.sliced(dim: 1, 0..<1).squeezed(1), h0: nil)
        #expect(unbatched.output.shape == [4, 8] && unbatched.hN.shape == [2, 4])
        #expect(unbatched.output.scalars == timeMajor(x.sliced(dim: 1, 0..<1), h0: nil).output.scalars)
    }

    @Test("cells compute one step of the layer with the same weights")
    func cellsMatchLayers() throws {
        var g = RandomGenerator(seed: 9)
        let x = Tensor<Double>.randn([3, 4], generator: &g)
        let h = Tensor<Double>.randn([3, 5], generator: &g), c = Tensor<Double>.randn([3, 5], generator: &g)
        func layerWeights<M: Module>(_ m: M) -> [String: Tensor<Double>] where M.Scalar == Double {
            Dictionary(uniqueKeysWithValues: m.stateDict().map { ($0.name + "_l0", $0.tensor) })
        }
        let lstmCell = LSTMCell<Double>(inputSize: 4, hiddenSize: 5, generator: &g)
        let lstm = LSTM<Double>(inputSize: 4, hiddenSize: 5, generator: &g)
        try lstm.loadStateDict(layerWeights(lstmCell))
        let a = lstmCell(x, state: (h, c)), b = lstm(x.unsqueezed(0), state: (h.unsqueezed(0), c.unsqueezed(0)))
        #expect(a.h.scalars == b.hN.scalars && a.c.scalars == b.cN.scalars)
        let gruCell = GRUCell<Double>(inputSize: 4, hiddenSize: 5, generator: &g)
        let gru = GRU<Double>(inputSize: 4, hiddenSize: 5, generator: &g)
        try gru.loadStateDict(layerWeights(gruCell))
        #expect(gruCell(x, hx: h).scalars == gru(x.unsqueezed(0), h0: h.unsqueezed(0)).hN.scalars)
        let rnnCell = RNNCell<Double>(inputSize: 4, hiddenSize: 5, nonlinearity: .relu, generator: &g)
        let rnn = RNN<Double>(inputSize: 4, hiddenSize: 5, nonlinearity: .relu, generator: &g)
        try rnn.loadStateDict(layerWeights(rnnCell))
        #expect(rnnCell(x, hx: h).scalars == rnn(x.unsqueezed(0), h0: h.unsqueezed(0)).hN.scalars)
        #expect(rnnCell(x[0]).shape == [5])
    }

    @Test("inter-layer dropout acts in training mode only")
    func dropoutInTrainingOnly() throws {
        var g = RandomGenerator(seed: 10)
        let lstm = LSTM<Double>(inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, generator: &g)
        lstm.generator = RandomGenerator(seed: 11)
        let plain = LSTM<Double>(inputSize: 3, hiddenSize: 4, numLayers: 2, generator: &g)
        try plain.loadStateDict(Dictionary(uniqueKeysWithValues: lstm.stateDict().map { ($0.name, $0.tensor) }))
        let x = Tensor<Double>.randn([4, 2, 3], generator: &g)
        #expect(lstm(x).scalars != plain(x).scalars)
        lstm.eval()
        #expect(lstm(x).scalars == plain(x).scalars)
    }

    @Test("clipping: an RNN whose gradients explode dies unclipped and trains when clipped")
    func clippingRescuesExplodingGradients() {
        /// 30 SGD steps on a 20-step ReLU RNN whose recurrent weight is 1.3·I (gradients grow
        /// ~1.3²⁰ ≈ 190× through time); the losses and the first gradient norm.
        func train(clip: Bool) -> (losses: [Double], norm: Double) {
            var g = RandomGenerator(seed: 14)
            let rnn = RNN<Double>(inputSize: 2, hiddenSize: 4, nonlinearity: .relu, generator: &g)
            let parameters = Dictionary(uniqueKeysWithValues: rnn.namedParameters().map { ($0.name, $0.tensor) })
            parameters["weight_hh_l0"]!.assign(Tensor.eye(4) * 1.3)
            parameters["weight_ih_l0"]!.assign(parameters["weight_ih_l0"]!.abs())
            let x = Tensor<Double>.uniform([20, 8, 2], low: 0, high: 0.2, generator: &g)
            let target = Tensor<Double>.ones([1, 8, 4])
            let optimizer = SGD(rnn.parameters, lr: 0.05)
            var losses: [Double] = [], norm = 0.0
            for step in 0..<30 {
                optimizer.zeroGrad()
                let loss = mseLoss(rnn(x, h0: nil).hN, target)
                losses.append(loss.item)
                loss.backward()
                let total = clip ? clipGradNorm(rnn.parameters, maxNorm: 1) : clipGradNorm(rnn.parameters, maxNorm: .infinity)
                if step == 0 { norm = total }
                optimizer.step()
            }
            return (losses, norm)
        }
        let unclipped = train(clip: false), clipped = train(clip: true)
        // Unclipped, the first step (gradient norm ~10⁶) throws every ReLU unit into its dead
        // region: the state is zero from then on and the loss never moves again.
        let stuck = unclipped.losses.dropFirst().allSatisfy { $0 == unclipped.losses[1] }
        let finite = clipped.losses.allSatisfy { $0.isFinite }
        #expect(unclipped.norm > 1e5)
        #expect(stuck)
        #expect(finite)
        #expect(clipped.losses[29] < 1e-4 * clipped.losses[0])
        #expect(clipped.losses[29] < unclipped.losses[29])
    }

    @Test("weight norm: starts as the wrapped layer, PyTorch names, w = g·v/‖v‖")
    func weightNormWrapper() {
        var g = RandomGenerator(seed: 12)
        let linear = Linear<Double>(inFeatures: 3, outFeatures: 2, generator: &g)
        let wrapped = WeightNorm(linear)
        #expect(wrapped.namedParameters().map(\.name) == [
            "bias", "parametrizations.weight.original0", "parametrizations.weight.original1",
        ])
        #expect(wrapped.g.shape == [2, 1])
        let x = Tensor<Double>.randn([4, 3], generator: &g)
        #expect(maxError(wrapped(x).scalars, linear(x).scalars) < 1e-14)
        wrapped.g.withUnsafeMutableBufferPointer { $0[0] = 2 }
        let row = wrapped.weight.scalars.prefix(3)
        #expect(Swift.abs(row.reduce(0) { $0 + $1 * $1 }.squareRoot() - 2) < 1e-14)
    }
}

/// Forward + backward of every recurrence bitwise identical for 1, 2, 3 and 4 threads.
@Suite("Recurrent determinism across thread counts", .serialized)
struct RecurrentDeterminismTests {
    #if DEBUG
    static let hidden = 21, batch = 8, steps = 5
    #else
    static let hidden = 160, batch = 64, steps = 9  // above the fused passes' and column sums' threading thresholds
    #endif

    @Test("two bidirectional layers with lengths", arguments: RecurrentCell.allCases)
    func threads(cell: RecurrentCell) {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var runs: [[[Float]]] = []
        for threads in 1...4 {
            Threading.threadCount = threads
            var g = RandomGenerator(seed: 13)
            let model: (module: any Module<Float>, run: (Tensor<Float>, [Int]?) -> [Tensor<Float>]) = recurrentModel(
                cell, inputSize: 7, hiddenSize: Self.hidden, numLayers: 2, bidirectional: true, generator: &g)
            let x = Tensor<Float>.randn([Self.steps, Self.batch, 7], generator: &g, requiresGrad: true)
            let lengths = (0..<Self.batch).map { Self.steps - $0 % Self.steps }
            runs.append(forwardBackward(model, x, lengths: lengths))
        }
        #expect(runs.allSatisfy { $0 == runs[0] })
    }
}
