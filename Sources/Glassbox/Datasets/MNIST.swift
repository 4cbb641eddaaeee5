import GlassboxIO

/// Why an MNIST-format directory could not be loaded; the message names the file.
public enum MNISTError: Error, Equatable, CustomStringConvertible {
    /// Neither `name` nor `name.gz` exists in `directory`.
    case missingFile(directory: String, name: String)
    /// The file is a valid IDX file of the wrong type or rank.
    case unexpectedContents(file: String, expected: String, found: String)
    /// The images file and the labels file hold different numbers of items.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// Label `index` (0-based) is not a class.
    case labelOutOfRange(file: String, index: Int, label: Int)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .missingFile(let directory, let name): "\(directory): neither \(name) nor \(name).gz exists"
        case .unexpectedContents(let file, let expected, let found): "\(file): expected \(expected), found \(found)"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case .labelOutOfRange(let file, let index, let label):
            "\(file): label \(index) is \(label), outside 0...\(MNIST.classCount - 1)"
        }
    }
}

/// MNIST handwritten digits and Fashion-MNIST clothing images: 28×28 gray images in 10
/// classes, stored as the four original IDX files (`train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, raw or
/// gzip-compressed), 60 000 training and 10 000 test images each.
///
/// The datasets load as ``ImageDataset``s that keep the bytes and normalise per batch with
/// the variant's mean and std. The first 10 000 training and 2 000 test images of MNIST are
/// embedded in the package (``embedded(split:)``; CC BY-SA 3.0, see `mnist/LICENSE.md` beside
/// this file), so a fresh checkout can train without downloading anything.
///
/// ```swift
/// let train = try MNIST.embedded(split: .train)                     // 10 000 images
/// let test = try MNIST.load(directory: "data/fashion-mnist", split: .test, variant: .fashionMNIST)
/// ```
public enum MNIST {
    /// The training or the test part.
    public enum Split: String, Sendable, CaseIterable {
        /// The 60 000 training images (`train-…` files).
        case train
        /// The 10 000 test images (`t10k-…` files).
        case test

        /// The prefix of the split's file names: `train` or `t10k`.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// Which dataset an MNIST-format directory holds; it decides the class names and the
    /// normalisation.
    public enum Variant: String, Sendable, CaseIterable {
        /// Handwritten digits 0–9 (LeCun, Cortes, Burges).
        case mnist
        /// Zalando's Fashion-MNIST: ten kinds of clothing.
        case fashionMNIST = "fashion-mnist"

        /// The class names, indexed by label.
        public var classNames: [String] {
            switch self {
            case .mnist: (0...9).map(String.init)
            case .fashionMNIST:
                ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            }
        }

        /// The training-set mean and std: ``PixelNormalization/mnist`` or
        /// ``PixelNormalization/fashionMNIST``.
        public var normalization: PixelNormalization {
            self == .mnist ? .mnist : .fashionMNIST
        }
    }

    /// The number of classes.
    public static let classCount = 10
    /// The number of embedded training images (the first of the full set).
    public static let embeddedTrainCount = 10_000
    /// The number of embedded test images (the first of the full set).
    public static let embeddedTestCount = 2_000

    /// The directory of the embedded subset, `mnist/` next to this source file.
    ///
    /// It lies in the package's checkout (or in the checkout SwiftPM made of it for a
    /// dependent package); a binary copied elsewhere without the sources must load from a
    /// directory with ``load(directory:split:variant:)``.
    public static var embeddedDirectory: String {
        let source = #filePath
        guard let slash = source.lastIndex(of: "/") else { return "mnist" }
        return String(source[...slash]) + "mnist"
    }

    /// The file names of a split, without `.gz`: e.g. `train-images-idx3-ubyte` and
    /// `train-labels-idx1-ubyte`.
    public static func fileNames(split: Split) -> (images: String, labels: String) {
        ("\(split.filePrefix)-images-idx3-ubyte", "\(split.filePrefix)-labels-idx1-ubyte")
    }

    /// Loads one split of an MNIST-format directory. Each file is read raw if it exists,
    /// else as `<name>.gz`.
    ///
    /// - Throws: ``MNISTError`` if a file is missing or holds the wrong thing, `IDXError` or
    ///   `FileError` if one cannot be read.
    public static func load(directory: String, split: Split, variant: Variant = .mnist) throws -> ImageDataset<Float> {
        let names = fileNames(split: split)
        let (images, imagesFile) = try readIDX(directory: directory, name: names.images)
        let (labels, labelsFile) = try readIDX(directory: directory, name: names.labels)
        guard images.dtype == .u8, images.shape.count == 3, images.shape[1] > 0, images.shape[2] > 0 else {
            throw MNISTError.unexpectedContents(
                file: imagesFile, expected: "u8 images [count, rows, columns]", found: "\(images.dtype.rawValue) \(images.shape)")
        }
        guard labels.dtype == .u8, labels.shape.count == 1 else {
            throw MNISTError.unexpectedContents(
                file: labelsFile, expected: "u8 labels [count]", found: "\(labels.dtype.rawValue) \(labels.shape)")
        }
        guard images.shape[0] == labels.shape[0] else {
            throw MNISTError.countMismatch(
                images: imagesFile, imageCount: images.shape[0], labels: labelsFile, labelCount: labels.shape[0])
        }
        if let index = labels.bytes.firstIndex(where: { Int($0) >= classCount }) {
            throw MNISTError.labelOutOfRange(file: labelsFile, index: index, label: Int(labels.bytes[index]))
        }
        return ImageDataset(
            images: images.bytes, labels: labels.bytes.map(Int.init), channels: 1, height: images.shape[1],
            width: images.shape[2], classCount: classCount, classNames: variant.classNames,
            normalization: variant.normalization)
    }

    /// The embedded MNIST subset: the first ``embeddedTrainCount`` training or
    /// ``embeddedTestCount`` test images, in the original order.
    ///
    /// - Throws: as ``load(directory:split:variant:)`` (only if the checkout is damaged).
    public static func embedded(split: Split) throws -> ImageDataset<Float> {
        try load(directory: embeddedDirectory, split: split)
    }

    /// Reads `directory/name`, or `directory/name.gz` when the former does not exist.
    private static func readIDX(directory: String, name: String) throws -> (data: ArrayData, file: String) {
        let base = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        for file in [base, base + ".gz"] {
            do {
                return (try IDX.read(contentsOf: file), file)
            } catch FileError.notFound {
                continue
            }
        }
        throw MNISTError.missingFile(directory: directory, name: name)
    }
}
