/// The seed document's convolutional classifier, in PyTorch's layer order:
///
/// ```
/// input    [N, 1, 28, 28]
/// 0 Conv2d(1, 32, 3)    → [N, 32, 26, 26]    1 ReLU    2 MaxPool2d(2) → [N, 32, 13, 13]
/// 3 Conv2d(32, 64, 3)   → [N, 64, 11, 11]    4 ReLU    5 MaxPool2d(2) → [N, 64, 5, 5]
/// 6 Flatten             → [N, 1600]
/// 7 Linear(1600, 128)   8 ReLU
/// 9 Linear(128, 10)     → logits (crossEntropy applies the softmax)
/// ```
///
/// This is the Keras example `Conv2D(32, 3×3, relu) → MaxPooling2D → Conv2D(64, 3×3, relu) →
/// MaxPooling2D → Flatten → Dense(128, relu) → Dense(10, softmax)`, with the final softmax
/// folded into the loss as PyTorch does. A `Sequential`, so its `state_dict` names (`0.weight`,
/// `3.weight`, `7.weight`, `9.bias`, …) match `torch.nn.Sequential` with the same layers.
/// 225 034 parameters. Weights use PyTorch's default initialisation drawn from `generator`.
public func makeSeedCNN<Scalar: TensorScalar>(
    classCount: Int = 10, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    Sequential(
        Conv2d(inChannels: 1, outChannels: 32, kernelSize: 3, generator: &generator),
        ReLU(),
        MaxPool2d(kernelSize: 2),
        Conv2d(inChannels: 32, outChannels: 64, kernelSize: 3, generator: &generator),
        ReLU(),
        MaxPool2d(kernelSize: 2),
        Flatten(),
        Linear(inFeatures: 1600, outFeatures: 128, generator: &generator),
        ReLU(),
        Linear(inFeatures: 128, outFeatures: classCount, generator: &generator))
}
