/// A labelled dataset that assembles mini-batches on demand: what ``Module/fit(_:epochs:batchSize:optimizer:loss:validationSplit:validationData:shuffle:seed:initialEpoch:scheduler:verbose:onEpochEnd:)``
/// and ``Module/evaluate(_:batchSize:loss:)`` train and test on.
///
/// A dataset may hold ready tensors (``LabeledDataset``) or compact raw data that it converts
/// per batch (an image dataset keeping bytes); either way `batch(_:)` returns the samples in
/// the order of `indices`.
public protocol ClassificationDataset<Scalar> {
    /// The element type of the batches' inputs.
    associatedtype Scalar: TensorScalar
    /// The number of samples.
    var count: Int { get }
    /// The number of classes (labels lie in `0..<classCount`).
    var classCount: Int { get }
    /// The samples at `indices` (each in `0..<count`), in that order: inputs
    /// `[indices.count, …]` and their labels `[indices.count]`.
    func batch(_ indices: [Int]) -> (inputs: Tensor<Scalar>, labels: IndexTensor)
}

extension ClassificationDataset {
    /// The order in which epoch `epoch` visits `0..<count` when shuffling with `seed`: a
    /// Fisher–Yates shuffle drawn from the stream of `seed` at counter `epoch · 2³²`, so each
    /// epoch's order is a pure function of `(seed, epoch)` and a resumed run sees the same
    /// batches as an uninterrupted one.
    public static func shuffledOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var generator = RandomGenerator(seed: seed, counter: UInt64(epoch) << 32)
        generator.shuffle(&order)
        return order
    }
}
