import GlassboxKernels

/// Modules held in a list, like `torch.nn.ModuleList`: children named `"0"`, `"1"`, …, so their
/// parameters are `0.weight`, `1.weight`, … in `state_dict`. Unlike ``Sequential`` it has no
/// forward pass, so it can hold modules whose forward takes more than one tensor (the layers of
/// a ``TransformerDecoder``); the owner calls them.
public final class ModuleList<Scalar: TensorScalar>: Module {
    /// The modules in order.
    public let modules: [any Module<Scalar>]
    /// Whether the module is in training mode (use ``Module/train(_:)`` to set the whole tree).
    public var isTraining = true

    /// Creates a list of `modules`.
    public init(_ modules: [any Module<Scalar>]) { self.modules = modules }

    /// The modules named `"0"`, `"1"`, ….
    public var children: [(name: String, module: any Module<Scalar>)] {
        modules.enumerated().map { (String($0.offset), $0.element) }
    }
}
