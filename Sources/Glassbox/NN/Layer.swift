import GlassboxKernels

/// A module whose forward pass takes one tensor and returns one: `Linear`, `Conv2d`, the
/// activations, normalisation and pooling layers, ``Sequential`` itself, and models such as
/// ``MLP`` or ``VAE`` (image → reconstruction).
///
/// ``Sequential`` chains layers, and the one-tensor helpers (`fit`/`evaluate`/`predict`, the
/// attribution methods, ONNX export of a ``Sequential``) take a layer. Modules whose forward
/// takes something else — token ids (``Embedding``, ``GPT``), several tensors (``Bilinear``,
/// ``TransformerDecoderLayer``), a tensor and the diffusion steps (``UNet``) — conform to
/// ``Module`` only and declare the forward that fits them.
///
/// A recurrent network (``LSTM``, ``GRU``, ``RNN``, ``ProjectedLSTM``) is a layer too: as a
/// layer it maps an input sequence to its output sequence from zero initial states (so that it
/// can sit in a ``Sequential``, as in ``makeLSTMNet(inputSize:hiddenSize:numLayers:classCount:generator:)``);
/// its full forward returns the final states as well.
public protocol Layer<Scalar>: Module {
    /// Runs the layer on `input`.
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>
}
