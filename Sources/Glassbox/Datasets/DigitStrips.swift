/// An image-captioning task: strips of three MNIST digits side by side (28 × 84 pixels)
/// captioned with their words ("seven two nine").
///
/// A strip set is an ``ImageDataset`` whose label is the three digits read as a number
/// (`7·100 + 2·10 + 9` = 729, 1000 classes), so it batches, shuffles and saves as PNG like any
/// image dataset; ``captions(_:)`` turns labels into word-id sequences. Strips for training are
/// built from the MNIST training images, strips for testing from the test images, so no test
/// digit is ever seen in training.
public enum DigitStrips {
    /// Digits per strip.
    public static let length = 3
    /// The caption vocabulary: the special tokens, then "zero" … "nine".
    public static let vocabulary = Vocabulary(NumberWords.ones.prefix(10).map { $0 })

    /// `count` strips of images of `source` (a 1-channel digit dataset, labels 0–9), each made of
    /// three images drawn uniformly with `seed`.
    ///
    /// - Precondition: `source` has one channel and 10 classes.
    public static func make<Scalar>(from source: ImageDataset<Scalar>, count: Int, seed: UInt64) -> ImageDataset<Scalar> {
        precondition(source.channels == 1 && source.classCount == 10, "DigitStrips.make: need 1-channel images of 10 classes")
        let h = source.height, w = source.width
        var generator = RandomGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * h * w * length)
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for s in 0..<count {
            var label = 0
            for slot in 0..<length {
                let index = generator.nextInt(below: source.count)
                label = label * 10 + source.labels[index]
                for y in 0..<h {
                    let from = index * h * w + y * w
                    let to = s * h * w * length + y * w * length + slot * w
                    pixels.replaceSubrange(to..<(to + w), with: source.images[from..<(from + w)])
                }
            }
            labels.append(label)
        }
        return ImageDataset(
            images: pixels, labels: labels, height: h, width: w * length, classCount: 1000,
            classNames: (0..<1000).map { words($0).joined(separator: " ") }, normalization: source.normalization)
    }

    /// The words of a strip's label: 729 → ["seven", "two", "nine"].
    public static func words(_ label: Int) -> [String] {
        precondition((0..<1000).contains(label), "DigitStrips.words: label \(label) outside 0..<1000")
        return [label / 100, label / 10 % 10, label % 10].map { NumberWords.ones[$0] }
    }

    /// The captions of `labels` as word ids framed `<bos> … <eos>`, `[labels.count, 5]`.
    public static func captions(_ labels: [Int]) -> PaddedSequences {
        PaddedSequences(labels.map { vocabulary.encode(words($0), framed: true) })
    }
}
