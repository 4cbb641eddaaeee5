import GlassboxKernels

/// An n-dimensional array of `Float` or `Double` with reverse-mode automatic differentiation.
///
/// Storage is dense, row-major and contiguous in a 64-byte-aligned buffer. ``reshaped(_:)``
/// shares storage; ``transposed(_:_:)`` and ``permuted(_:)`` materialise. Layouts follow
/// PyTorch (NCHW images, `[batch, seq, feature]`).
///
/// A tensor is a reference type, like a `torch.Tensor`: its ``grad`` is filled in place by
/// ``backward(_:createGraph:)``. Operations record the graph as the program runs when grad
/// mode is on (see ``withoutGrad(_:)``) and an input has ``requiresGrad``.
public final class Tensor<Scalar: TensorScalar> {
    /// The size of each dimension; `[]` for a scalar.
    public let shape: [Int]
    let storage: TensorStorage<Scalar>
    /// The node that produced this tensor, or `nil` for a leaf.
    var gradNode: GradNode<Scalar>?
    /// Which output of ``gradNode`` this tensor is (0 for a node with one output).
    var gradOutputIndex = 0
    private var _requiresGrad: Bool

    /// The accumulated gradient of a leaf after ``backward(_:createGraph:)``, else `nil`.
    public var grad: Tensor<Scalar>?

    init(shape: [Int], storage: TensorStorage<Scalar>, gradNode: GradNode<Scalar>? = nil) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(
            shape.reduce(1, *) == storage.count,
            "Tensor: shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.gradNode = gradNode
        self._requiresGrad = gradNode != nil
    }

    deinit { releaseGraph() }

    /// Creates a tensor with `shape` whose elements are `scalars` in row-major order.
    public convenience init(_ scalars: [Scalar], shape: [Int], requiresGrad: Bool = false) {
        let count = shape.reduce(1, *)
        precondition(
            scalars.count == count,
            "Tensor(_:shape:): \(scalars.count) scalars do not fill shape \(shape) (\(count) elements)")
        let storage = TensorStorage<Scalar>(count: count)
        scalars.withUnsafeBufferPointer { src in
            if count > 0 { storage.pointer.initialize(from: src.baseAddress!, count: count) }
        }
        self.init(shape: shape, storage: storage)
        self.requiresGrad = requiresGrad
        OpProfiler.dataMade()
    }

    /// Creates a one-dimensional tensor from `scalars`.
    public convenience init(_ scalars: [Scalar], requiresGrad: Bool = false) {
        self.init(scalars, shape: [scalars.count], requiresGrad: requiresGrad)
    }

    /// Creates a two-dimensional tensor from equally long rows.
    public convenience init(_ rows: [[Scalar]], requiresGrad: Bool = false) {
        let columns = rows.first?.count ?? 0
        precondition(
            rows.allSatisfy { $0.count == columns }, "Tensor(rows:): rows have different lengths")
        self.init(rows.flatMap { $0 }, shape: [rows.count, columns], requiresGrad: requiresGrad)
    }

    /// Creates a zero-dimensional (scalar) tensor.
    public convenience init(_ value: Scalar, requiresGrad: Bool = false) {
        self.init([value], shape: [], requiresGrad: requiresGrad)
    }

    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs); results of
    /// operations get it from their inputs.
    public var requiresGrad: Bool {
        get { _requiresGrad }
        set {
            precondition(
                gradNode == nil || newValue,
                "requiresGrad: only leaf tensors can stop requiring grad; use detached()")
            _requiresGrad = newValue
        }
    }

    /// Whether this tensor was created by the user rather than by a recorded operation.
    public var isLeaf: Bool { gradNode == nil }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var count: Int { storage.count }

    /// The elements in row-major order.
    public var scalars: [Scalar] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a one-element tensor.
    public var item: Scalar {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// The element at a full multi-index.
    public subscript(element index: [Int]) -> Scalar {
        storage.pointer[flatIndex(index)]
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "subscript: index \(index) for shape \(shape)")
        var flat = 0
        for (d, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[d], "subscript: index \(index) out of range for shape \(shape)")
            flat = flat * shape[d] + i
        }
        return flat
    }

    /// A tensor sharing this one's storage but cut from the graph: no gradient flows through it.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Calls `body` with the elements, read-only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with the elements for in-place mutation, outside the graph (as optimizers
    /// update parameters). Views sharing the storage see the change.
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Overwrites this tensor's elements with `source`'s (same shape), outside the graph.
    public func assign(_ source: Tensor) {
        precondition(source.shape == shape, "assign: shapes \(source.shape) and \(shape) differ")
        if source.storage !== storage {
            storage.pointer.update(from: source.storage.pointer, count: count)
        }
    }

    /// Converts to another scalar type (a new leaf tensor).
    public func converted<Other: TensorScalar>(to _: Other.Type) -> Tensor<Other> {
        let out = TensorStorage<Other>(count: count)
        for i in 0..<count { out.pointer[i] = Other(storage.pointer[i]) }
        return Tensor<Other>(shape: shape, storage: out)
    }
}

extension Tensor {
    /// Creates an uninitialised contiguous tensor (internal: every op fills its output).
    static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// Row-major element strides of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = s
            s *= shape[d]
        }
        return strides
    }

    /// Normalises a possibly negative dimension index for a tensor of `rank` dimensions.
    static func normalizedDim(_ dim: Int, rank: Int, op: String) -> Int {
        let d = dim < 0 ? dim + rank : dim
        precondition(d >= 0 && d < Swift.max(rank, 1), "\(op): dimension \(dim) out of range for rank \(rank)")
        return d
    }
}
