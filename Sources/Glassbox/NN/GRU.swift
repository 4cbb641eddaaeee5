import GlassboxKernels

/// A multi-layer gated recurrent unit network, like `torch.nn.GRU`.
///
/// Per layer and direction (gates r, z, n, PyTorch's order): `r, z = σ(·)` of the first two
/// blocks of `x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh`,
/// `n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t−1} + b_hn))`, `h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}`. Layer `l > 0` reads the outputs of layer
/// `l − 1` (both directions concatenated), through dropout in training mode.
///
/// Parameters, PyTorch's names and layouts: `weight_ih_l{k}` `[3H, I]` (`[3H, D·H]` for `k > 0`),
/// `weight_hh_l{k}` `[3H, H]`, `bias_ih_l{k}`, `bias_hh_l{k}` `[3H]`, with `_reverse` for the
/// backward direction; all initialised from `U(−1/√H, 1/√H)`. Each direction of each layer is one
/// differentiable primitive on the fused kernels (``gruLayer(_:h0:weightIH:weightHH:biasIH:biasHH:lengths:reverse:)``).
public final class GRU<Scalar: TensorScalar>: RecurrentNetwork<Scalar>, Layer {

    /// Creates the network, initialised from `generator`.
    public convenience init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
        bidirectional: Bool = false, generator: inout RandomGenerator
    ) {
        self.init(
            stack: RecurrentStack(
                "GRU", cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
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
                    "GRU", cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                    batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &$0)
            })
    }

    /// The output sequence for a zero initial state.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        callAsFunction(input, h0: nil).output
    }

    /// Runs the network, like `gru(input, h0)`.
    ///
    /// - Parameters:
    ///   - input: `[T, B, I]` (`[B, T, I]` when ``batchFirst``) or unbatched `[T, I]`.
    ///   - h0: `[numLayers · D, B, H]` (`[numLayers · D, H]` unbatched); zeros when nil.
    ///   - lengths: the valid length of each batch row, in `1...T`, as for ``LSTM``.
    /// - Returns: `output` `[T, B, D·H]` (batch first when ``batchFirst``) and `hN` `[numLayers · D, B, H]`.
    public func callAsFunction(_ input: Tensor<Scalar>, h0: Tensor<Scalar>?, lengths: [Int]? = nil)
        -> (output: Tensor<Scalar>, hN: Tensor<Scalar>)
    {
        let r = run(input, h0: h0, c0: nil, lengths: lengths)
        return (r.output, r.hN)
    }
}
