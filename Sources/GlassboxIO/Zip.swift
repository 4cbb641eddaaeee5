/// Why a zip archive could not be read or written; the message names the file and entry.
public enum ZipError: Error, Equatable, CustomStringConvertible {
    /// No end-of-central-directory record: not a zip archive (or truncated).
    case notZip(file: String)
    /// The archive's structure is inconsistent; `reason` says where.
    case invalidStructure(file: String, reason: String)
    /// The entry uses a compression method other than stored (0) or deflate (8).
    case unsupportedCompression(file: String, entry: String, method: Int)
    /// The entry is encrypted.
    case encrypted(file: String, entry: String)
    /// The entry's deflate data is corrupt or exceeds the output cap.
    case corruptData(file: String, entry: String, error: InflateError)
    /// The entry's CRC-32 does not match its data.
    case checksumMismatch(file: String, entry: String, expected: UInt32, actual: UInt32)
    /// The entry's data is not the size its directory record declares.
    case sizeMismatch(file: String, entry: String, expected: Int, actual: Int)
    /// Two entries have the same name.
    case duplicateEntry(file: String, entry: String)
    /// Writing: the archive needs ZIP64 (an entry or the archive over 4 GiB, or over 65535
    /// entries), which the writer does not produce.
    case tooLarge(file: String)

    /// A one-line message naming the file, the entry and the problem.
    public var description: String {
        switch self {
        case .notZip(let file): "\(file): not a zip archive (no end of central directory record)"
        case .invalidStructure(let file, let reason): "\(file): invalid zip archive: \(reason)"
        case .unsupportedCompression(let file, let entry, let method):
            "\(file): entry '\(entry)': compression method \(method) is not supported (expected 0 stored or 8 deflate)"
        case .encrypted(let file, let entry): "\(file): entry '\(entry)' is encrypted"
        case .corruptData(let file, let entry, let error): "\(file): entry '\(entry)': \(error)"
        case .checksumMismatch(let file, let entry, let expected, let actual):
            "\(file): entry '\(entry)': CRC-32 is \(hex(actual)), directory says \(hex(expected))"
        case .sizeMismatch(let file, let entry, let expected, let actual):
            "\(file): entry '\(entry)': data is \(actual) bytes, directory says \(expected)"
        case .duplicateEntry(let file, let entry): "\(file): duplicate entry '\(entry)'"
        case .tooLarge(let file): "\(file): archive needs ZIP64, which the writer does not produce"
        }
    }
}

/// A zip archive held in memory: named entries in central-directory order.
///
/// Reading handles stored and deflate entries, ZIP64 sizes and offsets, and checks every
/// entry's CRC-32 and size; total decompressed output is capped. Writing produces stored
/// (uncompressed) entries dated 1980-01-01, which Python's `zipfile` and NumPy read.
public struct ZipArchive: Equatable, Sendable {
    /// One file in the archive.
    public struct Entry: Equatable, Sendable {
        /// The entry's path inside the archive.
        public var name: String
        /// The entry's uncompressed contents.
        public var bytes: [UInt8]

        /// Creates an entry.
        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The entries, in order.
    public var entries: [Entry]

    /// Creates an archive from entries.
    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Reads the zip archive at `path`.
    ///
    /// - Throws: ``FileError`` or ``ZipError``.
    public init(contentsOf path: String, maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws {
        try self.init(decoding: FileIO.readBytes(atPath: path), source: path, maxOutputBytes: maxOutputBytes)
    }

    /// Decodes a zip archive; `source` names it in errors, and decompression stops with an
    /// error once the entries would total more than `maxOutputBytes`.
    ///
    /// - Throws: ``ZipError``.
    public init(decoding bytes: [UInt8], source: String = "<memory>", maxOutputBytes: Int = Inflate.defaultMaxOutputBytes) throws {
        func invalid(_ reason: String) -> ZipError { .invalidStructure(file: source, reason: reason) }
        // End of central directory: 22 bytes plus a comment of up to 65535 bytes.
        guard bytes.count >= 22 else { throw ZipError.notZip(file: source) }
        var eocd = -1
        var candidate = bytes.count - 22
        while candidate >= max(0, bytes.count - 22 - 65535) {
            if readUInt32LE(bytes, at: candidate) == 0x0605_4B50 { eocd = candidate; break }
            candidate -= 1
        }
        guard eocd >= 0 else { throw ZipError.notZip(file: source) }
        guard readUInt16LE(bytes, at: eocd + 4) == 0 && readUInt16LE(bytes, at: eocd + 6) == 0 else {
            throw invalid("multi-disk archives are not supported")
        }
        var entryCount = Int(readUInt16LE(bytes, at: eocd + 10))
        var directorySize = Int(readUInt32LE(bytes, at: eocd + 12))
        var directoryOffset = Int(readUInt32LE(bytes, at: eocd + 16))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record.
            guard eocd >= 20, readUInt32LE(bytes, at: eocd - 20) == 0x0706_4B50 else {
                throw invalid("ZIP64 end of central directory locator missing")
            }
            let recordOffset = readUInt64LE(bytes, at: eocd - 12)
            guard bytes.count >= 56, recordOffset <= UInt64(bytes.count - 56), readUInt32LE(bytes, at: Int(recordOffset)) == 0x0606_4B50 else {
                throw invalid("ZIP64 end of central directory record missing")
            }
            let record = Int(recordOffset)
            let count64 = readUInt64LE(bytes, at: record + 32)
            let size64 = readUInt64LE(bytes, at: record + 40)
            let offset64 = readUInt64LE(bytes, at: record + 48)
            guard count64 <= UInt64(bytes.count), size64 <= UInt64(bytes.count), offset64 <= UInt64(bytes.count) else {
                throw invalid("ZIP64 directory extends past the end of the file")
            }
            entryCount = Int(count64)
            directorySize = Int(size64)
            directoryOffset = Int(offset64)
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw invalid("central directory (offset \(directoryOffset), \(directorySize) bytes) extends past the end of the file")
        }
        var entries: [Entry] = []
        var names = Set<String>()
        var produced = 0
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard directoryEnd - position >= 46, readUInt32LE(bytes, at: position) == 0x0201_4B50 else {
                throw invalid("central directory record \(index) is missing or truncated")
            }
            let flags = readUInt16LE(bytes, at: position + 8)
            let method = Int(readUInt16LE(bytes, at: position + 10))
            let crc = readUInt32LE(bytes, at: position + 16)
            var compressedSize = UInt64(readUInt32LE(bytes, at: position + 20))
            var size = UInt64(readUInt32LE(bytes, at: position + 24))
            let nameLength = Int(readUInt16LE(bytes, at: position + 28))
            let extraLength = Int(readUInt16LE(bytes, at: position + 30))
            let commentLength = Int(readUInt16LE(bytes, at: position + 32))
            var localOffset = UInt64(readUInt32LE(bytes, at: position + 42))
            let recordEnd = position + 46 + nameLength + extraLength + commentLength
            guard recordEnd <= directoryEnd else { throw invalid("central directory record \(index) is truncated") }
            let nameBytes = Array(bytes[position + 46..<position + 46 + nameLength])
            guard firstInvalidUTF8Offset(nameBytes) == nil else {
                throw invalid("entry \(index) has a name that is not UTF-8")
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            // ZIP64 extended information replaces the fields that are all ones, in order.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extraEnd - extra >= 4 {
                let id = readUInt16LE(bytes, at: extra)
                let length = Int(readUInt16LE(bytes, at: extra + 2))
                guard extraEnd - extra - 4 >= length else { throw invalid("entry '\(name)': truncated extra field") }
                if id == 0x0001 {
                    var field = extra + 4
                    let fieldEnd = field + length
                    for slot in [0, 1, 2] {
                        let current = slot == 0 ? size : slot == 1 ? compressedSize : localOffset
                        guard current == 0xFFFF_FFFF else { continue }
                        guard fieldEnd - field >= 8 else { throw invalid("entry '\(name)': truncated ZIP64 field") }
                        let value = readUInt64LE(bytes, at: field)
                        field += 8
                        if slot == 0 { size = value } else if slot == 1 { compressedSize = value } else { localOffset = value }
                    }
                }
                extra += 4 + length
            }
            position = recordEnd
            guard names.insert(name).inserted else { throw ZipError.duplicateEntry(file: source, entry: name) }
            guard flags & 1 == 0 else { throw ZipError.encrypted(file: source, entry: name) }
            guard method == 0 || method == 8 else {
                throw ZipError.unsupportedCompression(file: source, entry: name, method: method)
            }
            // The local header repeats name and extra (possibly with different lengths).
            guard bytes.count >= 30, localOffset <= UInt64(bytes.count - 30), readUInt32LE(bytes, at: Int(localOffset)) == 0x0403_4B50 else {
                throw invalid("entry '\(name)': local header missing at offset \(localOffset)")
            }
            let local = Int(localOffset)
            let dataStart = local + 30 + Int(readUInt16LE(bytes, at: local + 26)) + Int(readUInt16LE(bytes, at: local + 28))
            guard dataStart <= bytes.count, compressedSize <= UInt64(bytes.count - dataStart) else {
                throw invalid("entry '\(name)': data extends past the end of the file")
            }
            let compressed = bytes[dataStart..<dataStart + Int(compressedSize)]
            let remaining = maxOutputBytes - produced
            let data: [UInt8]
            if method == 0 {
                guard compressedSize == size else {
                    throw ZipError.sizeMismatch(file: source, entry: name, expected: Int(size), actual: Int(compressedSize))
                }
                guard Int(size) <= remaining else {
                    throw ZipError.corruptData(file: source, entry: name, error: .outputLimitExceeded(limit: maxOutputBytes))
                }
                data = Array(compressed)
            } else {
                let declared = size > UInt64(Int.max) ? Int.max : Int(size)
                do {
                    // Cap at the declared size (plus one byte to detect an overrun) and the budget.
                    let cap = min(remaining, declared == Int.max ? declared : declared + 1)
                    data = try Inflate.decompress(Array(compressed), maxOutputBytes: cap, expectedSize: declared).bytes
                } catch let error as InflateError {
                    if case .outputLimitExceeded = error {
                        if declared < remaining {
                            throw ZipError.sizeMismatch(file: source, entry: name, expected: declared, actual: declared + 1)
                        }
                        throw ZipError.corruptData(file: source, entry: name, error: .outputLimitExceeded(limit: maxOutputBytes))
                    }
                    throw ZipError.corruptData(file: source, entry: name, error: error)
                }
                guard data.count == declared else {
                    throw ZipError.sizeMismatch(file: source, entry: name, expected: declared, actual: data.count)
                }
            }
            let actual = CRC32.checksum(data)
            guard actual == crc else {
                throw ZipError.checksumMismatch(file: source, entry: name, expected: crc, actual: actual)
            }
            produced += data.count
            entries.append(Entry(name: name, bytes: data))
        }
        self.entries = entries
    }

    /// The archive's bytes, every entry stored uncompressed.
    ///
    /// - Throws: ``ZipError/duplicateEntry(file:entry:)`` or ``ZipError/tooLarge(file:)``.
    public func encoded(source: String = "<memory>") throws -> [UInt8] {
        var output: [UInt8] = []
        var directory: [UInt8] = []
        var names = Set<String>()
        guard entries.count < 0xFFFF else { throw ZipError.tooLarge(file: source) }
        func append16(_ value: Int, to buffer: inout [UInt8]) {
            buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]
        }
        func append32(_ value: UInt32, to buffer: inout [UInt8]) {
            buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        for entry in entries {
            guard names.insert(entry.name).inserted else { throw ZipError.duplicateEntry(file: source, entry: entry.name) }
            let name = Array(entry.name.utf8)
            guard entry.bytes.count < 0xFFFF_FFFF, output.count < 0xFFFF_FFFF, name.count <= 0xFFFF else {
                throw ZipError.tooLarge(file: source)
            }
            let crc = CRC32.checksum(entry.bytes)
            let flags = entry.name.utf8.allSatisfy { $0 < 0x80 } ? 0 : 0x0800  // bit 11: UTF-8 name
            let offset = UInt32(output.count)
            // Fields shared by the local header and the central directory record.
            var common: [UInt8] = []
            append16(20, to: &common)  // version needed: 2.0
            append16(flags, to: &common)
            append16(0, to: &common)  // method: stored
            append16(0, to: &common)  // time 00:00:00
            append16(0x21, to: &common)  // date 1980-01-01
            append32(crc, to: &common)
            append32(UInt32(entry.bytes.count), to: &common)
            append32(UInt32(entry.bytes.count), to: &common)
            append16(name.count, to: &common)
            append16(0, to: &common)  // extra length
            append32(0x0403_4B50, to: &output)
            output += common
            output += name
            output += entry.bytes
            append32(0x0201_4B50, to: &directory)
            append16(20, to: &directory)  // version made by
            directory += common
            append16(0, to: &directory)  // comment length
            append16(0, to: &directory)  // disk number
            append16(0, to: &directory)  // internal attributes
            append32(0, to: &directory)  // external attributes
            append32(offset, to: &directory)
            directory += name
        }
        guard output.count < 0xFFFF_FFFF, directory.count < 0xFFFF_FFFF else { throw ZipError.tooLarge(file: source) }
        let directoryOffset = UInt32(output.count)
        output += directory
        append32(0x0605_4B50, to: &output)
        append16(0, to: &output)
        append16(0, to: &output)
        append16(entries.count, to: &output)
        append16(entries.count, to: &output)
        append32(UInt32(directory.count), to: &output)
        append32(directoryOffset, to: &output)
        append16(0, to: &output)  // comment length
        return output
    }

    /// Writes the archive to `path` (stored entries), atomically.
    ///
    /// - Throws: ``ZipError`` or ``FileError``.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(encoded(source: path), toPath: path)
    }
}
