/// A labelled dataset that ``DataLoader`` can batch: it knows its size and builds the batch of
/// any list of sample positions on demand.
///
/// ``LabeledDataset`` (feature rows held as a tensor) and ``ImageDataset`` (8-bit images
/// normalised per batch) conform; so can any other source, e.g. one that reads from disk.
public protocol ClassificationDataset<Scalar> {
    /// The scalar type of the batches' features.
    associatedtype Scalar: TensorScalar
    /// The number of samples.
    var count: Int { get }
    /// The number of classes (labels lie in `0..<classCount`).
    var classCount: Int { get }
    /// The samples at `indices`, in that order, as one batch (a new tensor with no autograd
    /// history).
    ///
    /// - Precondition: every index lies in `0..<count`.
    func batch(_ indices: [Int]) -> Batch<Scalar>
}

/// One mini-batch: the `features` of the samples at `indices` and their `labels`.
public struct Batch<Scalar: TensorScalar> {
    /// The samples of the batch, `[size, …]`: `[size, featureCount]` for a ``LabeledDataset``,
    /// `[size, channels, height, width]` for an ``ImageDataset``.
    public let features: Tensor<Scalar>
    /// The class of each sample, `[size]`.
    public let labels: IndexTensor
    /// The positions of the samples in the dataset.
    public let indices: [Int]

    /// Creates a batch.
    ///
    /// - Precondition: `features.shape[0]` and `labels.shape` match `indices.count`.
    public init(features: Tensor<Scalar>, labels: IndexTensor, indices: [Int]) {
        precondition(
            features.rank >= 1 && features.shape[0] == indices.count && labels.shape == [indices.count],
            "Batch: features \(features.shape) and labels \(labels.shape) do not match \(indices.count) samples")
        self.features = features
        self.labels = labels
        self.indices = indices
        OpProfiler.dataMade()
    }

    /// The number of samples in the batch.
    public var size: Int { indices.count }
}

extension ClassificationDataset {
    /// The order in which epoch `epoch` visits `0..<count` when shuffling with `seed`: a
    /// Fisher–Yates shuffle drawn from the stream of `seed` at counter `epoch · 2³²`, so each
    /// epoch's order is a pure function of `(seed, epoch)` and a resumed run sees the same
    /// batches as an uninterrupted one. ``DataLoader`` and ``Layer/fit(_:epochs:batchSize:optimizer:loss:validationSplit:validationData:shuffle:seed:initialEpoch:scheduler:verbose:onNonFiniteLoss:onEpochEnd:)``
    /// both use it.
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = RandomGenerator(seed: seed, counter: UInt64(epoch) << 32)
        generator.shuffle(&order)
        return order
    }
}
