/// An autoencoder: an encoder to a latent code and a decoder back to the input's logits.
///
/// Both reference autoencoders take images `[N, 1, 28, 28]` with pixels in [0, 1] and return
/// logits of the same shape; ``callAsFunction(_:)`` applies the sigmoid, so a reconstruction is
/// a picture. Train them on the binary cross-entropy of the logits
/// (``binaryCrossEntropyWithLogits(_:_:weight:posWeight:reduction:)``) or the squared error of
/// the sigmoid (``mseLoss(_:_:reduction:)``).
public protocol Autoencoder<Scalar>: Layer {
    /// The element type (that of ``Module``).
    associatedtype Scalar
    /// The encoder: images `[N, 1, 28, 28]` → codes `[N, latentSize]`.
    var encoder: Sequential<Scalar> { get }
    /// The decoder: codes `[N, latentSize]` → logits `[N, 1, 28, 28]`.
    var decoder: Sequential<Scalar> { get }
    /// The dimension of the code.
    var latentSize: Int { get }
}

extension Autoencoder {
    /// `encoder`, `decoder`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("encoder", encoder), ("decoder", decoder)] }

    /// The codes `[N, latentSize]` of images `[N, 1, 28, 28]`.
    public func encode(_ input: Tensor<Scalar>) -> Tensor<Scalar> { encoder(input) }

    /// The reconstruction's logits `[N, 1, 28, 28]` for codes `[N, latentSize]`.
    public func decodeLogits(_ code: Tensor<Scalar>) -> Tensor<Scalar> { decoder(code) }

    /// The reconstruction (pixels in (0, 1)) of images `[N, 1, 28, 28]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { decoder(encoder(input)).sigmoid() }
}

/// A fully connected autoencoder, 784-512-128-latent-128-512-784 with ReLU:
///
/// ```
/// encoder  Flatten, Linear(784, 512), ReLU, Linear(512, 128), ReLU, Linear(128, latent)
/// decoder  Linear(latent, 128), ReLU, Linear(128, 512), ReLU, Linear(512, 784), Unflatten → [N, 1, 28, 28]
/// ```
///
/// With `latentSize: 2` the codes can be plotted directly (`glassbox sample autoencoder
/// --scatter`). Names as `torch.nn.Sequential` attributes `encoder` and `decoder`
/// (`encoder.1.weight`, …).
public final class MLPAutoencoder<Scalar: TensorScalar>: Autoencoder {
    /// Images → codes.
    public let encoder: Sequential<Scalar>
    /// Codes → logits.
    public let decoder: Sequential<Scalar>
    /// The dimension of the code.
    public let latentSize: Int
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// Creates the model with PyTorch's `Linear` initialisation drawn from `generator`.
    public init(latentSize: Int = 32, generator: inout RandomGenerator) {
        precondition(latentSize > 0, "MLPAutoencoder: latentSize \(latentSize) must be positive")
        self.latentSize = latentSize
        encoder = Sequential(
            Flatten(), Linear(inFeatures: 784, outFeatures: 512, generator: &generator), ReLU(),
            Linear(inFeatures: 512, outFeatures: 128, generator: &generator), ReLU(),
            Linear(inFeatures: 128, outFeatures: latentSize, generator: &generator))
        decoder = Sequential(
            Linear(inFeatures: latentSize, outFeatures: 128, generator: &generator), ReLU(),
            Linear(inFeatures: 128, outFeatures: 512, generator: &generator), ReLU(),
            Linear(inFeatures: 512, outFeatures: 784, generator: &generator), Unflatten(dim: 1, unflattenedSize: [1, 28, 28]))
    }
}

/// A convolutional autoencoder: strided convolutions down to a 7×7 map, a linear bottleneck,
/// and transposed convolutions back up:
///
/// ```
/// encoder  Conv2d(1, 16, 3, stride 2, padding 1) → [N, 16, 14, 14], ReLU,
///          Conv2d(16, 32, 3, stride 2, padding 1) → [N, 32, 7, 7], ReLU, Flatten, Linear(1568, latent)
/// decoder  Linear(latent, 1568), ReLU, Unflatten → [N, 32, 7, 7],
///          ConvTranspose2d(32, 16, 3, stride 2, padding 1, output_padding 1) → [N, 16, 14, 14], ReLU,
///          ConvTranspose2d(16, 1, 3, stride 2, padding 1, output_padding 1) → [N, 1, 28, 28] logits
/// ```
public final class ConvAutoencoder<Scalar: TensorScalar>: Autoencoder {
    /// Images → codes.
    public let encoder: Sequential<Scalar>
    /// Codes → logits.
    public let decoder: Sequential<Scalar>
    /// The dimension of the code.
    public let latentSize: Int
    /// Whether the module is in training mode (no effect).
    public var isTraining = true

    /// Creates the model with PyTorch's default initialisation drawn from `generator`.
    public init(latentSize: Int = 32, generator: inout RandomGenerator) {
        precondition(latentSize > 0, "ConvAutoencoder: latentSize \(latentSize) must be positive")
        self.latentSize = latentSize
        encoder = Sequential(
            Conv2d(inChannels: 1, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, generator: &generator), ReLU(),
            Conv2d(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, generator: &generator), ReLU(),
            Flatten(), Linear(inFeatures: 32 * 7 * 7, outFeatures: latentSize, generator: &generator))
        decoder = Sequential(
            Linear(inFeatures: latentSize, outFeatures: 32 * 7 * 7, generator: &generator), ReLU(),
            Unflatten(dim: 1, unflattenedSize: [32, 7, 7]),
            ConvTranspose2d(
                inChannels: 32, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: &generator),
            ReLU(),
            ConvTranspose2d(
                inChannels: 16, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: &generator))
    }
}
