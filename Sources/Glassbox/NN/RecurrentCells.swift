import GlassboxKernels

extension RecurrentWeights {
    /// One step of `cell` on `input` `[B, I]` (or unbatched `[I]`) from `h`, `c` `[B, H]` (or
    /// `[H]`; zeros when nil): the layer primitive on a sequence of length 1.
    func step(
        _ cell: RecurrentCell, module: String, _ input: Tensor<Scalar>, h: Tensor<Scalar>?, c: Tensor<Scalar>?
    ) -> (h: Tensor<Scalar>, c: Tensor<Scalar>?) {
        let inputSize = weightIH.shape[1], hiddenSize = weightHH.shape[1]
        precondition(
            (input.rank == 1 || input.rank == 2) && input.shape.last == inputSize,
            "\(module): input shape \(input.shape), expected [B, \(inputSize)] or [\(inputSize)]")
        let batched = input.rank == 2
        let x = batched ? input : input.unsqueezed(0)
        let shape = [x.shape[0], hiddenSize]
        func state(_ s: Tensor<Scalar>?, _ name: String) -> Tensor<Scalar> {
            guard let s else { return Tensor.zeros(shape) }
            let expected = batched ? shape : [hiddenSize]
            precondition(s.shape == expected, "\(module): \(name) shape \(s.shape), expected \(expected) for input \(input.shape)")
            return batched ? s : s.unsqueezed(0)
        }
        let r = run(
            cell, x.unsqueezed(0), h0: state(h, "h"), c0: cell.hasCellState ? state(c, "c") : nil, lengths: nil, reverse: false)
        return batched ? (r.hN, r.cN) : (r.hN.squeezed(0), r.cN?.squeezed(0))
    }
}

/// An Elman RNN cell, like `torch.nn.RNNCell`: `h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`.
///
/// Parameters: `weight_ih` `[H, I]`, `weight_hh` `[H, H]`, `bias_ih`, `bias_hh` `[H]`, from
/// `U(−1/√H, 1/√H)`. One step of ``rnnLayer(_:h0:weightIH:weightHH:biasIH:biasHH:nonlinearity:lengths:reverse:)``.
public final class RNNCell<Scalar: TensorScalar>: Layer {
    let weights: RecurrentWeights<Scalar>
    /// tanh or ReLU.
    public let nonlinearity: RNNNonlinearity
    /// Whether inter-layer dropout is applied (no effect on this layer).
    public var isTraining = true
    /// `[H, I]`.
    public var weightIH: Tensor<Scalar> { weights.weightIH }
    /// `[H, H]`.
    public var weightHH: Tensor<Scalar> { weights.weightHH }
    /// `[H]`, or nil without bias.
    public var biasIH: Tensor<Scalar>? { weights.biasIH }
    /// `[H]`, or nil without bias.
    public var biasHH: Tensor<Scalar>? { weights.biasHH }

    /// Creates the cell, initialised from `generator`.
    public convenience init(
        inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh, generator: inout RandomGenerator
    ) {
        self.init(
            weights: RecurrentWeights(
                "RNNCell", cell: nonlinearity.cell, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &generator),
            nonlinearity: nonlinearity)
    }

    /// Creates the cell, initialised from the default generator.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh) {
        self.init(
            weights: RandomGenerator.withGlobal {
                RecurrentWeights("RNNCell", cell: nonlinearity.cell, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &$0)
            },
            nonlinearity: nonlinearity)
    }

    init(weights: RecurrentWeights<Scalar>, nonlinearity: RNNNonlinearity) {
        self.weights = weights
        self.nonlinearity = nonlinearity
    }

    /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { weights.named("") }

    /// The new state from a zero state.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { callAsFunction(input, hx: nil) }

    /// The new state `[B, H]` (or `[H]`) from `input` `[B, I]` (or `[I]`) and `hx` (zeros when nil).
    public func callAsFunction(_ input: Tensor<Scalar>, hx: Tensor<Scalar>?) -> Tensor<Scalar> {
        weights.step(nonlinearity.cell, module: "RNNCell", input, h: hx, c: nil).h
    }
}

/// An LSTM cell, like `torch.nn.LSTMCell` (gates i, f, g, o): `c' = f ⊙ c + i ⊙ g`,
/// `h' = o ⊙ tanh(c')`.
///
/// Parameters: `weight_ih` `[4H, I]`, `weight_hh` `[4H, H]`, `bias_ih`, `bias_hh` `[4H]`, from
/// `U(−1/√H, 1/√H)`. One step of ``lstmLayer(_:h0:c0:weightIH:weightHH:biasIH:biasHH:lengths:reverse:)``.
public final class LSTMCell<Scalar: TensorScalar>: Module {
    let weights: RecurrentWeights<Scalar>
    /// Whether inter-layer dropout is applied (no effect on this layer).
    public var isTraining = true
    /// `[4H, I]`.
    public var weightIH: Tensor<Scalar> { weights.weightIH }
    /// `[4H, H]`.
    public var weightHH: Tensor<Scalar> { weights.weightHH }
    /// `[4H]`, or nil without bias.
    public var biasIH: Tensor<Scalar>? { weights.biasIH }
    /// `[4H]`, or nil without bias.
    public var biasHH: Tensor<Scalar>? { weights.biasHH }

    /// Creates the cell, initialised from `generator`.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: inout RandomGenerator) {
        self.init(
            weights: RecurrentWeights("LSTMCell", cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &generator))
    }

    /// Creates the cell, initialised from the default generator.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true) {
        self.init(
            weights: RandomGenerator.withGlobal {
                RecurrentWeights("LSTMCell", cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &$0)
            })
    }

    init(weights: RecurrentWeights<Scalar>) { self.weights = weights }

    /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { weights.named("") }

    /// The new `(h, c)`, each `[B, H]` (or `[H]`), from `input` `[B, I]` (or `[I]`) and `state` (zeros when nil).
    public func callAsFunction(_ input: Tensor<Scalar>, state: (h: Tensor<Scalar>, c: Tensor<Scalar>)?) -> (h: Tensor<Scalar>, c: Tensor<Scalar>) {
        let r = weights.step(.lstm, module: "LSTMCell", input, h: state?.h, c: state?.c)
        return (r.h, r.c!)
    }
}

/// A GRU cell, like `torch.nn.GRUCell` (gates r, z, n):
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
///
/// Parameters: `weight_ih` `[3H, I]`, `weight_hh` `[3H, H]`, `bias_ih`, `bias_hh` `[3H]`, from
/// `U(−1/√H, 1/√H)`. One step of ``gruLayer(_:h0:weightIH:weightHH:biasIH:biasHH:lengths:reverse:)``.
public final class GRUCell<Scalar: TensorScalar>: Layer {
    let weights: RecurrentWeights<Scalar>
    /// Whether inter-layer dropout is applied (no effect on this layer).
    public var isTraining = true
    /// `[3H, I]`.
    public var weightIH: Tensor<Scalar> { weights.weightIH }
    /// `[3H, H]`.
    public var weightHH: Tensor<Scalar> { weights.weightHH }
    /// `[3H]`, or nil without bias.
    public var biasIH: Tensor<Scalar>? { weights.biasIH }
    /// `[3H]`, or nil without bias.
    public var biasHH: Tensor<Scalar>? { weights.biasHH }

    /// Creates the cell, initialised from `generator`.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, generator: inout RandomGenerator) {
        self.init(
            weights: RecurrentWeights("GRUCell", cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &generator))
    }

    /// Creates the cell, initialised from the default generator.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true) {
        self.init(
            weights: RandomGenerator.withGlobal {
                RecurrentWeights("GRUCell", cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, generator: &$0)
            })
    }

    init(weights: RecurrentWeights<Scalar>) { self.weights = weights }

    /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { weights.named("") }

    /// The new state from a zero state.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { callAsFunction(input, hx: nil) }

    /// The new state `[B, H]` (or `[H]`) from `input` `[B, I]` (or `[I]`) and `hx` (zeros when nil).
    public func callAsFunction(_ input: Tensor<Scalar>, hx: Tensor<Scalar>?) -> Tensor<Scalar> {
        weights.step(.gru, module: "GRUCell", input, h: hx, c: nil).h
    }
}
