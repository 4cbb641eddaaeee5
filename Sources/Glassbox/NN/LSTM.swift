import GlassboxKernels

/// A multi-layer long short-term memory network, like `torch.nn.LSTM`.
///
/// Per layer and direction (gates i, f, g, o, PyTorch's order):
/// `i, f, o = σ(·)`, `g = tanh(·)` of the four blocks of `x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh`,
/// `c_t = f ⊙ c_{t−1} + i ⊙ g`, `h_t = o ⊙ tanh(c_t)`. Layer `l > 0` reads the outputs of layer
/// `l − 1` (both directions concatenated), through dropout in training mode.
///
/// Parameters, PyTorch's names and layouts: `weight_ih_l{k}` `[4H, I]` (`[4H, D·H]` for `k > 0`),
/// `weight_hh_l{k}` `[4H, H]`, `bias_ih_l{k}`, `bias_hh_l{k}` `[4H]`, with `_reverse` for the
/// backward direction; all initialised from `U(−1/√H, 1/√H)`. Each direction of each layer is one
/// differentiable primitive on the fused kernels (``lstmLayer(_:h0:c0:weightIH:weightHH:biasIH:biasHH:lengths:reverse:)``).
public final class LSTM<Scalar: TensorScalar>: RecurrentNetwork<Scalar>, Layer {

    /// Creates the network, initialised from `generator`.
    public convenience init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
        bidirectional: Bool = false, generator: inout RandomGenerator
    ) {
        self.init(
            stack: RecurrentStack(
                "LSTM", cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &generator))
    }

    /// Creates the network, initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
        bidirectional: Bool = false
    ) {
        self.init(
            stack: RandomGenerator.withGlobal {
                RecurrentStack(
                    "LSTM", cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                    batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &$0)
            })
    }

    /// The output sequence for zero initial states.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        callAsFunction(input, state: nil).output
    }

    /// Runs the network, like `lstm(input, (h0, c0))`.
    ///
    /// - Parameters:
    ///   - input: `[T, B, I]` (`[B, T, I]` when ``batchFirst``) or unbatched `[T, I]`.
    ///   - state: `(h0, c0)`, each `[numLayers · D, B, H]` (`[numLayers · D, H]` unbatched); zeros when nil.
    ///   - lengths: the valid length of each batch row, in `1...T`, like a packed sequence
    ///     (`pack_padded_sequence(enforce_sorted=False)`): outputs past a row's length are zero,
    ///     `hN`/`cN` are the states after its last valid step, and the backward direction
    ///     starts at that step.
    /// - Returns: `output` `[T, B, D·H]` (batch first when ``batchFirst``), `hN` and `cN`
    ///   `[numLayers · D, B, H]`.
    public func callAsFunction(_ input: Tensor<Scalar>, state: (h0: Tensor<Scalar>, c0: Tensor<Scalar>)?, lengths: [Int]? = nil)
        -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>)
    {
        let r = run(input, h0: state?.h0, c0: state?.c0, lengths: lengths)
        return (r.output, r.hN, r.cN!)
    }
}
