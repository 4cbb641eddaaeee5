import Glassbox
import GlassboxIO

/// Reads 28×28 grayscale images: an IDX file (raw or gzip) of shape `[N, 28, 28]`, or one PNG
/// or PGM image (converted to grayscale). Returns the pixels, row-major, and the image count.
func readDigitImages(_ path: String, command: String) throws -> (pixels: [UInt8], count: Int) {
    let bytes = try failing(command) { try FileIO.readBytes(atPath: path) }
    func checked(_ image: Image) throws -> (pixels: [UInt8], count: Int) {
        let gray = image.grayscale()
        guard gray.width == 28 && gray.height == 28 else {
            throw CLIError.failure("\(command): \(path): image is \(gray.width)×\(gray.height), expected 28×28")
        }
        return (gray.pixels, 1)
    }
    if bytes.starts(with: PNG.signature) {
        return try checked(try failing(command) { try PNG.decode(bytes, source: path) })
    }
    if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2") {
        return try checked(try failing(command) { try PGM.decode(bytes, source: path) })
    }
    let array = try failing(command) { try IDX.decode(bytes, source: path) }
    guard array.dtype == .u8, array.shape.count == 3, array.shape[1] == 28, array.shape[2] == 28 else {
        throw CLIError.failure(
            "\(command): \(path): IDX data has dtype \(array.dtype.safeTensorsName) and shape \(array.shape), expected U8 [N, 28, 28]")
    }
    return (array.bytes, array.shape[0])
}

/// `glassbox predict --checkpoint DIR --images FILE`.
let predictCommand = Command(
    name: "predict",
    summary: "Classify 28x28 images with a trained image classifier",
    usage: ["predict --checkpoint DIR --images FILE [--top K] [--limit N]"],
    details: """
        Loads the checkpoint written by 'glassbox train cnn|lenet|vgg --out DIR' and prints, for
        each image, the predicted class and its probability, then the next most likely classes.
        FILE is an IDX file of 28x28 bytes (raw or gzip, e.g. t10k-images-idx3-ubyte.gz) or one
        28x28 PNG or PGM image (colour is converted to gray). Pixels are normalised as in training.
        """,
    options: [
        .value("checkpoint", "DIR", "The checkpoint directory (holds checkpoint.safetensors)."),
        .value("images", "FILE", "The images: IDX, PNG or PGM."),
        .value("top", "K", "Classes to show per image (default 3)."),
        .value("limit", "N", "Classify at most the first N images of an IDX file."),
    ],
    maxPositionals: 0,
    run: { arguments in
        guard let directory = try arguments.string("checkpoint") else { throw CLIError.usage("predict: --checkpoint DIR is required") }
        guard let path = try arguments.string("images") else { throw CLIError.usage("predict: --images FILE is required") }
        let top = try arguments.int("top", in: 1...10) ?? 3
        let classifier = try CheckpointedClassifier(directory: directory, command: "predict")
        var (pixels, count) = try readDigitImages(path, command: "predict")
        if let limit = try arguments.int("limit"), limit < count {
            pixels = Array(pixels[..<(limit * 784)])
            count = limit
        }
        let probabilities = classifier.model.predict(classifier.inputs(pixels, count: count)).softmax(dim: 1).scalars
        let names = classifier.variant.classNames.enumerated().map { $0.element == String($0.offset) ? $0.element : "\($0.offset) \($0.element)" }
        let width = String(count - 1).count
        for i in 0..<count {
            let row = Array(probabilities[(i * 10)..<(i * 10 + 10)])
            let ranked = row.indices.sorted { row[$0] > row[$1] }.prefix(top)
            let best = ranked.first!
            let rest = ranked.dropFirst().map { "\(names[$0]) \(percent(row[$0]))" }.joined(separator: ", ")
            Console.out(
                "\(TextFormat.padLeft(String(i), to: width)): \(names[best]) \(percent(row[best]))"
                    + (rest.isEmpty ? "" : "   (then \(rest))"))
        }
        return 0
    })

/// A probability as a percentage with two decimals.
func percent(_ p: Float) -> String { TextFormat.fixed(Double(p) * 100, decimals: 2) + "%" }
