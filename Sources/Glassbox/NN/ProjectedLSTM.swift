import GlassboxKernels

/// `torch.nn.LSTM` with `proj_size = P > 0`: each layer's hidden state is projected,
/// `h_t = W_hr·(o_t ⊙ tanh(c_t))`, so `h` (and the output) has `P` features while the cell state
/// keeps `H`.
///
/// Per layer and direction (gates i, f, g, o, PyTorch's order): the four blocks of
/// `x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh` give `i, f, o = σ(·)`, `g = tanh(·)`;
/// `c_t = f ⊙ c_{t−1} + i ⊙ g`; `h_t = (o ⊙ tanh(c_t))·W_hrᵀ`. Layer `l > 0` reads the outputs of
/// layer `l − 1` (both directions concatenated, `D·P` features). Parameters (PyTorch's names and
/// layouts): `weight_ih_l{k}` `[4H, I]` (`[4H, D·P]` for `k > 0`), `weight_hh_l{k}` `[4H, P]`,
/// `bias_ih_l{k}`, `bias_hh_l{k}` `[4H]`, `weight_hr_l{k}` `[P, H]`, `_reverse` for the backward
/// direction; all from `U(−1/√H, 1/√H)`. States: `h0`/`h_n` `[L·D, B, P]`, `c0`/`c_n`
/// `[L·D, B, H]`.
///
/// Each step is composed of differentiable tensor ops (GEMMs, `sigmoid`, `tanh`, slicing), so
/// the backward through time — and higher orders — follows from those ops. It is the plain,
/// step-by-step form (``LSTM`` runs the fused kernels); inter-layer dropout is not applied
/// (evaluation mode, or `dropout = 0`).
public final class ProjectedLSTM<Scalar: TensorScalar>: Layer {
    /// Features per input step.
    public let inputSize: Int
    /// Hidden units `H` (the cell state's size).
    public let hiddenSize: Int
    /// The projected size `P` of `h` and of the output.
    public let projSize: Int
    /// Stacked layers.
    public let numLayers: Int
    /// Whether inputs and outputs are `[B, T, ·]`.
    public let batchFirst: Bool
    /// Whether each layer also runs backward in time (`D = 2`).
    public let bidirectional: Bool
    /// The parameters by PyTorch name, in PyTorch's order.
    public let weights: [(name: String, tensor: Tensor<Scalar>)]
    /// Training mode (no effect: no dropout).
    public var isTraining = true

    /// Creates the network, initialised from `generator` (`U(−1/√H, 1/√H)`).
    public init(
        inputSize: Int, hiddenSize: Int, projSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
        bidirectional: Bool = false, generator: inout RandomGenerator
    ) {
        precondition(inputSize > 0 && hiddenSize > 0 && numLayers > 0, "ProjectedLSTM: sizes must be positive")
        precondition(projSize > 0 && projSize < hiddenSize, "ProjectedLSTM: projSize \(projSize) must be in 1..<hiddenSize (\(hiddenSize))")
        (self.inputSize, self.hiddenSize, self.projSize, self.numLayers) = (inputSize, hiddenSize, projSize, numLayers)
        (self.batchFirst, self.bidirectional) = (batchFirst, bidirectional)
        let bound = 1 / Scalar(hiddenSize).squareRoot()
        var weights: [(name: String, tensor: Tensor<Scalar>)] = []
        let directions = bidirectional ? 2 : 1
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let input = layer == 0 ? inputSize : projSize * directions
                var shapes: [(String, [Int])] = [("weight_ih", [4 * hiddenSize, input]), ("weight_hh", [4 * hiddenSize, projSize])]
                if bias { shapes += [("bias_ih", [4 * hiddenSize]), ("bias_hh", [4 * hiddenSize])] }
                shapes.append(("weight_hr", [projSize, hiddenSize]))
                for (name, shape) in shapes {
                    let t = Tensor<Scalar>.uniform(shape, low: -bound, high: bound, generator: &generator)
                    t.requiresGrad = true
                    weights.append((name + suffix, t))
                }
            }
        }
        self.weights = weights
    }

    /// The parameters.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { weights }

    /// The output sequence from zero states.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { run(input).output }

    /// Runs the network on `input` (`[T, B, I]`, `[B, T, I]` with `batchFirst`, or unbatched
    /// `[T, I]`) from `h0` `[L·D, B, P]` and `c0` `[L·D, B, H]` (zeros when nil; unbatched
    /// without `B`): the output `[T, B, D·P]` (batch-first or unbatched likewise), `h_n`, `c_n`.
    public func run(_ input: Tensor<Scalar>, h0: Tensor<Scalar>? = nil, c0: Tensor<Scalar>? = nil)
        -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>)
    {
        let batched = input.rank == 3
        precondition((batched || input.rank == 2) && input.shape.last == inputSize, "ProjectedLSTM: input shape \(input.shape)")
        // Time-major [T, B, I].
        var x = batched ? (batchFirst ? input.transposed(0, 1) : input) : input.unsqueezed(1)
        let (steps, batch) = (x.shape[0], x.shape[1])
        let directions = bidirectional ? 2 : 1
        let states = numLayers * directions
        let h0 = h0.map { batched ? $0 : $0.unsqueezed(1) } ?? Tensor.zeros([states, batch, projSize])
        let c0 = c0.map { batched ? $0 : $0.unsqueezed(1) } ?? Tensor.zeros([states, batch, hiddenSize])
        precondition(h0.shape == [states, batch, projSize] && c0.shape == [states, batch, hiddenSize], "ProjectedLSTM: state shapes")
        let byName = Dictionary(uniqueKeysWithValues: weights.map { ($0.name, $0.tensor) })
        var hN: [Tensor<Scalar>] = [], cN: [Tensor<Scalar>] = []
        for layer in 0..<numLayers {
            var outputs: [Tensor<Scalar>] = []
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let (wih, whh, whr) = (byName["weight_ih" + suffix]!, byName["weight_hh" + suffix]!, byName["weight_hr" + suffix]!)
                let (bih, bhh) = (byName["bias_ih" + suffix], byName["bias_hh" + suffix])
                let state = layer * directions + direction
                var h = h0.sliced(dim: 0, state..<(state + 1)).squeezed(0)
                var c = c0.sliced(dim: 0, state..<(state + 1)).squeezed(0)
                var ys = [Tensor<Scalar>?](repeating: nil, count: steps)
                for s in 0..<steps {
                    let t = direction == 0 ? s : steps - 1 - s
                    var gates = linear(x.sliced(dim: 0, t..<(t + 1)).squeezed(0), weight: wih, bias: bih) + linear(h, weight: whh, bias: bhh)
                    gates = gates.reshaped([batch, 4 * hiddenSize])
                    let parts = gates.chunked(4, dim: 1)
                    let (i, f, g, o) = (parts[0].sigmoid(), parts[1].sigmoid(), parts[2].tanh(), parts[3].sigmoid())
                    c = f * c + i * g
                    h = linear(o * c.tanh(), weight: whr)
                    ys[t] = h
                }
                outputs.append(Tensor.stack(ys.map { $0! }, dim: 0))
                hN.append(h)
                cN.append(c)
            }
            x = directions == 1 ? outputs[0] : Tensor.concat(outputs, dim: 2)
        }
        var output = x
        var h = Tensor.stack(hN, dim: 0), c = Tensor.stack(cN, dim: 0)
        if batched {
            if batchFirst { output = output.transposed(0, 1) }
        } else {
            output = output.squeezed(1)
            h = h.squeezed(1)
            c = c.squeezed(1)
        }
        return (output, h, c)
    }
}
