// A small, strict JSON (RFC 8259) parser and serialiser. Input must be valid UTF-8; objects keep
// their key order; duplicate keys, trailing commas, comments, leading zeros, lone surrogates,
// unescaped control characters and nesting deeper than `JSONValue.maximumDepth` are errors.

/// A JSON value. Objects keep the order of their keys.
public enum JSONValue: Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number (always finite).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keys in document order.
    case object(JSONObject)

    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maximumDepth = 512

    /// Parses a complete JSON text (surrounding whitespace allowed, nothing else).
    ///
    /// - Throws: ``JSONError`` with the byte offset of the problem.
    public init(parsing bytes: [UInt8]) throws {
        if let bad = firstInvalidUTF8Offset(bytes) { throw JSONError.invalidUTF8(offset: bad) }
        var parser = JSONParser(bytes: bytes)
        self = try parser.parseDocument()
    }

    /// Parses a complete JSON text.
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// The compact JSON text of this value (no whitespace; non-ASCII characters written as
    /// UTF-8; integers without a fraction; other numbers in Swift's shortest round-trip form).
    ///
    /// - Precondition: every `.number` is finite.
    public func serialized() -> String {
        var output = ""
        serialize(into: &output)
        return output
    }

    /// The string if this is a `.string`, else `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer if this is an `.integer`, else `nil`.
    public var integerValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number as a `Double` if this is an `.integer` or `.number`, else `nil`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The Boolean if this is a `.bool`, else `nil`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements if this is an `.array`, else `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object if this is an `.object`, else `nil`.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member `key` of an object, or `nil` (also when this is not an object).
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    private func serialize(into output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .number(let value):
            precondition(value.isFinite, "JSONValue.serialized(): \(value) is not a JSON number")
            output += value.description
        case .string(let value): JSONValue.serializeString(value, into: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.serialize(into: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, member) in object.enumerated() {
                if index > 0 { output += "," }
                JSONValue.serializeString(member.key, into: &output)
                output += ":"
                member.value.serialize(into: &output)
            }
            output += "}"
        }
    }

    private static func serializeString(_ string: String, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

/// A JSON object: string keys in insertion (document) order, each at most once.
public struct JSONObject: Equatable, Sendable, Sequence {
    /// The keys, in order.
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    /// Creates an empty object.
    public init() {}

    /// Creates an object from members in order; a repeated key keeps its first position and
    /// its last value.
    public init(_ members: [(String, JSONValue)]) {
        for (key, value) in members { self[key] = value }
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// The value for `key`; setting a new key appends it, setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The members in order.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        keys.lazy.map { ($0, self.values[$0]!) }.makeIterator()
    }

    /// Two objects are equal when they have the same keys in the same order with equal values.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}

/// Why a JSON text was rejected, with the byte offset where the problem was found.
public enum JSONError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// The text ended inside a value.
    case unexpectedEnd(offset: Int)
    /// A byte that cannot start or continue a value here.
    case unexpectedCharacter(offset: Int, expected: String)
    /// A malformed number literal.
    case invalidNumber(offset: Int)
    /// A malformed string literal (bad escape, control character, lone surrogate).
    case invalidString(offset: Int, reason: String)
    /// An object repeats a key.
    case duplicateKey(offset: Int, key: String)
    /// Arrays and objects nest deeper than ``JSONValue/maximumDepth``.
    case tooDeep(offset: Int)
    /// Something other than whitespace follows the value.
    case trailingCharacters(offset: Int)

    /// A one-line message with the byte offset.
    public var description: String {
        switch self {
        case .invalidUTF8(let offset): "invalid UTF-8 at byte \(offset)"
        case .unexpectedEnd(let offset): "unexpected end of JSON at byte \(offset)"
        case .unexpectedCharacter(let offset, let expected): "unexpected character at byte \(offset), expected \(expected)"
        case .invalidNumber(let offset): "invalid number at byte \(offset)"
        case .invalidString(let offset, let reason): "invalid string at byte \(offset): \(reason)"
        case .duplicateKey(let offset, let key): "duplicate key \"\(key)\" at byte \(offset)"
        case .tooDeep(let offset): "nesting deeper than \(JSONValue.maximumDepth) at byte \(offset)"
        case .trailingCharacters(let offset): "unexpected characters after the JSON value at byte \(offset)"
        }
    }
}

/// The offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms,
/// surrogates and values above U+10FFFF are invalid), or `nil` if all of `bytes` is valid.
func firstInvalidUTF8Offset<C: RandomAccessCollection>(_ bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
    var index = bytes.startIndex
    let end = bytes.endIndex
    while index < end {
        let lead = bytes[index]
        if lead < 0x80 { index += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return index - bytes.startIndex
        }
        guard end - index >= length else { return index - bytes.startIndex }
        let second = bytes[index + 1]
        guard second >= lower && second <= upper else { return index - bytes.startIndex }
        for offset in 2..<max(2, length) where bytes[index + offset] & 0xC0 != 0x80 {
            return index - bytes.startIndex
        }
        index += length
    }
    return nil
}

private struct JSONParser {
    let bytes: [UInt8]
    var position = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position != bytes.count { throw JSONError.trailingCharacters(offset: position) }
        return value
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func peek() throws -> UInt8 {
        guard position < bytes.count else { throw JSONError.unexpectedEnd(offset: position) }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8, _ description: String) throws {
        guard try peek() == byte else {
            throw JSONError.unexpectedCharacter(offset: position, expected: description)
        }
        position += 1
    }

    mutating func parseValue() throws -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw JSONError.unexpectedCharacter(offset: position, expected: "a JSON value")
        }
    }

    mutating func parseLiteral(_ literal: String) throws {
        for byte in literal.utf8 {
            try expect(byte, "'\(literal)'")
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > JSONValue.maximumDepth { throw JSONError.tooDeep(offset: position) }
    }

    mutating func parseObject() throws -> JSONValue {
        try enter()
        position += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard try peek() == UInt8(ascii: "\"") else {
                throw JSONError.unexpectedCharacter(offset: position, expected: "a string key")
            }
            let key = try parseString()
            if object[key] != nil { throw JSONError.duplicateKey(offset: keyOffset, key: key) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            let separator = try peek()
            position += 1
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else {
                throw JSONError.unexpectedCharacter(offset: position - 1, expected: "',' or '}'")
            }
        }
        depth -= 1
        return .object(object)
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            let separator = try peek()
            position += 1
            if separator == UInt8(ascii: "]") { break }
            guard separator == UInt8(ascii: ",") else {
                throw JSONError.unexpectedCharacter(offset: position - 1, expected: "',' or ']'")
            }
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = position
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func digits() -> Int {
            let first = position
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
            return position - first
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0 else { throw JSONError.invalidNumber(offset: start) }
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") {
            throw JSONError.invalidNumber(offset: start)
        }
        var isInteger = true
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard digits() > 0 else { throw JSONError.invalidNumber(offset: start) }
        }
        if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard digits() > 0 else { throw JSONError.invalidNumber(offset: start) }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { throw JSONError.invalidNumber(offset: start) }
        return .number(value)
    }

    mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw JSONError.unexpectedEnd(offset: bytes.count) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONError.invalidString(offset: position, reason: "bad \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    mutating func parseString() throws -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flushRun(_ parser: JSONParser, _ end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard position < bytes.count else { throw JSONError.unexpectedEnd(offset: position) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flushRun(self, position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 {
                throw JSONError.invalidString(offset: position, reason: "unescaped control character")
            }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flushRun(self, position)
            let escapeOffset = position
            position += 1
            guard position < bytes.count else { throw JSONError.unexpectedEnd(offset: position) }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw JSONError.invalidString(offset: escapeOffset, reason: "lone surrogate") }
                    position += 2
                    let low = try parseHex4()
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw JSONError.invalidString(offset: escapeOffset, reason: "lone surrogate")
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if code >= 0xDC00 && code < 0xE000 {
                    throw JSONError.invalidString(offset: escapeOffset, reason: "lone surrogate")
                }
                scalars.append(Unicode.Scalar(code)!)
            default:
                throw JSONError.invalidString(offset: escapeOffset, reason: "unknown escape")
            }
            runStart = position
        }
    }
}
