/// Why a `.npy` file could not be read or written; the message names the file.
public enum NPYError: Error, Equatable, CustomStringConvertible {
    /// The data does not start with the magic string `\x93NUMPY`.
    case notNPY(file: String)
    /// The format version is not 1.0, 2.0 or 3.0.
    case unsupportedVersion(file: String, major: UInt8, minor: UInt8)
    /// The file ends before the header does.
    case truncatedHeader(file: String, headerLength: Int, available: Int)
    /// The header is not the Python dict literal numpy writes; `reason` says what was expected.
    case invalidHeader(file: String, reason: String)
    /// The `descr` names a dtype Glassbox does not read (or, writing, cannot express).
    case unsupportedDType(file: String, descr: String)
    /// The product of the shape overflows.
    case shapeOverflow(file: String, shape: [Int])
    /// The data after the header is not exactly elements × item size bytes.
    case dataSizeMismatch(file: String, expected: Int, actual: Int)

    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .notNPY(let file): "\(file): not a .npy file (expected magic \\x93NUMPY)"
        case .unsupportedVersion(let file, let major, let minor):
            "\(file): .npy format version \(major).\(minor) is not supported (expected 1.0, 2.0 or 3.0)"
        case .truncatedHeader(let file, let length, let available):
            "\(file): .npy header length \(length) runs past the end of the file (\(available) bytes after the prefix)"
        case .invalidHeader(let file, let reason): "\(file): invalid .npy header: \(reason)"
        case .unsupportedDType(let file, let descr): "\(file): unsupported .npy dtype '\(descr)'"
        case .shapeOverflow(let file, let shape): "\(file): .npy shape \(shape) overflows"
        case .dataSizeMismatch(let file, let expected, let actual):
            "\(file): .npy data is \(actual) bytes, shape and dtype need \(expected)"
        }
    }
}

/// NumPy's `.npy` format (versions 1.0, 2.0 and 3.0).
///
/// Reads `<f2 <f4 <f8 <i2 <i4 <i8 |i1 |u1 |b1` and their big-endian forms, in C or Fortran
/// order; big-endian data is byte-swapped and Fortran-order data transposed, so the result is
/// always little-endian C order. Writes version 1.0 (2.0 when the header needs more than 65535
/// bytes), C order, little-endian, every dtype but `.bf16`.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads the `.npy` file at `path`.
    ///
    /// - Throws: ``FileError`` or ``NPYError``.
    public static func read(contentsOf path: String) throws -> ArrayData {
        try decode(FileIO.readBytes(atPath: path), source: path)
    }

    /// Decodes `.npy` bytes; `source` names the file in error messages.
    ///
    /// - Throws: ``NPYError``.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> ArrayData {
        guard bytes.count >= 8, Array(bytes[0..<6]) == magic else { throw NPYError.notNPY(file: source) }
        let major = bytes[6], minor = bytes[7]
        guard minor == 0 && (1...3).contains(major) else {
            throw NPYError.unsupportedVersion(file: source, major: major, minor: minor)
        }
        let prefix = major == 1 ? 10 : 12
        guard bytes.count >= prefix else {
            throw NPYError.truncatedHeader(file: source, headerLength: prefix, available: bytes.count)
        }
        let headerLength = major == 1 ? Int(readUInt16LE(bytes, at: 8)) : Int(readUInt32LE(bytes, at: 8))
        guard bytes.count - prefix >= headerLength else {
            throw NPYError.truncatedHeader(file: source, headerLength: headerLength, available: bytes.count - prefix)
        }
        let headerBytes = bytes[prefix..<prefix + headerLength]
        if major == 3, let bad = firstInvalidUTF8Offset(Array(headerBytes)) {
            throw NPYError.invalidHeader(file: source, reason: "invalid UTF-8 at header byte \(bad)")
        }
        var parser = PythonLiteralParser(bytes: Array(headerBytes), source: source)
        let header = try parser.parseHeader()
        let (dtype, bigEndian) = try parseDescr(header.descr, source: source)
        guard let count = ArrayData.checkedElementCount(header.shape, elementSize: dtype.byteSize) else {
            throw NPYError.shapeOverflow(file: source, shape: header.shape)
        }
        let dataStart = prefix + headerLength
        let expected = count * dtype.byteSize
        guard bytes.count - dataStart == expected else {
            throw NPYError.dataSizeMismatch(file: source, expected: expected, actual: bytes.count - dataStart)
        }
        var data = Array(bytes[dataStart...])
        if bigEndian { swapByteOrder(&data, elementSize: dtype.byteSize) }
        if header.fortranOrder && header.shape.count > 1 {
            data = fortranToC(data, shape: header.shape, elementSize: dtype.byteSize)
        }
        return ArrayData(dtype: dtype, shape: header.shape, bytes: data)
    }

    /// The `.npy` bytes of `array` (version 1.0, or 2.0 for a header over 65535 bytes).
    ///
    /// - Throws: ``NPYError/unsupportedDType(file:descr:)`` for `.bf16`, which NumPy lacks.
    public static func encode(_ array: ArrayData, source: String = "<memory>") throws -> [UInt8] {
        let descr: String
        switch array.dtype {
        case .f64: descr = "<f8"
        case .f32: descr = "<f4"
        case .f16: descr = "<f2"
        case .i64: descr = "<i8"
        case .i32: descr = "<i4"
        case .i16: descr = "<i2"
        case .i8: descr = "|i1"
        case .u8: descr = "|u1"
        case .bool: descr = "|b1"
        case .bf16: throw NPYError.unsupportedDType(file: source, descr: "bf16 (NumPy has no bfloat16)")
        }
        let shape: String
        switch array.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(array.shape[0]),)"
        default: shape = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        // Version 1.0 stores the (padded) header length in 16 bits; 2.0 in 32.
        var prefix = 10
        var padding = (64 - (prefix + header.count + 1) % 64) % 64
        if header.count + padding + 1 > 0xFFFF {
            prefix = 12
            padding = (64 - (prefix + header.count + 1) % 64) % 64
        }
        header += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        var output = magic
        output += prefix == 10 ? [1, 0] : [2, 0]
        let length = header.count
        output += prefix == 10
            ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        output += header
        output += array.bytes
        return output
    }

    /// Writes `array` to `path` as `.npy`, atomically (see ``FileIO/writeAtomically(_:toPath:)``).
    ///
    /// - Throws: ``NPYError`` or ``FileError``.
    public static func write(_ array: ArrayData, to path: String) throws {
        try FileIO.writeAtomically(encode(array, source: path), toPath: path)
    }

    static func parseDescr(_ descr: String, source: String) throws -> (DType, bigEndian: Bool) {
        let characters = Array(descr)
        guard characters.count == 3, "<>|=".contains(characters[0]) else {
            throw NPYError.unsupportedDType(file: source, descr: descr)
        }
        let dtype: DType
        switch String(characters[1...]) {
        case "f8": dtype = .f64
        case "f4": dtype = .f32
        case "f2": dtype = .f16
        case "i8": dtype = .i64
        case "i4": dtype = .i32
        case "i2": dtype = .i16
        case "i1": dtype = .i8
        case "u1": dtype = .u8
        case "b1": dtype = .bool
        default: throw NPYError.unsupportedDType(file: source, descr: descr)
        }
        if dtype.byteSize > 1 && characters[0] == "|" { throw NPYError.unsupportedDType(file: source, descr: descr) }
        return (dtype, characters[0] == ">")
    }

    /// Reorders Fortran-order (column-major) elements into C order.
    static func fortranToC(_ data: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        let count = data.count / elementSize
        guard count > 0 else { return data }
        var strides = [Int](repeating: 1, count: shape.count)  // Fortran strides, in elements
        for axis in 1..<shape.count { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var result = [UInt8](repeating: 0, count: data.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        let last = shape.count - 1
        data.withUnsafeBytes { input in
            result.withUnsafeMutableBytes { output in
                var destination = 0
                while destination < data.count {
                    // Copy one C-order row (the last axis) of elements.
                    var offset = source
                    for _ in 0..<shape[last] {
                        output.baseAddress!.advanced(by: destination)
                            .copyMemory(from: input.baseAddress!.advanced(by: offset * elementSize), byteCount: elementSize)
                        destination += elementSize
                        offset += strides[last]
                    }
                    // Advance the odometer over the leading axes.
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += strides[axis]
                        if index[axis] < shape[axis] { break }
                        source -= strides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }
}

/// The parsed `.npy` header dict.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]
}

/// A strict parser for the Python dict literal of a `.npy` header:
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` followed by spaces and `\n`.
private struct PythonLiteralParser {
    let bytes: [UInt8]
    let source: String
    var position = 0

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    func fail(_ reason: String) -> NPYError {
        .invalidHeader(file: source, reason: "\(reason) at header byte \(position)")
    }

    mutating func skipSpaces() {
        while position < bytes.count && (bytes[position] == 0x20 || bytes[position] == 0x09) { position += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipSpaces()
        if position < bytes.count && bytes[position] == byte {
            position += 1
            return true
        }
        return false
    }

    mutating func parseString() throws -> String {
        skipSpaces()
        guard position < bytes.count, bytes[position] == 0x27 || bytes[position] == 0x22 else {
            throw fail("expected a quoted string")
        }
        let quote = bytes[position]
        position += 1
        let start = position
        while position < bytes.count && bytes[position] != quote {
            if bytes[position] == 0x5C || bytes[position] < 0x20 { throw fail("unsupported character in string") }
            position += 1
        }
        guard position < bytes.count else { throw fail("unterminated string") }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        position += 1
        return text
    }

    mutating func parseWord() -> String {
        skipSpaces()
        let start = position
        while position < bytes.count && (bytes[position] >= 0x61 && bytes[position] <= 0x7A || bytes[position] >= 0x41 && bytes[position] <= 0x5A) {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func parseInteger() throws -> Int {
        skipSpaces()
        let start = position
        while position < bytes.count && bytes[position] >= 0x30 && bytes[position] <= 0x39 { position += 1 }
        guard position > start, let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)) else {
            throw fail("expected a non-negative integer")
        }
        return value
    }

    mutating func parseShape() throws -> [Int] {
        guard consume(0x28) else { throw fail("expected '(' starting the shape tuple") }
        var shape: [Int] = []
        if consume(0x29) { return shape }
        while true {
            shape.append(try parseInteger())
            if consume(0x29) {
                if shape.count == 1 { throw fail("a one-element shape needs a trailing comma") }
                return shape
            }
            guard consume(0x2C) else { throw fail("expected ',' or ')' in the shape tuple") }
            if consume(0x29) { return shape }
        }
    }

    mutating func parseHeader() throws -> NPYHeader {
        guard consume(0x7B) else { throw fail("expected '{'") }
        var descr: String?, fortranOrder: Bool?, shape: [Int]?
        while !consume(0x7D) {
            let key = try parseString()
            guard consume(0x3A) else { throw fail("expected ':' after '\(key)'") }
            switch key {
            case "descr":
                guard descr == nil else { throw fail("duplicate key 'descr'") }
                descr = try parseString()
            case "fortran_order":
                guard fortranOrder == nil else { throw fail("duplicate key 'fortran_order'") }
                switch parseWord() {
                case "True": fortranOrder = true
                case "False": fortranOrder = false
                default: throw fail("expected True or False for 'fortran_order'")
                }
            case "shape":
                guard shape == nil else { throw fail("duplicate key 'shape'") }
                shape = try parseShape()
            default:
                throw fail("unexpected key '\(key)' (expected 'descr', 'fortran_order', 'shape')")
            }
            if consume(0x7D) { break }
            guard consume(0x2C) else { throw fail("expected ',' or '}'") }
        }
        while position < bytes.count && (bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x00) {
            position += 1
        }
        guard position == bytes.count else { throw fail("unexpected characters after the dict") }
        guard let descr, let fortranOrder, let shape else {
            throw NPYError.invalidHeader(file: source, reason: "missing key (need 'descr', 'fortran_order' and 'shape')")
        }
        return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)
    }
}
