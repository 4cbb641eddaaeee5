import GlassboxKernels

/// A neural-network layer or model, like `torch.nn.Module`.
///
/// A module is a class (parameters are shared, mutable state) that owns
/// - its own parameters (``ownParameters``) and buffers (``ownBuffers``), each under its
///   PyTorch name (`weight`, `bias`, `running_mean`, `weight_ih_l0`, `in_proj_weight`, …), and
/// - its child modules (``children``), each under its attribute name (`"0"`, `"1"` in a
///   ``Sequential``; `"encoder"`, `"fc1"` in a model).
///
/// Everything else is derived: ``namedParameters()`` walks the tree (own entries first, then
/// each child's with `child.` prefixed), which gives exactly the names and order of PyTorch's
/// `state_dict`, so a `state_dict` saved from PyTorch loads unchanged with
/// ``loadStateDict(_:strict:)``.
///
/// `Module` asks for no forward pass: each module declares the one that fits it, as PyTorch's
/// `forward` does — one tensor for a ``Layer`` (`Linear`, `Conv2d`, activations), token ids for
/// ``Embedding`` and ``GPT``, `(x, steps)` for ``UNet``, `(input1, input2)` for ``Bilinear``,
/// `(output, hN, cN)` from ``LSTM/callAsFunction(_:state:lengths:)``. Code that runs any
/// one-tensor module (``Sequential``, `fit`, attribution, ONNX export) asks for a ``Layer``; code that only needs the parameters, buffers and mode
/// (optimizers, checkpoints, ``unregisteredMembers()``) takes any `Module`.
///
/// ``isTraining`` is per module; ``train(_:)`` and ``eval()`` set it on the whole tree.
public protocol Module<Scalar>: AnyObject {
    /// The element type of the module's tensors (`Float` or `Double`).
    associatedtype Scalar: TensorScalar

    /// The parameters this module itself registers (not its children's), in registration
    /// order, by PyTorch name. Default: none.
    var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { get }

    /// The buffers (non-trained state such as BatchNorm's `running_mean`) this module itself
    /// registers, by PyTorch name. Default: none.
    var ownBuffers: [(name: String, tensor: Tensor<Scalar>)] { get }

    /// The direct child modules, by attribute name, in registration order. Default: none.
    var children: [(name: String, module: any Module<Scalar>)] { get }

    /// Whether the module is in training mode (`true` after creation, as in PyTorch). Affects
    /// layers such as ``Dropout``; set it for a whole model with ``train(_:)`` / ``eval()``.
    var isTraining: Bool { get set }
}

extension Module {
    /// No parameters of its own.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [] }
    /// No buffers of its own.
    public var ownBuffers: [(name: String, tensor: Tensor<Scalar>)] { [] }
    /// No children.
    public var children: [(name: String, module: any Module<Scalar>)] { [] }

    /// Every parameter of this module and its descendants with its dotted name
    /// (`"0.weight"`, `"0.bias"`, `"2.weight"`, …), in PyTorch's `named_parameters()` order.
    public func namedParameters() -> [(name: String, tensor: Tensor<Scalar>)] {
        var result = ownParameters
        for (childName, child) in children {
            result += child.namedParameters().map { (childName + "." + $0.name, $0.tensor) }
        }
        return result
    }

    /// Every parameter tensor, in ``namedParameters()`` order (what an optimizer takes).
    public var parameters: [Tensor<Scalar>] { namedParameters().map(\.tensor) }

    /// Every buffer of this module and its descendants with its dotted name.
    public func namedBuffers() -> [(name: String, tensor: Tensor<Scalar>)] {
        var result = ownBuffers
        for (childName, child) in children {
            result += child.namedBuffers().map { (childName + "." + $0.name, $0.tensor) }
        }
        return result
    }

    /// Parameters and buffers in PyTorch's `state_dict()` order: for each module (pre-order),
    /// its parameters, then its buffers, then its children's entries.
    public func stateDict() -> [(name: String, tensor: Tensor<Scalar>)] {
        var result = ownParameters + ownBuffers
        for (childName, child) in children {
            result += child.stateDict().map { (childName + "." + $0.name, $0.tensor) }
        }
        return result
    }

    /// Copies values into the parameters and buffers by name (in place, so optimizers holding
    /// the tensors see them), like `load_state_dict`.
    ///
    /// - Parameter strict: when `true`, a missing or unexpected name is an error.
    /// - Throws: ``StateDictError`` naming the entry that is missing, unexpected or mis-shaped.
    public func loadStateDict(_ values: [String: Tensor<Scalar>], strict: Bool = true) throws {
        let entries = stateDict()
        if strict {
            let known = Set(entries.map(\.name))
            if let missing = entries.first(where: { values[$0.name] == nil }) {
                throw StateDictError.missing(name: missing.name)
            }
            if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
                throw StateDictError.unexpected(name: extra)
            }
        }
        for (name, tensor) in entries {
            guard let source = values[name] else { continue }
            guard source.shape == tensor.shape else {
                throw StateDictError.shapeMismatch(name: name, expected: tensor.shape, found: source.shape)
            }
            tensor.assign(source)
        }
    }

    /// Sets training mode on this module and all descendants; returns `self` for chaining.
    @discardableResult
    public func train(_ mode: Bool = true) -> Self {
        isTraining = mode
        for (_, child) in children { child.train(mode) }
        return self
    }

    /// Sets evaluation mode (``isTraining`` = `false`) on the whole tree, like `module.eval()`.
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Clears every parameter's gradient (sets it to `nil`, PyTorch's `set_to_none=True`).
    public func zeroGrad() {
        for p in parameters { p.grad = nil }
    }

    /// The total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Why ``Module/loadStateDict(_:strict:)`` rejected a state dict.
public enum StateDictError: Error, Equatable, CustomStringConvertible {
    /// The module has an entry that the state dict lacks.
    case missing(name: String)
    /// The state dict has an entry that the module lacks.
    case unexpected(name: String)
    /// Same name, different shape.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// Right name and shape, but a value the entry cannot hold (a step count that is not a
    /// non-negative integer).
    case invalidValue(name: String, expected: String)

    /// A one-line explanation naming the entry.
    public var description: String {
        switch self {
        case .missing(let name): "state dict: missing entry '\(name)'"
        case .unexpected(let name): "state dict: unexpected entry '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            "state dict: entry '\(name)' has shape \(found), expected \(expected)"
        case .invalidValue(let name, let expected): "state dict: entry '\(name)' must be \(expected)"
        }
    }
}
