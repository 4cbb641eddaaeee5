import GlassboxKernels

/// How ``EmbeddingBag`` reduces the vectors of a bag, like PyTorch's `mode`.
public enum EmbeddingBagMode: String, Sendable, CaseIterable {
    /// `Σ w_i·e_i` (with per-sample weights `w_i`, else `w_i = 1`).
    case sum
    /// The mean of the bag's vectors.
    case mean
    /// The elementwise maximum of the bag's vectors.
    case max
}

/// Sums, averages or takes the maximum of bags of embedding rows, like
/// `torch.nn.functional.embedding_bag(input, weight, offsets, mode=…, per_sample_weights=…,
/// include_last_offset=…, padding_idx=…)`.
///
/// `ids` is 2-D `[B, N]` (each row a bag, `offsets` nil) or 1-D with `offsets`: bag `b` holds the
/// ids from `offsets[b]` to `offsets[b + 1]` (the last to the end; with `includeLastOffset` the
/// last offset is the end and there are `offsets.count − 1` bags). Ids equal to `paddingIdx` are
/// left out (not counted by `mean`); an empty bag gives zeros. `perSampleWeights` (same shape
/// as `ids`, `sum` only) scales each row. The output is `[B, embeddingDim]`.
///
/// Built from differentiable ops (a row gather, a scatter-add into bags, a per-bag maximum):
/// `∂weight[v]` collects `∂out[b]·w_i` (`sum`), `∂out[b]/|b|` (`mean`), or `∂out[b]` at the
/// positions holding each bag's maximum (`max`); `∂w_i = ⟨∂out[b], weight[ids_i]⟩`.
public func embeddingBag<Scalar>(
    _ ids: IndexTensor, weight: Tensor<Scalar>, offsets: [Int]? = nil, mode: EmbeddingBagMode = .mean,
    perSampleWeights: Tensor<Scalar>? = nil, includeLastOffset: Bool = false, paddingIdx: Int? = nil
) -> Tensor<Scalar> {
    precondition(weight.rank == 2, "embeddingBag: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
    let (count, dim) = (weight.shape[0], weight.shape[1])
    for id in ids.indices { precondition(id >= 0 && id < count, "embeddingBag: id \(id) out of range for weight \(weight.shape)") }
    if let perSampleWeights {
        precondition(mode == .sum, "embeddingBag: perSampleWeights needs mode .sum")
        precondition(perSampleWeights.shape == ids.shape, "embeddingBag: perSampleWeights shape \(perSampleWeights.shape) differs from the ids' \(ids.shape)")
    }
    let bags = embeddingBagRanges(idsShape: ids.shape, offsets: offsets, includeLastOffset: includeLastOffset)
    var bagOf: [Int] = [], live: [Int] = []
    var sizes = [Int](repeating: 0, count: bags.count)
    for (b, range) in bags.enumerated() {
        for p in range where ids.indices[p] != paddingIdx {
            live.append(p)
            bagOf.append(b)
            sizes[b] += 1
        }
    }
    var rows = weight.indexSelected(dim: 0, live.map { ids.indices[$0] })  // [L, D]
    if let perSampleWeights {
        rows = rows * perSampleWeights.reshaped([ids.indices.count]).indexSelected(dim: 0, live).unsqueezed(1)
    }
    switch mode {
    case .sum:
        return rows.indexAdded(dim: 0, bagOf, size: bags.count)
    case .mean:
        let scale = Tensor<Scalar>(sizes.map { Scalar(1) / Scalar(Swift.max($0, 1)) }, shape: [bags.count, 1])
        return rows.indexAdded(dim: 0, bagOf, size: bags.count) * scale
    case .max:
        var start = 0
        var maxima: [Tensor<Scalar>] = []
        for size in sizes {
            maxima.append(size == 0 ? Tensor.zeros([dim]) : rows.sliced(dim: 0, start..<(start + size)).max(dim: 0).values)
            start += size
        }
        return maxima.isEmpty ? Tensor.zeros([0, dim]) : Tensor.stack(maxima, dim: 0)
    }
}

/// The positions of each bag in the flattened ids.
func embeddingBagRanges(idsShape: [Int], offsets: [Int]?, includeLastOffset: Bool) -> [Range<Int>] {
    if let offsets {
        precondition(idsShape.count == 1, "embeddingBag: offsets need 1-D ids, got shape \(idsShape)")
        let total = idsShape[0]
        let ends = offsets + (includeLastOffset ? [] : [total])
        precondition(!offsets.isEmpty && offsets[0] == 0, "embeddingBag: offsets must start at 0, got \(offsets)")
        precondition(zip(ends, ends.dropFirst()).allSatisfy { $0 <= $1 } && (ends.last ?? 0) <= total,
                     "embeddingBag: offsets \(offsets) must be non-decreasing and within the \(total) ids")
        return zip(ends, ends.dropFirst()).map { $0..<$1 }
    }
    precondition(idsShape.count == 2, "embeddingBag: ids without offsets must be 2-D [bags, size], got shape \(idsShape)")
    let (bags, size) = (idsShape[0], idsShape[1])
    return (0..<bags).map { ($0 * size)..<(($0 + 1) * size) }
}

/// Bags of embedding rows reduced by sum, mean or max, like `torch.nn.EmbeddingBag(num_embeddings,
/// embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, mode='mean',
/// sparse=False, _weight=None, include_last_offset=False, padding_idx=None)`; see
/// ``embeddingBag(_:weight:offsets:mode:perSampleWeights:includeLastOffset:paddingIdx:)``.
///
/// Parameter (PyTorch name and layout): `weight` `[numEmbeddings, embeddingDim]`, N(0, 1) with
/// the padding row zeroed.
public final class EmbeddingBag<Scalar: TensorScalar>: Module {
    /// `[numEmbeddings, embeddingDim]`.
    public let weight: Tensor<Scalar>
    /// The reduction over a bag.
    public let mode: EmbeddingBagMode
    /// Whether the last offset marks the end of the last bag.
    public let includeLastOffset: Bool
    /// The id left out of every bag, if any.
    public let paddingIdx: Int?
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a table initialised from `generator`.
    public convenience init(
        numEmbeddings: Int, embeddingDim: Int, mode: EmbeddingBagMode = .mean, includeLastOffset: Bool = false,
        paddingIdx: Int? = nil, generator: inout RandomGenerator
    ) {
        precondition(numEmbeddings > 0 && embeddingDim > 0, "EmbeddingBag: sizes must be positive")
        let weight = Tensor<Scalar>.randn([numEmbeddings, embeddingDim], generator: &generator)
        if let p = paddingIdx {
            let row = p < 0 ? p + numEmbeddings : p
            weight.withUnsafeMutableBufferPointer { for k in 0..<embeddingDim { $0[row * embeddingDim + k] = 0 } }
        }
        self.init(weight: weight, mode: mode, includeLastOffset: includeLastOffset, paddingIdx: paddingIdx)
    }

    /// Creates a table with the given weight (used as it is: shared, and made to require grad).
    /// A negative `paddingIdx` counts from the end.
    public init(weight: Tensor<Scalar>, mode: EmbeddingBagMode = .mean, includeLastOffset: Bool = false, paddingIdx: Int? = nil) {
        precondition(weight.rank == 2, "EmbeddingBag: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
        let count = weight.shape[0]
        if let p = paddingIdx { precondition(p >= -count && p < count, "EmbeddingBag: paddingIdx \(p) outside the \(count) rows") }
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + count : $0 }
        if weight.isLeaf { weight.requiresGrad = true }
        self.weight = weight
        self.mode = mode
        self.includeLastOffset = includeLastOffset
    }

    /// `weight`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [("weight", weight)] }

    /// The bags of `ids` (2-D `[B, N]`, or 1-D with `offsets`) → `[B, embeddingDim]`.
    public func callAsFunction(_ ids: IndexTensor, offsets: [Int]? = nil, perSampleWeights: Tensor<Scalar>? = nil) -> Tensor<Scalar> {
        embeddingBag(
            ids, weight: weight, offsets: offsets, mode: mode, perSampleWeights: perSampleWeights,
            includeLastOffset: includeLastOffset, paddingIdx: paddingIdx)
    }

}

/// Rescales, in place and without recording, each row of `weight` that `ids` reads and whose
/// `normType`-norm exceeds `maxNorm` to norm `maxNorm` (`row *= maxNorm / (‖row‖ + 1e-7)`), as
/// PyTorch's `Embedding(max_norm=…)` and `EmbeddingBag(max_norm=…)` do before each lookup
/// (`torch.embedding_renorm_`). The lookup's gradient is unchanged by it.
public func embeddingRenormalize<Scalar>(_ weight: Tensor<Scalar>, ids: IndexTensor, maxNorm: Double, normType: Double = 2) {
    precondition(weight.rank == 2, "embeddingRenormalize: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
    let (count, dim) = (weight.shape[0], weight.shape[1])
    let rows = Set(ids.indices).filter { $0 >= 0 && $0 < count }.sorted()
    guard !rows.isEmpty else { return }
    let selected = weight.detached().indexSelected(dim: 0, rows).abs()
    let norms = normType == .infinity
        ? selected.max(dim: 1).values.scalars
        : selected.pow(Scalar(normType)).sum(dim: 1).pow(Scalar(1 / normType)).scalars
    weight.withUnsafeMutableBufferPointer { p in
        for (row, norm) in zip(rows, norms) where Double(norm) > maxNorm {
            let scale = Scalar(maxNorm / (Double(norm) + 1e-7))
            for k in 0..<dim { p[row * dim + k] *= scale }
        }
    }
}

extension Embedding {
    /// Applies ``embeddingRenormalize(_:ids:maxNorm:normType:)`` to ``weight``: what PyTorch's
    /// `Embedding(max_norm=…)` does before looking `ids` up.
    public func renormalize(_ ids: IndexTensor, maxNorm: Double, normType: Double = 2) {
        embeddingRenormalize(weight, ids: ids, maxNorm: maxNorm, normType: normType)
    }
}
