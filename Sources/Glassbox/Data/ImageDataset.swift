import GlassboxIO

/// A labelled image dataset held in memory as 8-bit pixels, converted to a normalised
/// `[batch, channels, height, width]` tensor one batch at a time (see ``PixelNormalization``).
///
/// Keeping bytes rather than scalars makes MNIST's 60 000 training images 47 MB instead of
/// 188 MB (Float); a 64-image batch is converted by table look-ups in microseconds. Batch it
/// with ``DataLoader`` (seeded shuffling, `dropLast`), hold out a validation part with
/// ``split(validationSplit:)``.
///
/// ```swift
/// let (train, validation) = try MNIST.load(directory: "data/mnist", split: .train).split(validationSplit: 0.1)
/// let loader = DataLoader(train, batchSize: 64, seed: 1)
/// ```
public struct ImageDataset<Scalar: TensorScalar>: ClassificationDataset {
    /// The pixels, `count · channels · height · width` bytes: image `i` starts at
    /// `i · channels · height · width`, each image channel-major (CHW) and row-major.
    public let images: [UInt8]
    /// The class of each image.
    public let labels: [Int]
    /// Channels per image (1 for MNIST).
    public let channels: Int
    /// Rows per image.
    public let height: Int
    /// Pixels per row.
    public let width: Int
    /// The number of classes (labels lie in `0..<classCount`).
    public let classCount: Int
    /// A readable name for each class, `classNames[label]`.
    public let classNames: [String]
    /// How pixels become tensor values.
    public let normalization: PixelNormalization
    /// `normalization`'s lookup table for `channels` channels.
    private let table: [Scalar]

    /// Creates a dataset.
    ///
    /// - Parameters:
    ///   - images: `labels.count · channels · height · width` bytes, CHW per image.
    ///   - classNames: one name per class; `nil` for `"0"`, `"1"`, ….
    ///   - normalization: one mean and std, or one per channel.
    /// - Precondition: the sizes agree, every label lies in `0..<classCount`.
    public init(
        images: [UInt8], labels: [Int], channels: Int = 1, height: Int, width: Int, classCount: Int,
        classNames: [String]? = nil, normalization: PixelNormalization
    ) {
        precondition(channels > 0 && height > 0 && width > 0, "ImageDataset: image shape [\(channels), \(height), \(width)] must be positive")
        precondition(
            images.count == labels.count * channels * height * width,
            "ImageDataset: \(images.count) bytes do not hold \(labels.count) images of [\(channels), \(height), \(width)]")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "ImageDataset: a label lies outside 0..<\(classCount)")
        precondition(
            classNames == nil || classNames!.count == classCount,
            "ImageDataset: \(classNames?.count ?? 0) class names for \(classCount) classes")
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        self.normalization = normalization
        self.table = normalization.lookupTable(channels: channels, as: Scalar.self)
    }

    /// The same images and labels converted to batches of another scalar type.
    public init<Other>(_ other: ImageDataset<Other>) {
        self.init(
            images: other.images, labels: other.labels, channels: other.channels, height: other.height,
            width: other.width, classCount: other.classCount, classNames: other.classNames,
            normalization: other.normalization)
    }

    /// The number of images.
    public var count: Int { labels.count }

    /// The shape of one image: `[channels, height, width]`.
    public var imageShape: [Int] { [channels, height, width] }

    /// The images at `indices` normalised into `[indices.count, channels, height, width]`,
    /// with their labels.
    public func batch(_ indices: [Int]) -> Batch<Scalar> {
        let size = channels * height * width
        let plane = height * width
        let features = Tensor<Scalar>.empty([indices.count, channels, height, width])
        features.withUnsafeMutableBufferPointer { out in
            images.withUnsafeBufferPointer { pixels in
                for (row, index) in indices.enumerated() {
                    precondition((0..<count).contains(index), "ImageDataset.batch: index \(index) outside 0..<\(count)")
                    for c in 0..<channels {
                        PixelNormalization.lookUp(
                            pixels.baseAddress! + index * size + c * plane, stride: 1, count: plane, table: table,
                            offset: c * 256, into: out.baseAddress! + row * size + c * plane)
                    }
                }
            }
        }
        return Batch(features: features, labels: IndexTensor(indices.map { labels[$0] }), indices: indices)
    }

    /// Image `index` as an 8-bit ``Image`` (channels interleaved), e.g. to save as PNG.
    ///
    /// - Precondition: `channels` ≤ 4.
    public func image(at index: Int) -> Image {
        precondition((0..<count).contains(index), "ImageDataset.image(at:): index \(index) outside 0..<\(count)")
        precondition(channels <= 4, "ImageDataset.image(at:): \(channels) channels do not fit an Image (1...4)")
        let plane = height * width
        let start = index * channels * plane
        var pixels = [UInt8](repeating: 0, count: channels * plane)
        for c in 0..<channels {
            for i in 0..<plane { pixels[i * channels + c] = images[start + c * plane + i] }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The images at `indices`, in that order (a copy).
    public func subset(_ indices: [Int]) -> ImageDataset {
        let size = channels * height * width
        var bytes: [UInt8] = []
        bytes.reserveCapacity(indices.count * size)
        for index in indices {
            precondition((0..<count).contains(index), "ImageDataset.subset: index \(index) outside 0..<\(count)")
            bytes.append(contentsOf: images[(index * size)..<((index + 1) * size)])
        }
        return ImageDataset(
            images: bytes, labels: indices.map { labels[$0] }, channels: channels, height: height, width: width,
            classCount: classCount, classNames: classNames, normalization: normalization)
    }

    /// A training/validation split as Keras' `validation_split`: the **last**
    /// `count − ⌊count · (1 − validationSplit)⌋` images, unshuffled, form `validation`, the
    /// others `train`. The split does not depend on any seed; shuffle the training part with
    /// a ``DataLoader``.
    ///
    /// - Precondition: `0 ≤ validationSplit < 1`.
    public func split(validationSplit: Double) -> (train: ImageDataset, validation: ImageDataset) {
        precondition(
            validationSplit >= 0 && validationSplit < 1,
            "ImageDataset.split: validationSplit \(validationSplit) outside [0, 1)")
        let splitAt = Int((Double(count) * (1.0 - validationSplit)).rounded(.down))
        return (subset(Array(0..<splitAt)), subset(Array(splitAt..<count)))
    }
}
