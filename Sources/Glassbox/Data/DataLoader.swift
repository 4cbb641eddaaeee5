/// Splits a ``ClassificationDataset`` (a ``LabeledDataset``, an ``ImageDataset``, …) into
/// mini-batches, like `torch.utils.data.DataLoader`, with deterministic seeded shuffling.
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
    public let dataset: any ClassificationDataset<Scalar>
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
        _ dataset: some ClassificationDataset<Scalar>, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
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

    /// The batches of epoch `epoch`, in order. Each batch is built when it is accessed, so an
    /// epoch holds one batch's tensor in memory at a time (accessing a batch twice builds it
    /// twice).
    public func batches(epoch: Int) -> EpochBatches<Scalar> {
        EpochBatches(dataset: dataset, order: order(epoch: epoch), batchSize: batchSize, batchCount: batchCount)
    }
}

/// The batches of one epoch of a ``DataLoader``: a collection that builds batch `i` from the
/// epoch's order when it is accessed.
public struct EpochBatches<Scalar: TensorScalar>: RandomAccessCollection {
    let dataset: any ClassificationDataset<Scalar>
    /// The epoch's order of the sample positions.
    public let order: [Int]
    let batchSize: Int
    let batchCount: Int

    /// 0.
    public var startIndex: Int { 0 }
    /// The number of batches.
    public var endIndex: Int { batchCount }

    /// Batch `index`: the samples at `order[index · batchSize ..< (index + 1) · batchSize]`
    /// (fewer for the last batch).
    public subscript(index: Int) -> Batch<Scalar> {
        precondition((0..<batchCount).contains(index), "EpochBatches: batch \(index) outside 0..<\(batchCount)")
        let indices = Array(order[(index * batchSize)..<Swift.min(order.count, (index + 1) * batchSize)])
        return dataset.batch(indices)
    }
}
