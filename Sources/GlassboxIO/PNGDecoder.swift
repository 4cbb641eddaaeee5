/// Why a PNG file could not be read; the message is one line naming the file.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    /// The data does not start with the 8-byte PNG signature.
    case notPNG(file: String)
    /// The file ends inside chunk `chunk`, or (`nil`) between chunks before IEND.
    case truncated(file: String, chunk: String?)
    /// The CRC-32 stored after chunk `chunk` does not match its type and data.
    case crcMismatch(file: String, chunk: String, expected: UInt32, actual: UInt32)
    /// The chunk starting at byte `offset` has a type that is not four ASCII letters or a
    /// length over 2^31 − 1.
    case invalidChunk(file: String, offset: Int, reason: String)
    /// A required chunk is absent.
    case missingChunk(file: String, chunk: String)
    /// A chunk is out of order (before IHDR, twice, or after the image data).
    case misplacedChunk(file: String, chunk: String, reason: String)
    /// The IHDR chunk is malformed (size, zero width, unknown colour type, …).
    case invalidHeader(file: String, reason: String)
    /// The bit depth is not one PNG allows for the colour type.
    case unsupportedBitDepth(file: String, bitDepth: Int, colorType: Int)
    /// The image is interlaced (method 1, Adam7) or names an unknown interlace method.
    case unsupportedInterlace(file: String, method: Int)
    /// A critical chunk (type starting with an upper-case letter) this reader does not know.
    case unknownCriticalChunk(file: String, chunk: String)
    /// The PLTE or tRNS chunk of a palette image is malformed.
    case invalidPalette(file: String, reason: String)
    /// The zlib stream of the IDAT chunks is corrupt.
    case compressedData(file: String, error: ZLibError)
    /// The image data decompresses to `actual` bytes (`nil`: more than `expected`) where the
    /// header's size needs `expected`.
    case dataSizeMismatch(file: String, expected: Int, actual: Int?)
    /// Row `row` (0-based) has a filter type outside 0...4.
    case invalidFilter(file: String, row: Int, filter: Int)
    /// A palette index points past the end of the palette.
    case paletteIndexOutOfRange(file: String, index: Int, paletteSize: Int)
    /// The header's size needs `bytes` bytes of image data or pixels (`nil`: more than `Int`
    /// holds), over the caller's cap `limit`; nothing was decompressed.
    case imageTooLarge(file: String, width: Int, height: Int, bytes: Int?, limit: Int)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .notPNG(let file):
            "\(file): not a PNG file (it does not start with the signature 89 50 4E 47 0D 0A 1A 0A)"
        case .truncated(let file, let chunk):
            if let chunk { "\(file): file ends inside the \(chunk) chunk" } else { "\(file): file ends before the IEND chunk" }
        case .crcMismatch(let file, let chunk, let expected, let actual):
            "\(file): chunk \(chunk): CRC-32 is \(hex(actual)), the file says \(hex(expected))"
        case .invalidChunk(let file, let offset, let reason): "\(file): chunk at byte \(offset): \(reason)"
        case .missingChunk(let file, let chunk): "\(file): no \(chunk) chunk"
        case .misplacedChunk(let file, let chunk, let reason): "\(file): chunk \(chunk) \(reason)"
        case .invalidHeader(let file, let reason): "\(file): invalid IHDR chunk: \(reason)"
        case .unsupportedBitDepth(let file, let bitDepth, let colorType):
            "\(file): bit depth \(bitDepth) is not supported for colour type \(colorType) (\(PNGHeader.colorTypeName(colorType))); "
                + "supported: \(PNGHeader.allowedBitDepths[colorType]!.map(String.init).joined(separator: ", "))"
        case .unsupportedInterlace(let file, let method):
            "\(file): interlace method \(method)\(method == 1 ? " (Adam7)" : "") is not supported; only non-interlaced images (method 0) can be read"
        case .unknownCriticalChunk(let file, let chunk): "\(file): unknown critical chunk \(chunk)"
        case .invalidPalette(let file, let reason): "\(file): invalid palette: \(reason)"
        case .compressedData(let file, let error): "\(file): image data: \(error)"
        case .dataSizeMismatch(let file, let expected, let actual):
            "\(file): image data decompresses to \(actual.map(String.init) ?? "more than \(expected)") bytes, the header's size needs \(expected)"
        case .invalidFilter(let file, let row, let filter): "\(file): row \(row): invalid filter type \(filter) (expected 0...4)"
        case .paletteIndexOutOfRange(let file, let index, let paletteSize):
            "\(file): palette index \(index) outside the \(paletteSize)-entry palette"
        case .imageTooLarge(let file, let width, let height, let bytes, let limit):
            "\(file): a \(width)×\(height) image needs \(bytes.map(String.init) ?? "more than \(Int.max)") bytes, over the limit of \(limit)"
        }
    }
}

/// The fields of an IHDR chunk that matter for decoding.
struct PNGHeader {
    /// The bit depths PNG allows per colour type.
    static let allowedBitDepths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]

    static func colorTypeName(_ colorType: Int) -> String {
        [0: "gray", 2: "RGB", 3: "palette", 4: "gray + alpha", 6: "RGBA"][colorType] ?? "unknown"
    }

    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: Int

    /// Samples per pixel in the file (a palette index counts as one).
    var samples: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
    /// Bytes per complete pixel, at least 1: the distance of the Sub, Average and Paeth
    /// filters' "left" byte.
    var filterStride: Int { max(1, samples * bitDepth / 8) }

    init(_ body: ArraySlice<UInt8>, source: String) throws {
        func fail(_ reason: String) -> PNGError { .invalidHeader(file: source, reason: reason) }
        guard body.count == 13 else { throw fail("\(body.count) bytes, expected 13") }
        let b = Array(body)
        width = Int(readUInt32BE(b, at: 0))
        height = Int(readUInt32BE(b, at: 4))
        bitDepth = Int(b[8])
        colorType = Int(b[9])
        guard (1...0x7FFF_FFFF).contains(width), (1...0x7FFF_FFFF).contains(height) else {
            throw fail("size \(width)×\(height), each side must be 1...2147483647")
        }
        guard let depths = PNGHeader.allowedBitDepths[colorType] else {
            throw fail("colour type \(colorType), expected 0, 2, 3, 4 or 6")
        }
        guard depths.contains(bitDepth) else {
            throw PNGError.unsupportedBitDepth(file: source, bitDepth: bitDepth, colorType: colorType)
        }
        guard b[10] == 0 else { throw fail("compression method \(b[10]), expected 0") }
        guard b[11] == 0 else { throw fail("filter method \(b[11]), expected 0") }
        guard b[12] == 0 else { throw PNGError.unsupportedInterlace(file: source, method: Int(b[12])) }
    }
}

func readUInt32BE(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}

extension PNG {
    /// Decodes a PNG file's bytes into an 8-bit image.
    ///
    /// Gray comes back with 1 channel, gray + alpha 2, RGB 3, RGBA 4, palette 3 (4 when a
    /// tRNS chunk gives the palette alpha). Samples of fewer than 8 bits are scaled to
    /// 0...255 (`v · 255 / (2^depth − 1)`); 16-bit samples are rounded to the nearest 8-bit
    /// value (`(v · 255 + 32767) / 65535`). A tRNS chunk of a non-palette image and all other
    /// ancillary chunks are skipped (their CRCs still checked); bytes after IEND are ignored.
    ///
    /// The header's size is checked against `maxOutputBytes` before anything is decompressed or
    /// allocated: both the decompressed image data (filter bytes included) and the decoded
    /// pixels must fit, so neither a lying header nor a compression bomb can exceed the cap.
    ///
    /// - Parameters:
    ///   - source: the file name used in error messages.
    ///   - maxOutputBytes: the cap on the decompressed data and on the decoded pixels.
    /// - Throws: ``PNGError``.
    public static func decode(
        _ bytes: [UInt8], source: String = "<memory>", maxOutputBytes: Int = Inflate.defaultMaxOutputBytes
    ) throws -> Image {
        guard bytes.count >= 8, bytes[0..<8].elementsEqual(signature) else { throw PNGError.notPNG(file: source) }
        var position = 8
        var header: PNGHeader?
        var palette: [UInt8]?
        var transparency: [UInt8]?
        var data: [UInt8] = []
        enum DataState { case before, inside, after }
        var dataState = DataState.before
        chunks: while true {
            guard bytes.count - position >= 8 else { throw PNGError.truncated(file: source, chunk: nil) }
            let length = Int(readUInt32BE(bytes, at: position))
            let typeBytes = bytes[(position + 4)..<(position + 8)]
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                let shown = typeBytes.map { String($0, radix: 16) }.joined(separator: " ")
                throw PNGError.invalidChunk(file: source, offset: position, reason: "type bytes \(shown) are not four ASCII letters")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= 0x7FFF_FFFF else {
                throw PNGError.invalidChunk(file: source, offset: position, reason: "\(type) length \(length) exceeds 2^31 − 1")
            }
            let start = position + 8
            guard bytes.count - start >= length + 4 else { throw PNGError.truncated(file: source, chunk: type) }
            let end = start + length
            let stored = readUInt32BE(bytes, at: end)
            let actual = CRC32.checksum(bytes[(position + 4)..<end])
            guard stored == actual else {
                throw PNGError.crcMismatch(file: source, chunk: type, expected: stored, actual: actual)
            }
            position = end + 4
            let body = bytes[start..<end]
            func misplaced(_ reason: String) -> PNGError { .misplacedChunk(file: source, chunk: type, reason: reason) }
            if header == nil && type != "IHDR" { throw misplaced("comes before IHDR") }
            if dataState == .inside && type != "IDAT" { dataState = .after }
            switch type {
            case "IHDR":
                guard header == nil else { throw misplaced("appears twice") }
                header = try PNGHeader(body, source: source)
            case "PLTE", "tRNS":
                guard dataState == .before else { throw misplaced("comes after the image data") }
                guard (type == "PLTE" ? palette : transparency) == nil else { throw misplaced("appears twice") }
                if type == "PLTE" { palette = Array(body) } else { transparency = Array(body) }
            case "IDAT":
                guard dataState != .after else { throw misplaced("is separated from the other IDAT chunks") }
                dataState = .inside
                data.append(contentsOf: body)
            case "IEND":
                break chunks
            default:
                guard typeBytes.first! & 0x20 != 0 else { throw PNGError.unknownCriticalChunk(file: source, chunk: type) }
            }
        }
        guard let header else { throw PNGError.missingChunk(file: source, chunk: "IHDR") }
        guard dataState != .before else { throw PNGError.missingChunk(file: source, chunk: "IDAT") }

        // Each side is below 2^31 and a pixel holds at most 64 bits, so these cannot overflow.
        let rowBytes = (header.width * header.samples * header.bitDepth + 7) / 8
        let channels = header.colorType == 3 ? (transparency == nil ? 3 : 4) : header.samples
        let total = header.height.multipliedReportingOverflow(by: rowBytes + 1)
        let pixels = header.height.multipliedReportingOverflow(by: header.width * channels)
        let needed = total.overflow || pixels.overflow ? nil : max(total.partialValue, pixels.partialValue)
        guard let needed, needed <= maxOutputBytes else {
            throw PNGError.imageTooLarge(
                file: source, width: header.width, height: header.height, bytes: needed, limit: maxOutputBytes)
        }
        let raw: [UInt8]
        do {
            raw = try ZLib.decompress(data, maxOutputBytes: total.partialValue, expectedSize: total.partialValue)
        } catch ZLibError.corruptData(.outputLimitExceeded) {
            throw PNGError.dataSizeMismatch(file: source, expected: total.partialValue, actual: nil)
        } catch let error as ZLibError {
            throw PNGError.compressedData(file: source, error: error)
        }
        guard raw.count == total.partialValue else {
            throw PNGError.dataSizeMismatch(file: source, expected: total.partialValue, actual: raw.count)
        }
        let rows = try unfilter(raw, rowBytes: rowBytes, height: header.height, stride: header.filterStride, source: source)
        return try expand(rows, header: header, rowBytes: rowBytes, palette: palette, transparency: transparency, source: source)
    }

    /// Reverses the per-row filters: `raw` holds `height` rows of a filter byte and
    /// `rowBytes` filtered bytes; the result holds the `height · rowBytes` original bytes.
    static func unfilter(_ raw: [UInt8], rowBytes: Int, height: Int, stride: Int, source: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: height * rowBytes)
        try output.withUnsafeMutableBufferPointer { out in
            try raw.withUnsafeBufferPointer { raw in
                for y in 0..<height {
                    let filter = Int(raw[y * (rowBytes + 1)])
                    guard filter <= 4 else { throw PNGError.invalidFilter(file: source, row: y, filter: filter) }
                    let input = y * (rowBytes + 1) + 1
                    let row = y * rowBytes
                    for i in 0..<rowBytes {
                        let left = i >= stride ? out[row + i - stride] : 0
                        let up = y > 0 ? out[row - rowBytes + i] : 0
                        let upLeft = y > 0 && i >= stride ? out[row - rowBytes + i - stride] : 0
                        out[row + i] = raw[input + i] &+ predictor(filter, left: left, up: up, upLeft: upLeft)
                    }
                }
            }
        }
        return output
    }

    /// Converts unfiltered rows to 8-bit samples (see ``decode(_:source:)``).
    static func expand(
        _ rows: [UInt8], header: PNGHeader, rowBytes: Int, palette: [UInt8]?, transparency: [UInt8]?, source: String
    ) throws -> Image {
        let (width, height, depth) = (header.width, header.height, header.bitDepth)
        let samplesPerRow = width * header.samples
        if depth == 8 && header.colorType != 3 {
            return Image(width: width, height: height, channels: header.samples, pixels: rows)
        }
        if depth == 16 {
            let pixels = (0..<(height * samplesPerRow)).map { i -> UInt8 in
                let value = UInt32(rows[2 * i]) << 8 | UInt32(rows[2 * i + 1])
                return UInt8((value * 255 + 32767) / 65535)
            }
            return Image(width: width, height: height, channels: header.samples, pixels: pixels)
        }
        // One sample per pixel, 1, 2, 4 or 8 bits: gray or palette indices, packed MSB first.
        let mask = (1 << depth) - 1
        var values = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let bit = x * depth
                values[y * width + x] = rows[y * rowBytes + bit / 8] >> (8 - depth - bit % 8) & UInt8(mask)
            }
        }
        guard header.colorType == 3 else {
            return Image(width: width, height: height, channels: 1, pixels: values.map { UInt8(Int($0) * 255 / mask) })
        }
        guard let palette else { throw PNGError.missingChunk(file: source, chunk: "PLTE") }
        let entries = palette.count / 3
        guard palette.count % 3 == 0, (1...256).contains(entries) else {
            throw PNGError.invalidPalette(file: source, reason: "PLTE has \(palette.count) bytes, expected 3 × 1...256")
        }
        let alpha = transparency ?? []
        guard alpha.count <= entries else {
            throw PNGError.invalidPalette(file: source, reason: "tRNS has \(alpha.count) entries, the palette \(entries)")
        }
        let channels = transparency == nil ? 3 : 4
        var pixels = [UInt8](repeating: 255, count: width * height * channels)
        for (i, value) in values.enumerated() {
            let index = Int(value)
            guard index < entries else {
                throw PNGError.paletteIndexOutOfRange(file: source, index: index, paletteSize: entries)
            }
            for c in 0..<3 { pixels[i * channels + c] = palette[3 * index + c] }
            if channels == 4 && index < alpha.count { pixels[i * channels + 3] = alpha[index] }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}
