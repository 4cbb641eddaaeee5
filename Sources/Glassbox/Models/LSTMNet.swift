/// The seed documents' recurrent classifier: `nn.LSTM(input_size=100, hidden_size=256,
/// num_layers=2, batch_first=True)` followed by `nn.Linear(256, 10)` on the last time step.
///
/// ```
/// input    [N, T, inputSize]
/// 0 LSTM(inputSize → 256, 2 layers, batch-first)   → [N, T, 256]
/// 1 SequenceStep(-1)                                → [N, 256]    (the last step)
/// 2 Linear(256, classCount)                         → logits
/// ```
///
/// 895 498 parameters for `inputSize` 100 (821 770 for 28) (PyTorch's count for the same modules); the names
/// are those of an `nn.Sequential` of the same layers (`0.weight_ih_l0`, …, `2.weight`).
public func makeLSTMNet<Scalar: TensorScalar>(
    inputSize: Int = 100, hiddenSize: Int = 256, numLayers: Int = 2, classCount: Int = 10, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    Sequential(
        LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, batchFirst: true, generator: &generator),
        SequenceStep(-1),
        Linear(inFeatures: hiddenSize, outFeatures: classCount, generator: &generator))
}

/// The seed LSTMNet reading an MNIST image row by row ("sequential MNIST"): 28 steps of 28
/// pixels.
///
/// ```
/// input    [N, 1, 28, 28]
/// 0 Flatten(1, 2)                       → [N, 28, 28]   (step t = image row t)
/// 1 LSTM(28 → 256, 2 layers)            → [N, 28, 256]
/// 2 SequenceStep(-1)                    → [N, 256]
/// 3 Linear(256, 10)                     → logits
/// ```
public func makeSequentialMNIST<Scalar: TensorScalar>(generator: inout RandomGenerator) -> Sequential<Scalar> {
    let net: Sequential<Scalar> = makeLSTMNet(inputSize: 28, generator: &generator)
    return Sequential([Flatten<Scalar>(startDim: 1, endDim: 2) as any Layer<Scalar>] + net.layers)
}
