/// PNG (ISO/IEC 15948) images.
///
/// Writing: 8-bit gray, gray + alpha, RGB and RGBA, non-interlaced; every row gets the filter
/// (of the five) whose output has the smallest sum of absolute values as signed bytes (the
/// heuristic libpng recommends), and the image data is one zlib stream in one IDAT chunk.
///
/// Reading: every non-interlaced PNG — gray at 1, 2, 4, 8, 16 bits, RGB, gray + alpha and RGBA
/// at 8 and 16 bits, palette at 1, 2, 4, 8 bits — with all five filter types and every chunk's
/// CRC checked. Samples come back as 8 bits (see ``decode(_:source:)``).
///
/// ```swift
/// try PNG.write(Image(width: 2, height: 1, channels: 1, pixels: [0, 255]), to: "a.png")
/// let image = try PNG.read(contentsOf: "a.png").grayscale()
/// ```
public enum PNG {
    /// The 8-byte signature every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The bytes of a PNG file holding `image`.
    ///
    /// - Parameter method: how the image data is compressed (``Deflate/Method/stored`` writes
    ///   it uncompressed).
    /// - Precondition: the image is at least 1×1 (PNG has no empty images) and less than 2^31
    ///   pixels wide and high.
    public static func encode(_ image: Image, method: Deflate.Method = .fixedHuffman) -> [UInt8] {
        precondition(
            (1...Int(Int32.max)).contains(image.width) && (1...Int(Int32.max)).contains(image.height),
            "PNG.encode: image is \(image.width)×\(image.height); PNG needs 1...2^31−1 in each direction")
        let colorType: UInt8 = [0, 4, 2, 6][image.channels - 1]
        var header: [UInt8] = []
        appendUInt32(UInt32(image.width), to: &header)
        appendUInt32(UInt32(image.height), to: &header)
        header += [8, colorType, 0, 0, 0]  // bit depth, colour type, compression, filter, interlace

        var output = signature
        appendChunk("IHDR", header, to: &output)
        appendChunk("IDAT", ZLib.compress(filteredRows(image), method: method), to: &output)
        appendChunk("IEND", [], to: &output)
        return output
    }

    /// Writes `image` as a PNG file at `path`, atomically (see ``FileIO/writeAtomically(_:toPath:)``).
    ///
    /// - Throws: ``FileError``.
    public static func write(_ image: Image, to path: String, method: Deflate.Method = .fixedHuffman) throws {
        try FileIO.writeAtomically(encode(image, method: method), toPath: path)
    }

    /// Writes `images` tiled into one PNG (see ``Image/grid(_:nrow:padding:padValue:)``), like
    /// `torchvision.utils.save_image`.
    ///
    /// - Throws: ``FileError``.
    public static func writeGrid(
        _ images: [Image], to path: String, nrow: Int = 8, padding: Int = 2, padValue: UInt8 = 0
    ) throws {
        try write(Image.grid(images, nrow: nrow, padding: padding, padValue: padValue), to: path)
    }

    /// Reads the PNG file at `path` (see ``decode(_:source:maxOutputBytes:)``).
    ///
    /// - Parameter maxOutputBytes: the cap on both the decompressed image data and the decoded
    ///   pixels; a larger image is rejected before either is allocated.
    /// - Throws: ``FileError`` or ``PNGError``.
    public static func read(contentsOf path: String, maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws -> Image {
        try decode(FileIO.readBytes(atPath: path), source: path, maxOutputBytes: maxOutputBytes)
    }

    /// The image's rows, each prefixed by its filter type byte.
    static func filteredRows(_ image: Image) -> [UInt8] {
        let stride = image.width * image.channels
        var output: [UInt8] = []
        output.reserveCapacity(image.height * (stride + 1))
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<image.height {
                let row = y * stride
                var bestFilter = 0
                var bestCost = Int.max
                for filter in 0...4 {
                    var cost = 0
                    for i in 0..<stride {
                        let left = i >= image.channels ? pixels[row + i - image.channels] : 0
                        let up = y > 0 ? pixels[row - stride + i] : 0
                        let upLeft = y > 0 && i >= image.channels ? pixels[row - stride + i - image.channels] : 0
                        let value = pixels[row + i] &- predictor(filter, left: left, up: up, upLeft: upLeft)
                        candidate[i] = value
                        cost += value < 128 ? Int(value) : 256 - Int(value)
                    }
                    if cost < bestCost {
                        bestCost = cost
                        bestFilter = filter
                        swap(&candidate, &best)
                    }
                }
                output.append(UInt8(bestFilter))
                output.append(contentsOf: best)
            }
        }
        return output
    }

    /// The prediction of filter type `filter` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) from
    /// the corresponding bytes to the left, above, and above-left.
    @inline(__always)
    static func predictor(_ filter: Int, left: UInt8, up: UInt8, upLeft: UInt8) -> UInt8 {
        switch filter {
        case 1: return left
        case 2: return up
        case 3: return UInt8((Int(left) + Int(up)) / 2)
        case 4:
            let estimate = Int(left) + Int(up) - Int(upLeft)
            let distanceLeft = abs(estimate - Int(left))
            let distanceUp = abs(estimate - Int(up))
            let distanceUpLeft = abs(estimate - Int(upLeft))
            if distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft { return left }
            return distanceUp <= distanceUpLeft ? up : upLeft
        default: return 0
        }
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends a chunk: length, type, data, CRC-32 of type and data.
    static func appendChunk(_ type: String, _ data: [UInt8], to output: inout [UInt8]) {
        appendUInt32(UInt32(data.count), to: &output)
        let start = output.count
        output.append(contentsOf: type.utf8)
        output.append(contentsOf: data)
        appendUInt32(CRC32.checksum(output[start...]), to: &output)
    }
}
