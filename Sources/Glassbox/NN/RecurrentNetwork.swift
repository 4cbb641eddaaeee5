/// What ``RNN``, ``LSTM`` and ``GRU`` share (PyTorch's `RNNBase`): the stack of layers and
/// directions with its parameters, the sizes it was built with, the inter-layer dropout's random
/// stream and the training mode. Each subclass adds its initialisers and its forward pass.
public class RecurrentNetwork<Scalar: TensorScalar> {
    let stack: RecurrentStack<Scalar>
    /// Features per input step.
    public var inputSize: Int { stack.inputSize }
    /// Hidden units `H`.
    public var hiddenSize: Int { stack.hiddenSize }
    /// Stacked layers.
    public var numLayers: Int { stack.numLayers }
    /// Whether the layers have biases.
    public var bias: Bool { stack.bias }
    /// Whether inputs and outputs are `[B, T, ·]` (the states stay `[layers · D, B, H]`).
    public var batchFirst: Bool { stack.batchFirst }
    /// The dropout probability on the outputs of every layer but the last (training mode only).
    public var dropout: Double { stack.dropout }
    /// Whether each layer also runs backward in time (`D = 2`).
    public var bidirectional: Bool { stack.bidirectional }
    /// The inter-layer dropout's own random stream, or `nil` for the default generator.
    public var generator: RandomGenerator?
    /// Whether inter-layer dropout is applied.
    public var isTraining = true

    init(stack: RecurrentStack<Scalar>) { self.stack = stack }

    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_l0_reverse`, then the next layer.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { stack.namedParameters }

    /// Runs every layer and direction from the initial states (zeros when nil) in the current mode.
    func run(_ input: Tensor<Scalar>, h0: Tensor<Scalar>?, c0: Tensor<Scalar>?, lengths: [Int]?)
        -> (output: Tensor<Scalar>, hN: Tensor<Scalar>, cN: Tensor<Scalar>?)
    {
        stack.run(input, h0: h0, c0: c0, lengths: lengths, training: isTraining, generator: &generator)
    }
}
