import GlassboxKernels

/// A chain of layers (``Layer``: one tensor in, one out) applied in order, like `torch.nn.Sequential`.
///
/// Children are named `"0"`, `"1"`, …, so parameters are `0.weight`, `0.bias`, `2.weight`, …
/// exactly as in PyTorch's `state_dict`.
///
/// ```swift
/// let model = Sequential<Float>(Linear(inFeatures: 2, outFeatures: 8), Tanh(), Linear(inFeatures: 8, outFeatures: 1))
/// ```
public final class Sequential<Scalar: TensorScalar>: Layer {
    /// The layers in order.
    public private(set) var layers: [any Layer<Scalar>]
    /// Whether the module is in training mode (use ``Module/train(_:)`` to set the whole tree).
    public var isTraining = true

    /// Creates a chain of `layers`.
    public init(_ layers: [any Layer<Scalar>]) {
        self.layers = layers
    }

    /// Creates a chain of `layers`.
    public convenience init(_ layers: any Layer<Scalar>...) {
        self.init(layers)
    }

    /// Appends a layer (named by its position).
    public func append(_ layer: any Layer<Scalar>) {
        layers.append(layer)
    }

    /// The layer at `index`.
    public subscript(index: Int) -> any Layer<Scalar> { layers[index] }

    /// The number of layers.
    public var count: Int { layers.count }

    /// The layers named `"0"`, `"1"`, ….
    public var children: [(name: String, module: any Module<Scalar>)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }

    /// Applies each layer to the previous one's output.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        layers.reduce(input) { x, layer in layer(x) }
    }
}
