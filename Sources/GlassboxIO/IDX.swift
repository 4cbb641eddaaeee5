/// Why an IDX file could not be read; the message names the file.
public enum IDXError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than its 4-byte magic number or its dimension list.
    case truncated(file: String, needed: Int, available: Int)
    /// The magic number is not `00 00 TT DD` (two zero bytes, a type code, a dimension count).
    case invalidMagic(file: String, magic: UInt32)
    /// The type code is not one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E.
    case unsupportedType(file: String, code: UInt8)
    /// The product of the dimensions overflows.
    case shapeOverflow(file: String, shape: [Int])
    /// The payload is not exactly the declared dimensions × type size.
    case sizeMismatch(file: String, shape: [Int], expected: Int, actual: Int)
    /// The file is gzip-compressed and decompression failed.
    case gzip(GZipError)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .truncated(let file, let needed, let available):
            "\(file): IDX header needs \(needed) bytes, the file has \(available)"
        case .invalidMagic(let file, let magic):
            "\(file): invalid IDX magic number \(hex(magic)) (expected 0x000008TT-style: 00 00 type dims)"
        case .unsupportedType(let file, let code): "\(file): unsupported IDX type code 0x\(String(code, radix: 16))"
        case .shapeOverflow(let file, let shape): "\(file): IDX dimensions \(shape) overflow"
        case .sizeMismatch(let file, let shape, let expected, let actual):
            "\(file): IDX data is \(actual) bytes, dimensions \(shape) need \(expected)"
        case .gzip(let error): error.description
        }
    }
}

/// The IDX format of the MNIST files: a big-endian magic `00 00 TT DD` (type code `TT`,
/// `DD` dimensions), `DD` big-endian UInt32 dimensions, then the big-endian data in C order.
/// Type codes: 0x08 UInt8, 0x09 Int8, 0x0B Int16, 0x0C Int32, 0x0D Float32, 0x0E Float64
/// (MNIST images are 0x00000803, labels 0x00000801). Gzip-compressed files (`.gz`, detected by
/// the magic bytes 1f 8b) are decompressed first.
public enum IDX {
    /// Reads the IDX file at `path`, raw or gzip-compressed. The result is little-endian, so a
    /// UInt8 file's `bytes` are exactly its pixels or labels.
    ///
    /// - Parameter maxOutputBytes: the cap on the decompressed size of a gzip file.
    /// - Throws: ``FileError`` or ``IDXError``.
    public static func read(contentsOf path: String, maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws -> ArrayData {
        try decode(FileIO.readBytes(atPath: path), source: path, maxOutputBytes: maxOutputBytes)
    }

    /// Decodes IDX bytes, raw or gzip-compressed; `source` names the file in errors.
    ///
    /// - Throws: ``IDXError``.
    public static func decode(
        _ bytes: [UInt8], source: String = "<memory>", maxOutputBytes: Int = Inflate.defaultMaxOutputBytes
    ) throws -> ArrayData {
        var data = bytes
        if GZip.hasMagic(bytes) {
            do {
                data = try GZip.decompress(bytes, source: source, maxOutputBytes: maxOutputBytes)
            } catch let error as GZipError {
                throw IDXError.gzip(error)
            }
        }
        guard data.count >= 4 else { throw IDXError.truncated(file: source, needed: 4, available: data.count) }
        let magic = UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
        guard data[0] == 0 && data[1] == 0 else { throw IDXError.invalidMagic(file: source, magic: magic) }
        let dtype: DType
        switch data[2] {
        case 0x08: dtype = .u8
        case 0x09: dtype = .i8
        case 0x0B: dtype = .i16
        case 0x0C: dtype = .i32
        case 0x0D: dtype = .f32
        case 0x0E: dtype = .f64
        default: throw IDXError.unsupportedType(file: source, code: data[2])
        }
        let rank = Int(data[3])
        let headerSize = 4 + 4 * rank
        guard data.count >= headerSize else {
            throw IDXError.truncated(file: source, needed: headerSize, available: data.count)
        }
        let shape = (0..<rank).map { axis -> Int in
            let offset = 4 + 4 * axis
            return Int(data[offset]) << 24 | Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
        }
        guard let count = ArrayData.checkedElementCount(shape, elementSize: dtype.byteSize) else {
            throw IDXError.shapeOverflow(file: source, shape: shape)
        }
        let expected = count * dtype.byteSize
        guard data.count - headerSize == expected else {
            throw IDXError.sizeMismatch(file: source, shape: shape, expected: expected, actual: data.count - headerSize)
        }
        var payload = Array(data[headerSize...])
        swapByteOrder(&payload, elementSize: dtype.byteSize)
        return ArrayData(dtype: dtype, shape: shape, bytes: payload)
    }
}
