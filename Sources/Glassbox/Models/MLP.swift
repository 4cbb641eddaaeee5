/// A multilayer perceptron classifier: `Linear → ReLU → Linear → ReLU → Linear`.
///
/// The reference model of `glassbox train mlp`, trained on the 8×8 ``Digits``:
///
/// ```
/// input  [N, 64]     pixels in [0, 1]
/// fc1    [N, 128]    Linear(64, 128), ReLU
/// fc2    [N, 64]     Linear(128, 64), ReLU
/// fc3    [N, 10]     Linear(64, 10)  → logits (no softmax: crossEntropy takes logits)
/// ```
///
/// Parameters are named as in the equivalent PyTorch module with attributes `fc1`, `fc2`,
/// `fc3` (`fc1.weight`, `fc1.bias`, …), so its `state_dict` maps one to one. Weights start
/// from PyTorch's `Linear` initialisation (uniform in ±1/√fan_in), drawn from the generator
/// passed in, so a seed fixes the model.
public final class MLP<Scalar: TensorScalar>: Layer {
    /// The first layer, `inputSize → hiddenSizes.0`.
    public let fc1: Linear<Scalar>
    /// The second layer, `hiddenSizes.0 → hiddenSizes.1`.
    public let fc2: Linear<Scalar>
    /// The output layer, `hiddenSizes.1 → classCount`.
    public let fc3: Linear<Scalar>
    /// Whether the module is in training mode (no effect: the MLP has no dropout).
    public var isTraining = true

    /// Creates an MLP with weights drawn from `generator`.
    ///
    /// - Parameters:
    ///   - inputSize: features per sample (64 for ``Digits``).
    ///   - hiddenSizes: the widths of the two hidden layers.
    ///   - classCount: the number of output logits.
    public init(
        inputSize: Int = 64, hiddenSizes: (Int, Int) = (128, 64), classCount: Int = 10,
        generator: inout RandomGenerator
    ) {
        fc1 = Linear(inFeatures: inputSize, outFeatures: hiddenSizes.0, generator: &generator)
        fc2 = Linear(inFeatures: hiddenSizes.0, outFeatures: hiddenSizes.1, generator: &generator)
        fc3 = Linear(inFeatures: hiddenSizes.1, outFeatures: classCount, generator: &generator)
    }

    /// The three layers, by attribute name.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("fc1", fc1), ("fc2", fc2), ("fc3", fc3)]
    }

    /// Logits `[N, classCount]` for a batch `[N, inputSize]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let hidden1 = fc1(input).relu()
        let hidden2 = fc2(hidden1).relu()
        return fc3(hidden2)
    }
}
