/// Why a safetensors file could not be read or written; the message names the file, the entry
/// and what was expected.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 8-byte header length.
    case fileTooSmall(file: String, size: Int)
    /// The header length exceeds the 100 MB limit.
    case headerTooLarge(file: String, length: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerPastEnd(file: String, length: UInt64, available: Int)
    /// The header is not valid UTF-8.
    case invalidUTF8(file: String, offset: Int)
    /// The header is not valid JSON (or does not start with `{`).
    case invalidJSON(file: String, error: String)
    /// The header's JSON is not an object.
    case headerNotObject(file: String)
    /// The header names a tensor twice.
    case duplicateName(file: String, entry: String)
    /// An entry lacks `dtype`, `shape` or `data_offsets`, or one of them is malformed.
    case invalidEntry(file: String, entry: String, reason: String)
    /// An entry's dtype is not one Glassbox reads.
    case unknownDType(file: String, entry: String, dtype: String)
    /// The product of an entry's shape (or its byte count) overflows.
    case shapeOverflow(file: String, entry: String, shape: [Int])
    /// An entry's `data_offsets` span a different number of bytes than its dtype and shape need.
    case byteSizeMismatch(file: String, entry: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    /// Sorted by offset, an entry starts after the previous one ends (a gap).
    case offsetGap(file: String, entry: String, expectedStart: Int, actualStart: Int)
    /// Sorted by offset, an entry starts before the previous one ends (an overlap).
    case offsetOverlap(file: String, entry: String, expectedStart: Int, actualStart: Int)
    /// The tensors' data does not end exactly at the end of the file.
    case dataSizeMismatch(file: String, expected: Int, actual: Int)
    /// `__metadata__` is not an object of strings.
    case invalidMetadata(file: String, reason: String)
    /// Writing: a tensor is named `__metadata__`.
    case reservedName(file: String)

    /// A one-line message naming the file, the entry and the expectation.
    public var description: String {
        switch self {
        case .fileTooSmall(let file, let size):
            "\(file): \(size) bytes is too small for a safetensors file (need at least the 8-byte header length)"
        case .headerTooLarge(let file, let length, let limit):
            "\(file): safetensors header length \(length) exceeds the limit of \(limit) bytes"
        case .headerPastEnd(let file, let length, let available):
            "\(file): safetensors header length \(length) runs past the end of the file (\(available) bytes follow the length)"
        case .invalidUTF8(let file, let offset): "\(file): safetensors header is not valid UTF-8 (byte \(offset))"
        case .invalidJSON(let file, let error): "\(file): safetensors header is not valid JSON: \(error)"
        case .headerNotObject(let file): "\(file): safetensors header is not a JSON object"
        case .duplicateName(let file, let entry): "\(file): tensor '\(entry)' appears twice"
        case .invalidEntry(let file, let entry, let reason): "\(file): tensor '\(entry)': \(reason)"
        case .unknownDType(let file, let entry, let dtype):
            "\(file): tensor '\(entry)': unknown dtype '\(dtype)' (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)"
        case .shapeOverflow(let file, let entry, let shape): "\(file): tensor '\(entry)': shape \(shape) overflows"
        case .byteSizeMismatch(let file, let entry, let dtype, let shape, let expected, let actual):
            "\(file): tensor '\(entry)': data_offsets span \(actual) bytes, \(dtype) shape \(shape) needs \(expected)"
        case .offsetGap(let file, let entry, let expectedStart, let actualStart):
            "\(file): tensor '\(entry)': data starts at \(actualStart), leaving a gap after the previous tensor's end \(expectedStart)"
        case .offsetOverlap(let file, let entry, let expectedStart, let actualStart):
            "\(file): tensor '\(entry)': data starts at \(actualStart), overlapping the previous tensor, which ends at \(expectedStart)"
        case .dataSizeMismatch(let file, let expected, let actual):
            "\(file): tensors end at data byte \(expected) but the data region holds \(actual) bytes"
        case .invalidMetadata(let file, let reason): "\(file): __metadata__: \(reason)"
        case .reservedName(let file): "\(file): a tensor may not be named __metadata__"
        }
    }
}

/// The contents of a safetensors file: named tensors in header order and the string metadata.
///
/// Reading validates as the reference (Rust) implementation does — header length within the
/// file and at most 100 MB, UTF-8 JSON object, every entry with a known dtype, a shape whose
/// product does not overflow, `data_offsets` spanning exactly elements × dtype size bytes and,
/// sorted by offset, tiling the data region from 0 to its end with no gap or overlap — plus no
/// duplicate names. Everything is checked before any tensor memory is allocated.
///
/// Writing lists tensors in the header in the order given, and lays their data out sorted by
/// dtype size, largest first (stable), so every tensor starts at a multiple of its element size
/// (as the Python writer does by sorting on alignment); the header is padded with spaces to a
/// multiple of 8 bytes and `__metadata__`, if not empty, comes first with sorted keys.
public struct SafeTensors: Sendable {
    /// The largest header accepted (100 MB), as in the reference implementation.
    public static let maximumHeaderSize = 100_000_000

    /// The tensors in header order.
    public var tensors: [(name: String, array: ArrayData)]
    /// The `__metadata__` string map (empty if the file has none).
    public var metadata: [String: String]

    /// Creates the contents of a safetensors file.
    public init(tensors: [(name: String, array: ArrayData)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor named `name`, or `nil`.
    public subscript(name: String) -> ArrayData? {
        tensors.first { $0.name == name }?.array
    }

    /// The tensors keyed by name.
    public var tensorsByName: [String: ArrayData] {
        Dictionary(tensors.map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads the safetensors file at `path`.
    ///
    /// - Throws: ``FileError`` or ``SafeTensorsError``.
    public init(contentsOf path: String) throws {
        try self.init(decoding: FileIO.readBytes(atPath: path), source: path)
    }

    /// Decodes safetensors bytes; `source` names the file in errors.
    ///
    /// - Throws: ``SafeTensorsError``.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws {
        guard bytes.count >= 8 else { throw SafeTensorsError.fileTooSmall(file: source, size: bytes.count) }
        let headerLength = readUInt64LE(bytes, at: 0)
        guard headerLength <= UInt64(SafeTensors.maximumHeaderSize) else {
            throw SafeTensorsError.headerTooLarge(file: source, length: headerLength, limit: SafeTensors.maximumHeaderSize)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.headerPastEnd(file: source, length: headerLength, available: bytes.count - 8)
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Array(bytes[8..<dataStart])
        if let bad = firstInvalidUTF8Offset(headerBytes) { throw SafeTensorsError.invalidUTF8(file: source, offset: bad) }
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw SafeTensorsError.invalidJSON(file: source, error: "header does not start with '{'")
        }
        let header: JSONValue
        do {
            header = try JSONValue(parsing: headerBytes)
        } catch let error as JSONError {
            if case .duplicateKey(_, let key) = error { throw SafeTensorsError.duplicateName(file: source, entry: key) }
            throw SafeTensorsError.invalidJSON(file: source, error: error.description)
        }
        guard let object = header.objectValue else { throw SafeTensorsError.headerNotObject(file: source) }

        struct Entry {
            var name: String, dtype: DType, shape: [Int], begin: Int, end: Int
        }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let members = value.objectValue else {
                    throw SafeTensorsError.invalidMetadata(file: source, reason: "expected an object of strings")
                }
                for (key, item) in members {
                    guard let text = item.stringValue else {
                        throw SafeTensorsError.invalidMetadata(file: source, reason: "value of '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            func invalid(_ reason: String) -> SafeTensorsError { .invalidEntry(file: source, entry: name, reason: reason) }
            guard let info = value.objectValue else { throw invalid("expected an object with dtype, shape and data_offsets") }
            guard let dtypeValue = info["dtype"] else { throw invalid("missing 'dtype'") }
            guard let dtypeName = dtypeValue.stringValue else { throw invalid("'dtype' is not a string") }
            guard let shapeValue = info["shape"] else { throw invalid("missing 'shape'") }
            guard let offsetsValue = info["data_offsets"] else { throw invalid("missing 'data_offsets'") }
            guard let dtype = DType(safeTensorsName: dtypeName) else {
                throw SafeTensorsError.unknownDType(file: source, entry: name, dtype: dtypeName)
            }
            guard let shapeItems = shapeValue.arrayValue else { throw invalid("'shape' is not an array") }
            let shape = shapeItems.compactMap(\.integerValue)
            guard shape.count == shapeItems.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw invalid("'shape' must hold non-negative integers")
            }
            guard let offsetItems = offsetsValue.arrayValue, offsetItems.count == 2,
                let begin = offsetItems[0].integerValue, let end = offsetItems[1].integerValue, begin >= 0, end >= 0
            else { throw invalid("'data_offsets' must be two non-negative integers") }
            guard begin <= end else { throw invalid("data_offsets [\(begin), \(end)] end before they begin") }
            guard let count = ArrayData.checkedElementCount(shape, elementSize: dtype.byteSize) else {
                throw SafeTensorsError.shapeOverflow(file: source, entry: name, shape: shape)
            }
            guard end - begin == count * dtype.byteSize else {
                throw SafeTensorsError.byteSizeMismatch(
                    file: source, entry: name, dtype: dtypeName, shape: shape, expected: count * dtype.byteSize,
                    actual: end - begin)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        var dataEnd = 0
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if entry.begin > dataEnd {
                throw SafeTensorsError.offsetGap(file: source, entry: entry.name, expectedStart: dataEnd, actualStart: entry.begin)
            }
            if entry.begin < dataEnd {
                throw SafeTensorsError.offsetOverlap(file: source, entry: entry.name, expectedStart: dataEnd, actualStart: entry.begin)
            }
            dataEnd = entry.end
        }
        guard dataEnd == bytes.count - dataStart else {
            throw SafeTensorsError.dataSizeMismatch(file: source, expected: dataEnd, actual: bytes.count - dataStart)
        }
        self.metadata = metadata
        self.tensors = entries.map { entry in
            (entry.name, ArrayData(
                dtype: entry.dtype, shape: entry.shape,
                bytes: Array(bytes[dataStart + entry.begin..<dataStart + entry.end])))
        }
    }

    /// The safetensors bytes (see the type's documentation for the layout).
    ///
    /// - Throws: ``SafeTensorsError/duplicateName(file:entry:)`` or
    ///   ``SafeTensorsError/reservedName(file:)``.
    public func encoded(source: String = "<memory>") throws -> [UInt8] {
        var seen = Set<String>()
        for (name, _) in tensors {
            if name == "__metadata__" { throw SafeTensorsError.reservedName(file: source) }
            guard seen.insert(name).inserted else { throw SafeTensorsError.duplicateName(file: source, entry: name) }
        }
        // Data layout: largest element size first, stable, so every tensor is aligned.
        let layout = tensors.indices.sorted {
            let (a, b) = (tensors[$0].array.dtype.byteSize, tensors[$1].array.dtype.byteSize)
            return a != b ? a > b : $0 < $1
        }
        var offsets = [(Int, Int)](repeating: (0, 0), count: tensors.count)
        var dataSize = 0
        for index in layout {
            offsets[index] = (dataSize, dataSize + tensors[index].array.bytes.count)
            dataSize += tensors[index].array.bytes.count
        }
        var header = JSONObject()
        if !metadata.isEmpty {
            header["__metadata__"] = .object(JSONObject(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))
        }
        for (index, (name, array)) in tensors.enumerated() {
            header[name] = .object(JSONObject([
                ("dtype", .string(array.dtype.safeTensorsName)),
                ("shape", .array(array.shape.map { .integer($0) })),
                ("data_offsets", .array([.integer(offsets[index].0), .integer(offsets[index].1)])),
            ]))
        }
        var headerBytes = Array(JSONValue.object(header).serialized().utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
        var output = [UInt8]()
        output.reserveCapacity(8 + headerBytes.count + dataSize)
        var length = UInt64(headerBytes.count)
        for _ in 0..<8 {
            output.append(UInt8(length & 0xFF))
            length >>= 8
        }
        output += headerBytes
        for index in layout { output += tensors[index].array.bytes }
        return output
    }

    /// Writes the file to `path`, atomically (see ``FileIO/writeAtomically(_:toPath:)``).
    ///
    /// - Throws: ``SafeTensorsError`` or ``FileError``.
    public func write(to path: String) throws {
        try FileIO.writeAtomically(encoded(source: path), toPath: path)
    }
}
