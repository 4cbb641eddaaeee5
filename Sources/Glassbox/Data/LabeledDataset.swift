/// A classification dataset held in memory: one feature row per sample and one class label
/// per sample.
///
/// `features` is `[count, featureCount]` (row `i` is sample `i`); `labels.indices[i]` is the
/// class of sample `i`, in `0..<classCount`.
public struct LabeledDataset<Scalar: TensorScalar>: ClassificationDataset {
    /// The samples, `[count, featureCount]`, row-major.
    public let features: Tensor<Scalar>
    /// The class of each sample, shape `[count]`.
    public let labels: IndexTensor
    /// The number of classes (labels lie in `0..<classCount`).
    public let classCount: Int

    /// Creates a dataset.
    ///
    /// - Precondition: `features` is two-dimensional, `labels` is `[features.shape[0]]`, and
    ///   every label lies in `0..<classCount`.
    public init(features: Tensor<Scalar>, labels: IndexTensor, classCount: Int) {
        precondition(features.rank == 2, "LabeledDataset: features must be [count, featureCount], got \(features.shape)")
        precondition(
            labels.shape == [features.shape[0]],
            "LabeledDataset: labels shape \(labels.shape) does not match \(features.shape[0]) samples")
        precondition(
            labels.indices.allSatisfy { (0..<classCount).contains($0) },
            "LabeledDataset: a label lies outside 0..<\(classCount)")
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of samples.
    public var count: Int { features.shape[0] }

    /// The number of features per sample.
    public var featureCount: Int { features.shape[1] }

    /// The samples at `indices`, in that order (a copy; no autograd history).
    public func subset(_ indices: [Int]) -> LabeledDataset {
        let width = featureCount
        var rows = [Scalar](repeating: 0, count: indices.count * width)
        features.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { target in
                for (row, index) in indices.enumerated() {
                    precondition((0..<count).contains(index), "LabeledDataset.subset: index \(index) outside 0..<\(count)")
                    for j in 0..<width { target[row * width + j] = source[index * width + j] }
                }
            }
        }
        return LabeledDataset(
            features: Tensor(rows, shape: [indices.count, width]),
            labels: IndexTensor(indices.map { labels.indices[$0] }),
            classCount: classCount)
    }

    /// The samples at `indices` as a batch `[indices.count, featureCount]` (see ``subset(_:)``).
    public func batch(_ indices: [Int]) -> Batch<Scalar> {
        let part = subset(indices)
        return Batch(features: part.features, labels: part.labels, indices: indices)
    }

    /// A seeded split into a training part and a held-out part.
    ///
    /// The samples are shuffled with ``RandomGenerator`` seeded by `seed`; the first
    /// `round(count · testFraction)` shuffled samples form `test`, the rest `train` (both in
    /// shuffled order). The same seed gives the same split on every platform.
    public func split(testFraction: Double, seed: UInt64) -> (train: LabeledDataset, test: LabeledDataset) {
        precondition(testFraction >= 0 && testFraction <= 1, "LabeledDataset.split: testFraction \(testFraction) outside [0, 1]")
        var order = Array(0..<count)
        var generator = RandomGenerator(seed: seed)
        generator.shuffle(&order)
        let testCount = Int((Double(count) * testFraction).rounded())
        return (train: subset(Array(order[testCount...])), test: subset(Array(order[..<testCount])))
    }
}
