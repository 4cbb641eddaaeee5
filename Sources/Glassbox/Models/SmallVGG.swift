/// A small VGG-style network for 28×28 inputs: two blocks of two 3×3 convolutions with
/// BatchNorm and ReLU, each ending in 2×2 max pooling, then a classifier with dropout.
///
/// ```
/// input   [N, 1, 28, 28]
/// block 1 Conv2d(1, 32, 3, padding: 1)  BatchNorm2d(32) ReLU
///         Conv2d(32, 32, 3, padding: 1) BatchNorm2d(32) ReLU  MaxPool2d(2) → [N, 32, 14, 14]
///         Dropout2d(0.1)
/// block 2 Conv2d(32, 64, 3, padding: 1) BatchNorm2d(64) ReLU
///         Conv2d(64, 64, 3, padding: 1) BatchNorm2d(64) ReLU  MaxPool2d(2) → [N, 64, 7, 7]
///         Dropout2d(0.1)
/// head    Flatten → [N, 3136]  Linear(3136, 256) BatchNorm1d(256) ReLU  Dropout(0.5)
///         Linear(256, 10) → logits
/// ```
///
/// Convolutions before BatchNorm carry no bias (the BatchNorm shift replaces it), as in
/// torchvision's VGG-BN. One flat `Sequential` (indices 0…24 in the `state_dict`).
public func makeSmallVGG<Scalar: TensorScalar>(
    classCount: Int = 10, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    var layers: [any Layer<Scalar>] = []
    var channels = 1
    for width in [32, 64] {
        for _ in 0..<2 {
            layers.append(Conv2d(inChannels: channels, outChannels: width, kernelSize: 3, padding: 1, bias: false, generator: &generator))
            layers.append(BatchNorm2d(numFeatures: width))
            layers.append(ReLU())
            channels = width
        }
        layers.append(MaxPool2d(kernelSize: 2))
        layers.append(Dropout2d(p: 0.1))
    }
    layers += [
        Flatten(),
        Linear(inFeatures: 64 * 7 * 7, outFeatures: 256, bias: false, generator: &generator),
        BatchNorm1d(numFeatures: 256),
        ReLU(),
        Dropout(p: 0.5),
        Linear(inFeatures: 256, outFeatures: classCount, generator: &generator),
    ]
    return Sequential(layers)
}
