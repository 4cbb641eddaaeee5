/// Looks up rows of `weight`: `out[..., :] = weight[ids[...], :]`, like
/// `torch.nn.functional.embedding`. The output has shape `ids.shape + [embeddingDim]`.
///
/// Backward: `∂weight[v] = Σ_{positions p with ids[p] = v} ∂out[p]` (a scatter-add in position
/// order), except that the row `paddingIndex`, when given, receives no gradient: positions
/// holding it read the row without being differentiated through it, as in PyTorch.
///
/// - Precondition: `weight` is `[numEmbeddings, embeddingDim]` and every id lies in
///   `0..<numEmbeddings`.
public func embedding<Scalar>(_ ids: IndexTensor, weight: Tensor<Scalar>, paddingIndex: Int? = nil) -> Tensor<Scalar> {
    precondition(weight.rank == 2, "embedding: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
    let count = weight.shape[0], dim = weight.shape[1]
    for id in ids.indices {
        precondition(id >= 0 && id < count, "embedding: id \(id) out of range for weight \(weight.shape)")
    }
    let outShape = ids.shape + [dim]
    guard let padding = paddingIndex, ids.indices.contains(padding) else {
        return weight.indexSelected(dim: 0, ids.indices).reshaped(outShape)
    }
    // Rows at non-padding positions are differentiated; the padding row is read detached.
    let positions = ids.indices.count
    let live = (0..<positions).filter { ids.indices[$0] != padding }
    let padded = (0..<positions).filter { ids.indices[$0] == padding }
    let trained = weight.indexSelected(dim: 0, live.map { ids.indices[$0] }).indexAdded(dim: 0, live, size: positions)
    let fixed = weight.detached().indexSelected(dim: 0, [Int](repeating: padding, count: padded.count))
        .indexAdded(dim: 0, padded, size: positions)
    return (trained + fixed).reshaped(outShape)
}

/// A table of `numEmbeddings` learned vectors of size `embeddingDim`, looked up by id, like
/// `torch.nn.Embedding`.
///
/// Parameter (PyTorch name and layout): `weight` `[numEmbeddings, embeddingDim]`, initialised
/// from N(0, 1) with the row `paddingIdx` (when given) set to zeros; that row gets no gradient.
public final class Embedding<Scalar: TensorScalar>: Module {
    /// The number of rows (the vocabulary size).
    public let numEmbeddings: Int
    /// The size of each vector.
    public let embeddingDim: Int
    /// The id whose row is not trained (PyTorch's `padding_idx`), if any.
    public let paddingIdx: Int?
    /// `[numEmbeddings, embeddingDim]`.
    public let weight: Tensor<Scalar>
    /// Whether the module is in training mode (no effect on this layer).
    public var isTraining = true

    /// Creates a table initialised from `generator` (N(0, 1), padding row zeroed).
    ///
    /// - Parameter paddingIdx: a row in `0..<numEmbeddings`, or negative to count from the end
    ///   as PyTorch allows.
    public convenience init(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = nil, generator: inout RandomGenerator) {
        precondition(numEmbeddings > 0 && embeddingDim > 0, "Embedding: sizes must be positive, got (\(numEmbeddings), \(embeddingDim))")
        self.init(weight: Tensor<Scalar>.randn([numEmbeddings, embeddingDim], generator: &generator), paddingIdx: paddingIdx)
        zeroPaddingRow()
    }

    /// Creates a table initialised from the default generator (``RandomGenerator/manualSeed(_:)``).
    public convenience init(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = nil) {
        precondition(numEmbeddings > 0 && embeddingDim > 0, "Embedding: sizes must be positive, got (\(numEmbeddings), \(embeddingDim))")
        let w = RandomGenerator.withGlobal { g in Tensor<Scalar>.randn([numEmbeddings, embeddingDim], generator: &g) }
        self.init(weight: w, paddingIdx: paddingIdx)
        zeroPaddingRow()
    }

    private func zeroPaddingRow() {
        guard let padding = paddingIdx else { return }
        let dim = embeddingDim
        weight.withUnsafeMutableBufferPointer { p in
            for k in 0..<dim { p[padding * dim + k] = 0 }
        }
    }

    /// Creates a table with the given weight (used as it is: shared, and made to require grad).
    public init(weight: Tensor<Scalar>, paddingIdx: Int? = nil) {
        precondition(weight.rank == 2, "Embedding: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
        numEmbeddings = weight.shape[0]
        embeddingDim = weight.shape[1]
        if let p = paddingIdx {
            precondition(p >= -numEmbeddings && p < numEmbeddings, "Embedding: paddingIdx \(p) outside the \(numEmbeddings) rows")
            self.paddingIdx = p < 0 ? p + numEmbeddings : p
        } else {
            self.paddingIdx = nil
        }
        if weight.isLeaf { weight.requiresGrad = true }
        self.weight = weight
    }

    /// `weight`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [("weight", weight)] }

    /// The vectors of `ids`: `ids.shape + [embeddingDim]`.
    public func callAsFunction(_ ids: IndexTensor) -> Tensor<Scalar> {
        embedding(ids, weight: weight, paddingIndex: paddingIdx)
    }

}
