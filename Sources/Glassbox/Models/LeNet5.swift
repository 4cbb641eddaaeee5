/// LeNet-5 (LeCun et al. 1998) for 28×28 inputs, as usually written in PyTorch: the first
/// convolution pads by 2 so that the 32×32 geometry of the paper is kept.
///
/// ```
/// input    [N, 1, 28, 28]
/// 0 Conv2d(1, 6, 5, padding: 2) → [N, 6, 28, 28]    1 Tanh   2 AvgPool2d(2) → [N, 6, 14, 14]
/// 3 Conv2d(6, 16, 5)            → [N, 16, 10, 10]   4 Tanh   5 AvgPool2d(2) → [N, 16, 5, 5]
/// 6 Flatten → [N, 400]
/// 7 Linear(400, 120)  8 Tanh   9 Linear(120, 84)  10 Tanh   11 Linear(84, 10) → logits
/// ```
///
/// Tanh and average pooling (the paper's subsampling) rather than ReLU and max pooling;
/// 61 706 parameters.
public func makeLeNet5<Scalar: TensorScalar>(
    classCount: Int = 10, generator: inout RandomGenerator
) -> Sequential<Scalar> {
    Sequential(
        Conv2d(inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, generator: &generator),
        Tanh(),
        AvgPool2d(kernelSize: 2),
        Conv2d(inChannels: 6, outChannels: 16, kernelSize: 5, generator: &generator),
        Tanh(),
        AvgPool2d(kernelSize: 2),
        Flatten(),
        Linear(inFeatures: 400, outFeatures: 120, generator: &generator),
        Tanh(),
        Linear(inFeatures: 120, outFeatures: 84, generator: &generator),
        Tanh(),
        Linear(inFeatures: 84, outFeatures: classCount, generator: &generator))
}
