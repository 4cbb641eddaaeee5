/// Why a PGM file could not be read; the message is one line naming the file.
public enum PGMError: Error, Equatable, CustomStringConvertible {
    /// The file does not start with `P5` (binary) or `P2` (plain/ASCII).
    case notPGM(file: String)
    /// The width, height or maxval is missing, not a number, or out of range.
    case invalidHeader(file: String, reason: String)
    /// The raster holds `actual` of the `expected` samples.
    case truncated(file: String, expected: Int, actual: Int)
    /// Sample `index` (0-based, row-major) is not a number or exceeds maxval.
    case invalidSample(file: String, index: Int, reason: String)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .notPGM(let file): "\(file): not a PGM file (expected the magic number P5 or P2)"
        case .invalidHeader(let file, let reason): "\(file): invalid PGM header: \(reason)"
        case .truncated(let file, let expected, let actual): "\(file): PGM raster has \(actual) of \(expected) samples"
        case .invalidSample(let file, let index, let reason): "\(file): PGM sample \(index): \(reason)"
        }
    }
}

/// PGM (Netpbm portable graymap) images: binary `P5` and plain `P2`.
///
/// Reading: a header of magic number, width, height and maxval separated by whitespace, with
/// `#` comments to the end of a line (also between plain samples, as Netpbm allows); maxval
/// 1...65535 (two big-endian bytes per `P5` sample above 255). Samples are scaled to 0...255
/// (`(v · 255 + maxval / 2) / maxval`, rounding halves up), so the result is an 8-bit
/// one-channel ``Image``. Only the first image of a multi-image file is read.
///
/// Writing: maxval 255, one image per file.
public enum PGM {
    /// The PGM variant to write.
    public enum Format: String, Sendable, CaseIterable {
        /// `P5`: one byte per sample after the header.
        case binary
        /// `P2`: decimal samples, one image row per line (lines wrapped before 70 characters).
        case plain
    }

    /// The bytes of a PGM file holding the one-channel `image` (maxval 255, no comment).
    ///
    /// - Precondition: `image.channels == 1` (use ``Image/grayscale()``).
    public static func encode(_ image: Image, format: Format = .binary) -> [UInt8] {
        precondition(image.channels == 1, "PGM.encode: PGM holds one channel, the image has \(image.channels); use grayscale()")
        var output = Array("\(format == .binary ? "P5" : "P2")\n\(image.width) \(image.height)\n255\n".utf8)
        if format == .binary {
            output.append(contentsOf: image.pixels)
            return output
        }
        for y in 0..<image.height {
            var lineLength = 0
            for x in 0..<image.width {
                let text = String(image.pixels[y * image.width + x])
                if lineLength > 0 && lineLength + 1 + text.utf8.count >= 70 {
                    output.append(UInt8(ascii: "\n"))
                    lineLength = 0
                } else if lineLength > 0 {
                    output.append(UInt8(ascii: " "))
                    lineLength += 1
                }
                output.append(contentsOf: text.utf8)
                lineLength += text.utf8.count
            }
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    /// Writes the one-channel `image` as a PGM file at `path`, atomically.
    ///
    /// - Throws: ``FileError``.
    public static func write(_ image: Image, to path: String, format: Format = .binary) throws {
        try FileIO.writeAtomically(encode(image, format: format), toPath: path)
    }

    /// Reads the PGM file at `path` (see ``decode(_:source:)``).
    ///
    /// - Throws: ``FileError`` or ``PGMError``.
    public static func read(contentsOf path: String) throws -> Image {
        try decode(FileIO.readBytes(atPath: path), source: path)
    }

    /// Decodes a PGM file's bytes into a one-channel 8-bit image.
    ///
    /// - Parameter source: the file name used in error messages.
    /// - Throws: ``PGMError``.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Image {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2") else {
            throw PGMError.notPGM(file: source)
        }
        let isBinary = bytes[1] == UInt8(ascii: "5")
        var scanner = PGMScanner(bytes: bytes, position: 2)
        func header(_ name: String, _ range: ClosedRange<Int>) throws -> Int {
            guard scanner.skipSeparators(), let token = scanner.token() else {
                throw PGMError.invalidHeader(file: source, reason: "missing \(name)")
            }
            guard let value = PGMScanner.integer(token), range.contains(value) else {
                throw PGMError.invalidHeader(
                    file: source, reason: "\(name) '\(String(decoding: token.prefix(20), as: UTF8.self))' is not an integer in \(range)")
            }
            return value
        }
        guard scanner.position == bytes.count || PGMScanner.isWhitespace(bytes[scanner.position]) || bytes[scanner.position] == UInt8(ascii: "#") else {
            throw PGMError.notPGM(file: source)
        }
        let width = try header("width", 1...Int(Int32.max))
        let height = try header("height", 1...Int(Int32.max))
        let maxval = try header("maxval", 1...65535)
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow else { throw PGMError.invalidHeader(file: source, reason: "size \(width)×\(height) is too large") }
        let scale = { (value: Int) -> UInt8 in UInt8((value * 255 + maxval / 2) / maxval) }

        if isBinary {
            // Exactly one whitespace byte separates maxval from the raster.
            guard scanner.position < bytes.count, PGMScanner.isWhitespace(bytes[scanner.position]) else {
                throw PGMError.invalidHeader(file: source, reason: "maxval must be followed by one whitespace byte")
            }
            let start = scanner.position + 1
            let sampleBytes = maxval > 255 ? 2 : 1
            let available = (bytes.count - start) / sampleBytes
            guard available >= count else { throw PGMError.truncated(file: source, expected: count, actual: available) }
            var pixels = [UInt8](repeating: 0, count: count)
            for i in 0..<count {
                let value = sampleBytes == 1
                    ? Int(bytes[start + i]) : Int(bytes[start + 2 * i]) << 8 | Int(bytes[start + 2 * i + 1])
                guard value <= maxval else {
                    throw PGMError.invalidSample(file: source, index: i, reason: "value \(value) exceeds maxval \(maxval)")
                }
                pixels[i] = maxval == 255 ? UInt8(value) : scale(value)
            }
            return Image(width: width, height: height, channels: 1, pixels: pixels)
        }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(min(count, bytes.count))
        for i in 0..<count {
            guard scanner.skipSeparators(), let token = scanner.token() else {
                throw PGMError.truncated(file: source, expected: count, actual: i)
            }
            guard let value = PGMScanner.integer(token) else {
                throw PGMError.invalidSample(
                    file: source, index: i, reason: "'\(String(decoding: token.prefix(20), as: UTF8.self))' is not a non-negative integer")
            }
            guard value <= maxval else {
                throw PGMError.invalidSample(file: source, index: i, reason: "value \(value) exceeds maxval \(maxval)")
            }
            pixels.append(scale(value))
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }
}

/// Splits PGM text into whitespace-separated tokens.
struct PGMScanner {
    let bytes: [UInt8]
    var position: Int

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0B || byte == 0x0C || byte == 0x0D
    }

    /// Skips whitespace and `#` comments (to the end of the line); returns whether a token
    /// follows.
    mutating func skipSeparators() -> Bool {
        while position < bytes.count {
            if PGMScanner.isWhitespace(bytes[position]) {
                position += 1
            } else if bytes[position] == UInt8(ascii: "#") {
                while position < bytes.count && bytes[position] != 0x0A && bytes[position] != 0x0D { position += 1 }
            } else {
                return true
            }
        }
        return false
    }

    /// The bytes up to the next whitespace or `#`.
    mutating func token() -> ArraySlice<UInt8>? {
        let start = position
        while position < bytes.count && !PGMScanner.isWhitespace(bytes[position]) && bytes[position] != UInt8(ascii: "#") {
            position += 1
        }
        return position > start ? bytes[start..<position] : nil
    }

    /// The value of a decimal token of at most 9 digits, or nil.
    static func integer(_ token: ArraySlice<UInt8>) -> Int? {
        guard !token.isEmpty, token.count <= 9, token.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return token.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
