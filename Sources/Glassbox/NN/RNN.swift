import GlassboxKernels

/// A multi-layer Elman RNN, like `torch.nn.RNN`.
///
/// Per layer and direction: `h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)` with `act`
/// tanh or ReLU (``nonlinearity``). Layer `l > 0` reads the outputs of layer
/// `l − 1` (both directions concatenated), through dropout in training mode.
///
/// Parameters, PyTorch's names and layouts: `weight_ih_l{k}` `[H, I]` (`[H, D·H]` for `k > 0`),
/// `weight_hh_l{k}` `[H, H]`, `bias_ih_l{k}`, `bias_hh_l{k}` `[H]`, with `_reverse` for the
/// backward direction; all initialised from `U(−1/√H, 1/√H)`. Each direction of each layer is one
/// differentiable primitive on the fused kernels (``rnnLayer(_:h0:weightIH:weightHH:biasIH:biasHH:nonlinearity:lengths:reverse:)``).
public final class RNN<Scalar: TensorScalar>: RecurrentNetwork<Scalar>, Layer {
    /// tanh or ReLU.
    public var nonlinearity: RNNNonlinearity { stack.cell == .rnnRelu ? .relu : .tanh }

    /// Creates the network, initialised from `generator`.
    public convenience init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
        bidirectional: Bool = false, generator: inout RandomGenerator
    ) {
        self.init(
            stack: RecurrentStack(
                "RNN", cell: nonlinearity.cell, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &generator))
    }

    /// Creates the network, initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(
        inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh, bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0,
        bidirectional: Bool = false
    ) {
        self.init(
            stack: RandomGenerator.withGlobal {
                RecurrentStack(
                    "RNN", cell: nonlinearity.cell, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                    batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: &$0)
            })
    }

    /// The output sequence for a zero initial state.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        callAsFunction(input, h0: nil).output
    }

    /// Runs the network, like `rnn(input, h0)`.
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
