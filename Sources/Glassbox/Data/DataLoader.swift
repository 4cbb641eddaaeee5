/// One mini-batch: `features` `[batchSize, featureCount]` and the matching `labels`.
public struct Batch<Scalar: TensorScalar> {
    /// The samples of the batch, `[size, featureCount]`.
    public let features: Tensor<Scalar>
    /// The class of each sample, `[size]`.
    public let labels: IndexTensor
    /// The positions of the samples in the dataset.
    public let indices: [Int]

    /// The number of samples in the batch.
    public var size: Int { indices.count }
}

/// Splits a ``LabeledDataset`` into mini-batches, like `torch.utils.data.DataLoader`, with
/// deterministic seeded shuffling.
///
/// The order of epoch `e` is a pure function of `(seed, e)`: a Fisher–Yates shuffle drawn from
/// the stream of `seed` starting at counter `e · 2³²`, so epochs differ from one another, and a
/// run can be resumed at any epoch with the same batches.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 32, shuffle: true, seed: 7)
/// for epoch in 0..<10 {
///     for batch in loader.batches(epoch: epoch) { … }
/// }
/// ```
public struct DataLoader<Scalar: TensorScalar> {
    /// The dataset batched.
    public let dataset: LabeledDataset<Scalar>
    /// The number of samples per batch (the last batch may be smaller unless ``dropLast``).
    public let batchSize: Int
    /// Whether each epoch visits the samples in a fresh seeded order.
    public let shuffle: Bool
    /// The seed of the shuffling.
    public let seed: UInt64
    /// Whether to skip a last batch smaller than ``batchSize``.
    public let dropLast: Bool

    /// Creates a loader.
    ///
    /// - Precondition: `batchSize > 0`.
    public init(
        _ dataset: LabeledDataset<Scalar>, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
        dropLast: Bool = false
    ) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
    }

    /// The number of batches per epoch.
    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// The order in which epoch `epoch` visits the samples.
    public func order(epoch: Int) -> [Int] {
        shuffle
            ? LabeledDataset<Scalar>.shuffledOrder(count: dataset.count, seed: seed, epoch: epoch)
            : Array(0..<dataset.count)
    }

    /// The batches of epoch `epoch`, in order.
    public func batches(epoch: Int) -> [Batch<Scalar>] {
        let order = order(epoch: epoch)
        return (0..<batchCount).map { b in
            let indices = Array(order[(b * batchSize)..<Swift.min(order.count, (b + 1) * batchSize)])
            let part = dataset.subset(indices)
            return Batch(features: part.features, labels: part.labels, indices: indices)
        }
    }
}
