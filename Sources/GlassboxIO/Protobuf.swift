// The protocol-buffers wire format (proto2/proto3 binary encoding), by hand: a reader that walks
// the fields of one message and a writer that appends them. Varints (at most 10 bytes), zigzag,
// fixed32/64 little-endian, length-delimited fields whose length is checked against the bytes
// left before anything is allocated, packed and unpacked repeated scalars, and unknown fields
// skipped (groups included).

/// Why protobuf bytes could not be decoded; the message names the message type, the field and
/// the byte offset.
public enum ProtobufError: Error, Equatable, CustomStringConvertible {
    /// The bytes end inside a field.
    case truncated(message: String, offset: Int)
    /// A varint is longer than 10 bytes.
    case varintTooLong(message: String, offset: Int)
    /// A field key has a wire type that does not exist (or the field number 0).
    case invalidKey(message: String, key: UInt64, offset: Int)
    /// A field has a different wire type than its declaration allows.
    case wrongWireType(message: String, field: Int, wireType: Int, offset: Int)
    /// A length-delimited field is longer than the bytes left.
    case lengthPastEnd(message: String, field: Int, length: UInt64, available: Int)
    /// A string field is not valid UTF-8.
    case invalidUTF8(message: String, field: Int)
    /// Nesting is deeper than the limit (a malicious or corrupt file).
    case tooDeep(message: String, limit: Int)
    /// A field holds a value the message does not allow.
    case invalidValue(message: String, field: String, reason: String)

    /// A one-line message naming the message type, the field and what was expected.
    public var description: String {
        switch self {
        case .truncated(let message, let offset): "protobuf \(message): bytes end inside a field at offset \(offset)"
        case .varintTooLong(let message, let offset): "protobuf \(message): varint at offset \(offset) is longer than 10 bytes"
        case .invalidKey(let message, let key, let offset):
            "protobuf \(message): invalid field key \(key) at offset \(offset) (field number 0 or wire type 6/7)"
        case .wrongWireType(let message, let field, let wireType, let offset):
            "protobuf \(message): field \(field) has wire type \(wireType) at offset \(offset), which its declaration does not allow"
        case .lengthPastEnd(let message, let field, let length, let available):
            "protobuf \(message): field \(field) claims \(length) bytes but only \(available) are left"
        case .invalidUTF8(let message, let field): "protobuf \(message): field \(field) is not valid UTF-8"
        case .tooDeep(let message, let limit): "protobuf \(message): messages nested deeper than \(limit)"
        case .invalidValue(let message, let field, let reason): "protobuf \(message).\(field): \(reason)"
        }
    }
}

/// The wire type of a protobuf field (the low three bits of its key).
public enum ProtobufWireType: Int, Sendable {
    /// int32, int64, uint32, uint64, sint32, sint64, bool, enum.
    case varint = 0
    /// fixed64, sfixed64, double.
    case fixed64 = 1
    /// string, bytes, embedded messages, packed repeated fields.
    case lengthDelimited = 2
    /// A deprecated group start (skipped).
    case startGroup = 3
    /// A deprecated group end.
    case endGroup = 4
    /// fixed32, sfixed32, float.
    case fixed32 = 5
}

/// Reads the fields of one protobuf message from a byte range, in order.
///
/// Call ``nextField()`` until it returns `nil`; after each key, read the value with the accessor
/// for the declared type, or ``skip(_:)`` it.
public struct ProtobufReader {
    /// The whole buffer (shared with sub-readers, not copied).
    public let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var position: Int
    /// The end of this message's bytes.
    public let end: Int
    /// The message type, for error messages.
    public let message: String
    /// How deeply this message is nested.
    public let depth: Int
    /// The most nesting accepted.
    public static let maxDepth = 64
    private var field = 0

    /// A reader over all of `bytes`, for a message of type `message`.
    public init(_ bytes: [UInt8], message: String) {
        self.init(bytes: bytes, range: 0..<bytes.count, message: message, depth: 0)
    }

    init(bytes: [UInt8], range: Range<Int>, message: String, depth: Int) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.message = message
        self.depth = depth
    }

    /// Whether every byte of the message has been read.
    public var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or `nil` at the end of the message.
    public mutating func nextField() throws -> (number: Int, wireType: ProtobufWireType)? {
        guard position < end else { return nil }
        let start = position
        let key = try varint()
        guard key >> 3 > 0, key >> 3 <= UInt64(Int32.max), let type = ProtobufWireType(rawValue: Int(key & 7)) else {
            throw ProtobufError.invalidKey(message: message, key: key, offset: start)
        }
        field = Int(key >> 3)
        return (field, type)
    }

    /// A base-128 varint.
    public mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw ProtobufError.truncated(message: message, offset: position) }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw ProtobufError.varintTooLong(message: message, offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A varint as a two's-complement `int64` (also `int32` and enums).
    public mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }

    /// A zigzag-encoded `sint64`.
    public mutating func sint64() throws -> Int64 { ProtobufReader.zigzagDecode(try varint()) }

    /// Decodes a zigzag value: 0, -1, 1, -2, … from 0, 1, 2, 3, ….
    public static func zigzagDecode(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// A little-endian 32-bit value.
    public mutating func fixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw ProtobufError.truncated(message: message, offset: position) }
        var value: UInt32 = 0
        for k in 0..<4 { value |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return value
    }

    /// A little-endian 64-bit value.
    public mutating func fixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw ProtobufError.truncated(message: message, offset: position) }
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return value
    }

    /// A `float` (fixed32).
    public mutating func float() throws -> Float { Float(bitPattern: try fixed32()) }

    /// A `double` (fixed64).
    public mutating func double() throws -> Double { Double(bitPattern: try fixed64()) }

    /// The byte range of a length-delimited field, checked against the bytes left.
    public mutating func lengthDelimitedRange() throws -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw ProtobufError.lengthPastEnd(message: message, field: field, length: length, available: end - position)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// The bytes of a `bytes` field.
    public mutating func bytesField() throws -> [UInt8] { Array(bytes[try lengthDelimitedRange()]) }

    /// A UTF-8 `string` field.
    public mutating func string() throws -> String {
        let range = try lengthDelimitedRange()
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw ProtobufError.invalidUTF8(message: message, field: field)
        }
        return text
    }

    /// A reader over an embedded message of type `type`.
    public mutating func messageReader(_ type: String) throws -> ProtobufReader {
        let range = try lengthDelimitedRange()
        guard depth + 1 <= ProtobufReader.maxDepth else {
            throw ProtobufError.tooDeep(message: type, limit: ProtobufReader.maxDepth)
        }
        return ProtobufReader(bytes: bytes, range: range, message: type, depth: depth + 1)
    }

    /// Appends a repeated varint field's values, packed (wire type 2) or not (wire type 0).
    public mutating func repeatedVarint(_ wireType: ProtobufWireType, into values: inout [Int64]) throws {
        switch wireType {
        case .varint: values.append(try int64())
        case .lengthDelimited:
            let range = try lengthDelimitedRange()
            var sub = ProtobufReader(bytes: bytes, range: range, message: message, depth: depth)
            while !sub.isAtEnd { values.append(try sub.int64()) }
        default: throw wrongType(wireType)
        }
    }

    /// Appends a repeated `float` field's values, packed or not.
    public mutating func repeatedFloat(_ wireType: ProtobufWireType, into values: inout [Float]) throws {
        switch wireType {
        case .fixed32: values.append(try float())
        case .lengthDelimited:
            let range = try lengthDelimitedRange()
            guard range.count % 4 == 0 else {
                throw ProtobufError.invalidValue(message: message, field: "\(field)", reason: "packed floats of \(range.count) bytes (not a multiple of 4)")
            }
            var sub = ProtobufReader(bytes: bytes, range: range, message: message, depth: depth)
            values.reserveCapacity(values.count + range.count / 4)
            while !sub.isAtEnd { values.append(try sub.float()) }
        default: throw wrongType(wireType)
        }
    }

    /// Appends a repeated `double` field's values, packed or not.
    public mutating func repeatedDouble(_ wireType: ProtobufWireType, into values: inout [Double]) throws {
        switch wireType {
        case .fixed64: values.append(try double())
        case .lengthDelimited:
            let range = try lengthDelimitedRange()
            guard range.count % 8 == 0 else {
                throw ProtobufError.invalidValue(message: message, field: "\(field)", reason: "packed doubles of \(range.count) bytes (not a multiple of 8)")
            }
            var sub = ProtobufReader(bytes: bytes, range: range, message: message, depth: depth)
            values.reserveCapacity(values.count + range.count / 8)
            while !sub.isAtEnd { values.append(try sub.double()) }
        default: throw wrongType(wireType)
        }
    }

    /// Throws unless the field has wire type `expected`.
    public func expect(_ wireType: ProtobufWireType, _ expected: ProtobufWireType) throws {
        if wireType != expected { throw wrongType(wireType) }
    }

    func wrongType(_ wireType: ProtobufWireType) -> ProtobufError {
        .wrongWireType(message: message, field: field, wireType: wireType.rawValue, offset: position)
    }

    /// Skips the value of a field with this wire type (an unknown field).
    public mutating func skip(_ wireType: ProtobufWireType) throws {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimitedRange()
        case .startGroup:
            let group = field
            var nested = 0
            while let (number, type) = try nextField() {
                if type == .endGroup {
                    if nested == 0 && number == group { return }
                    nested -= 1
                    continue
                }
                if type == .startGroup {
                    nested += 1
                    guard nested < ProtobufReader.maxDepth else { throw ProtobufError.tooDeep(message: message, limit: ProtobufReader.maxDepth) }
                    continue
                }
                try skip(type)
            }
            throw ProtobufError.truncated(message: message, offset: position)
        case .endGroup: throw wrongType(wireType)
        }
    }
}

/// Appends protobuf fields to a byte buffer.
public struct ProtobufWriter: Sendable {
    /// The encoded bytes so far.
    public var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends a field key.
    public mutating func key(_ field: Int, _ wireType: ProtobufWireType) {
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends a bare varint.
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A varint field holding a two's-complement integer (int32, int64, enum, bool).
    public mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A zigzag `sint64` field.
    public mutating func sint(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A `fixed32` field.
    public mutating func fixed32(_ field: Int, _ value: UInt32) {
        key(field, .fixed32)
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(k)))) }
    }

    /// A `fixed64` field.
    public mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, .fixed64)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    /// A `float` field.
    public mutating func float(_ field: Int, _ value: Float) { fixed32(field, value.bitPattern) }

    /// A `double` field.
    public mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    /// A `bytes` field.
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field.
    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) { bytes(field, value.bytes) }

    /// A packed repeated varint field (nothing when empty).
    public mutating func packedInts(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for v in values { inner.appendVarint(UInt64(bitPattern: v)) }
        bytes(field, inner.bytes)
    }

    /// A packed repeated `float` field (nothing when empty).
    public mutating func packedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var inner = [UInt8]()
        inner.reserveCapacity(values.count * 4)
        for v in values { for k in 0..<4 { inner.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32(k)))) } }
        bytes(field, inner)
    }

    /// A packed repeated `double` field (nothing when empty).
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var inner = [UInt8]()
        inner.reserveCapacity(values.count * 8)
        for v in values { for k in 0..<8 { inner.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64(k)))) } }
        bytes(field, inner)
    }
}
