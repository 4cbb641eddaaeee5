/// Why a gzip file could not be read; the message names the file.
public enum GZipError: Error, Equatable, CustomStringConvertible {
    /// The data does not start with the gzip magic bytes 1f 8b.
    case notGZip(file: String)
    /// The member header is malformed (unknown method, reserved flags, truncated fields).
    case invalidHeader(file: String, reason: String)
    /// The header CRC-16 (FHCRC) does not match.
    case headerChecksumMismatch(file: String)
    /// The compressed data of member `member` could not be inflated.
    case corruptData(file: String, member: Int, error: InflateError)
    /// The stored CRC-32 of member `member` does not match the decompressed data.
    case checksumMismatch(file: String, member: Int, expected: UInt32, actual: UInt32)
    /// The stored ISIZE of member `member` does not match the decompressed length mod 2^32.
    case sizeMismatch(file: String, member: Int, expected: UInt32, actual: UInt32)
    /// The file ends inside the 8-byte trailer of member `member`.
    case truncated(file: String, member: Int)
    /// Bytes after the last member are not another gzip member.
    case trailingData(file: String, offset: Int)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .notGZip(let file): "\(file): not a gzip file (expected magic bytes 1f 8b)"
        case .invalidHeader(let file, let reason): "\(file): invalid gzip header: \(reason)"
        case .headerChecksumMismatch(let file): "\(file): gzip header CRC-16 does not match"
        case .corruptData(let file, let member, let error): "\(file): gzip member \(member): \(error)"
        case .checksumMismatch(let file, let member, let expected, let actual):
            "\(file): gzip member \(member): CRC-32 is \(hex(actual)), trailer says \(hex(expected))"
        case .sizeMismatch(let file, let member, let expected, let actual):
            "\(file): gzip member \(member): decompressed size mod 2^32 is \(actual), trailer says \(expected)"
        case .truncated(let file, let member): "\(file): gzip member \(member): file ends inside the trailer"
        case .trailingData(let file, let offset): "\(file): unexpected data after the last gzip member at byte \(offset)"
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// gzip (RFC 1952) decompression: every member of a multi-member file, with the header flags
/// FTEXT, FEXTRA, FNAME, FCOMMENT and FHCRC, and the CRC-32 and ISIZE trailer checked.
public enum GZip {
    /// Whether `bytes` starts with the gzip magic bytes 1f 8b.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses gzip data (all members, concatenated).
    ///
    /// - Parameters:
    ///   - bytes: the gzip file's contents.
    ///   - source: the file name used in error messages.
    ///   - maxOutputBytes: the cap on the total decompressed size.
    /// - Throws: ``GZipError``.
    public static func decompress(
        _ bytes: [UInt8], source: String = "<memory>", maxOutputBytes: Int = Inflate.defaultMaxOutputBytes
    ) throws -> [UInt8] {
        guard hasMagic(bytes) else { throw GZipError.notGZip(file: source) }
        var output: [UInt8] = []
        var position = 0
        var member = 0
        while position < bytes.count {
            guard bytes.count - position >= 2, bytes[position] == 0x1F, bytes[position + 1] == 0x8B else {
                throw GZipError.trailingData(file: source, offset: position)
            }
            let dataStart = try parseHeader(bytes, at: position, source: source)
            let isizeHint: Int
            if let trailer = lastTrailerSize(bytes), member == 0 { isizeHint = trailer } else { isizeHint = 0 }
            let decoded: (bytes: [UInt8], end: Int)
            do {
                decoded = try Inflate.decompress(
                    bytes, startingAt: dataStart, maxOutputBytes: maxOutputBytes - output.count,
                    expectedSize: isizeHint)
            } catch let error as InflateError {
                let reported: InflateError
                if case .outputLimitExceeded = error { reported = .outputLimitExceeded(limit: maxOutputBytes) } else { reported = error }
                throw GZipError.corruptData(file: source, member: member, error: reported)
            }
            guard bytes.count - decoded.end >= 8 else { throw GZipError.truncated(file: source, member: member) }
            let expectedCRC = readUInt32LE(bytes, at: decoded.end)
            let expectedSize = readUInt32LE(bytes, at: decoded.end + 4)
            let actualCRC = CRC32.checksum(decoded.bytes)
            guard actualCRC == expectedCRC else {
                throw GZipError.checksumMismatch(file: source, member: member, expected: expectedCRC, actual: actualCRC)
            }
            let actualSize = UInt32(truncatingIfNeeded: decoded.bytes.count)
            guard actualSize == expectedSize else {
                throw GZipError.sizeMismatch(file: source, member: member, expected: expectedSize, actual: actualSize)
            }
            if output.isEmpty { output = decoded.bytes } else { output.append(contentsOf: decoded.bytes) }
            position = decoded.end + 8
            member += 1
        }
        return output
    }

    /// Reads and decompresses the gzip file at `path`.
    ///
    /// - Throws: ``FileError`` or ``GZipError``.
    public static func read(contentsOf path: String, maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws -> [UInt8] {
        try decompress(FileIO.readBytes(atPath: path), source: path, maxOutputBytes: maxOutputBytes)
    }

    private static func lastTrailerSize(_ bytes: [UInt8]) -> Int? {
        bytes.count >= 18 ? Int(readUInt32LE(bytes, at: bytes.count - 4)) : nil
    }

    /// Parses the member header at `start`; returns the offset of the compressed data.
    private static func parseHeader(_ bytes: [UInt8], at start: Int, source: String) throws -> Int {
        func truncated() -> GZipError { .invalidHeader(file: source, reason: "file ends inside the header") }
        guard bytes.count - start >= 10 else { throw truncated() }
        guard bytes[start + 2] == 8 else {
            throw GZipError.invalidHeader(file: source, reason: "compression method \(bytes[start + 2]), expected 8 (deflate)")
        }
        let flags = bytes[start + 3]
        guard flags & 0xE0 == 0 else {
            throw GZipError.invalidHeader(file: source, reason: "reserved flag bits set (flags \(flags))")
        }
        var position = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard bytes.count - position >= 2 else { throw truncated() }
            let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8
            position += 2
            guard bytes.count - position >= length else { throw truncated() }
            position += length
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT
            guard let terminator = bytes[position...].firstIndex(of: 0) else { throw truncated() }
            position = terminator + 1
        }
        if flags & 0x02 != 0 {  // FHCRC
            guard bytes.count - position >= 2 else { throw truncated() }
            let stored = UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
            let actual = UInt16(truncatingIfNeeded: CRC32.checksum(bytes[start..<position]))
            guard stored == actual else { throw GZipError.headerChecksumMismatch(file: source) }
            position += 2
        }
        return position
    }
}

func readUInt32LE(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}

func readUInt16LE(_ bytes: [UInt8], at offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

func readUInt64LE(_ bytes: [UInt8], at offset: Int) -> UInt64 {
    UInt64(readUInt32LE(bytes, at: offset)) | UInt64(readUInt32LE(bytes, at: offset + 4)) << 32
}
