import GlassboxIO

/// Why the digits CSV could not be read; the message names the file and, for content
/// errors, the line.
public enum DigitsError: Error, Equatable, CustomStringConvertible {
    /// A line does not hold 64 pixels in `0...16` and a label in `0...9`.
    case malformedLine(file: String, line: Int, reason: String)
    /// The file holds no samples.
    case empty(file: String)

    /// A one-line message naming the file, the line and the expectation.
    public var description: String {
        switch self {
        case .malformedLine(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .empty(let file): "\(file): no samples (expected lines of 64 pixels and a label)"
        }
    }
}

/// The UCI optical-recognition handwritten digits as shipped by scikit-learn
/// (`sklearn.datasets.load_digits`): 1797 images of 8×8 pixels with values `0...16`, classes
/// 0–9. BSD-3 licensed; see `LICENSE-digits.md` beside this file.
///
/// The data is embedded in the package as `Datasets/digits.csv.gz`: one line per image, no
/// header, 64 comma-separated pixel values (row-major) then the label. ``load(splitSeed:path:)``
/// scales the pixels to `[0, 1]` (÷ 16) and splits the samples 80/20 into train and test with a
/// fixed seed.
public enum Digits {
    /// The number of images in the dataset.
    public static let sampleCount = 1797
    /// Pixels per image (8 × 8).
    public static let featureCount = 64
    /// The number of classes (digits 0–9).
    public static let classCount = 10
    /// The largest pixel value in the raw data.
    public static let maximumPixel = 16
    /// The share of the samples held out for testing.
    public static let testFraction = 0.2
    /// The seed of the default train/test split.
    public static let defaultSplitSeed: UInt64 = 0xD161_7500

    /// The path of the embedded `digits.csv.gz`, found next to this source file.
    ///
    /// It lies in the package's checkout (or in the checkout SwiftPM made of it for a
    /// dependent package); a binary copied elsewhere without the sources must be given an
    /// explicit path.
    public static var embeddedPath: String {
        let source = #filePath
        guard let slash = source.lastIndex(of: "/") else { return "digits.csv.gz" }
        return String(source[...slash]) + "digits.csv.gz"
    }

    /// All 1797 samples in file order, pixels scaled to `[0, 1]`.
    ///
    /// - Parameter path: a gzip-compressed or plain CSV file; `nil` for ``embeddedPath``.
    /// - Throws: `FileError` if the file cannot be read, `GZipError` if it is corrupt,
    ///   ``DigitsError`` if a line is malformed.
    public static func loadAll(path: String? = nil) throws -> LabeledDataset<Float> {
        let file = path ?? embeddedPath
        var bytes = try FileIO.readBytes(atPath: file)
        if GZip.hasMagic(bytes) { bytes = try GZip.decompress(bytes, source: file) }
        return try parse(csv: bytes, source: file)
    }

    /// The fixed 80/20 train/test split of the samples, pixels scaled to `[0, 1]`.
    ///
    /// - Parameters:
    ///   - splitSeed: the seed of the split (see ``LabeledDataset/split(testFraction:seed:)``);
    ///     the default gives the split every Glassbox result on digits is reported on.
    ///   - path: a gzip-compressed or plain CSV file; `nil` for the embedded copy.
    /// - Returns: 1438 training and 359 test samples with the full file.
    public static func load(
        splitSeed: UInt64 = defaultSplitSeed, path: String? = nil
    ) throws -> (train: LabeledDataset<Float>, test: LabeledDataset<Float>) {
        try loadAll(path: path).split(testFraction: testFraction, seed: splitSeed)
    }

    /// Parses the decompressed CSV strictly: every line holds exactly 64 integers in
    /// `0...16` and a label in `0...9`, separated by single commas, with no spaces, no header
    /// and no blank lines (a final newline and `\r\n` line ends are accepted).
    ///
    /// - Parameter source: the file name used in error messages.
    /// - Throws: ``DigitsError`` naming `source` and the 1-based line number.
    public static func parse(csv bytes: [UInt8], source: String = "<memory>") throws -> LabeledDataset<Float> {
        let columns = featureCount + 1
        var pixels: [Float] = []
        pixels.reserveCapacity(sampleCount * featureCount)
        var labels: [Int] = []
        labels.reserveCapacity(sampleCount)

        var line = 1
        var position = 0
        while position < bytes.count {
            var end = position
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var contentEnd = end
            if contentEnd > position && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            func fail(_ reason: String) -> DigitsError { .malformedLine(file: source, line: line, reason: reason) }
            if contentEnd == position { throw fail("empty line") }

            var fields: [Int] = []
            fields.reserveCapacity(columns)
            var fieldStart = position
            for i in position...contentEnd where i == contentEnd || bytes[i] == UInt8(ascii: ",") {
                let field = bytes[fieldStart..<i]
                guard !field.isEmpty, field.count <= 3, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    let text = String(decoding: field.prefix(20), as: UTF8.self)
                    throw fail("column \(fields.count + 1): expected a non-negative integer, found '\(text)'")
                }
                fields.append(field.reduce(0) { $0 * 10 + Int($1 - 0x30) })
                fieldStart = i + 1
            }
            guard fields.count == columns else {
                throw fail("expected \(columns) values (\(featureCount) pixels and a label), found \(fields.count)")
            }
            for (column, value) in fields.prefix(featureCount).enumerated() where value > maximumPixel {
                throw fail("column \(column + 1): pixel \(value) outside 0...\(maximumPixel)")
            }
            guard fields[featureCount] < classCount else {
                throw fail("column \(columns): label \(fields[featureCount]) outside 0...\(classCount - 1)")
            }
            for value in fields.prefix(featureCount) { pixels.append(Float(value) / Float(maximumPixel)) }
            labels.append(fields[featureCount])
            line += 1
            position = end + 1
        }
        guard !labels.isEmpty else { throw DigitsError.empty(file: source) }
        return LabeledDataset(
            features: Tensor(pixels, shape: [labels.count, featureCount]), labels: IndexTensor(labels),
            classCount: classCount)
    }
}
