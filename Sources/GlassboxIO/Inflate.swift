// Inflate: a decoder for DEFLATE streams (RFC 1951), shared by the gzip and zip readers.
//
// Structure: a 64-bit little-endian bit buffer refilled a byte at a time; Huffman codes decoded
// through a 9-bit lookup table with a canonical (count/symbol) fallback for longer codes, as in
// zlib's puff.c. Code sets are validated as puff does: over-subscribed sets are rejected,
// incomplete ones only allowed for a single one-bit code. Output grows no larger than the
// caller's cap, so a decompression bomb stops with `InflateError.outputLimitExceeded`.

/// Why a DEFLATE stream could not be decoded.
public enum InflateError: Error, Equatable, CustomStringConvertible {
    /// The stream ended before its final block did.
    case unexpectedEnd
    /// A block header has the reserved type 3.
    case invalidBlockType
    /// A stored block's length and its one's complement disagree.
    case storedLengthMismatch
    /// A dynamic block's code lengths do not form a valid prefix code; `reason` says how.
    case invalidCodeLengths(reason: String)
    /// The bits match no code, or a reserved length/distance symbol.
    case invalidCode
    /// A back-reference points before the start of the output.
    case distanceTooFar(distance: Int, available: Int)
    /// Decoding would produce more than `limit` bytes.
    case outputLimitExceeded(limit: Int)

    /// A one-line message.
    public var description: String {
        switch self {
        case .unexpectedEnd: "deflate stream ends early"
        case .invalidBlockType: "invalid deflate block type 3"
        case .storedLengthMismatch: "stored block length does not match its complement"
        case .invalidCodeLengths(let reason): "invalid Huffman code lengths: \(reason)"
        case .invalidCode: "invalid Huffman code or reserved symbol"
        case .distanceTooFar(let distance, let available):
            "back-reference distance \(distance) exceeds the \(available) bytes decoded so far"
        case .outputLimitExceeded(let limit): "decompressed data exceeds the limit of \(limit) bytes"
        }
    }
}

/// DEFLATE (RFC 1951) decompression.
public enum Inflate {
    /// The default cap on decompressed output: 4 GiB.
    public static let defaultMaxOutputBytes = 1 << 32

    /// Decompresses the raw DEFLATE stream that starts at `input[start]`.
    ///
    /// - Parameters:
    ///   - input: bytes holding the stream (and possibly more after it).
    ///   - start: the offset of the stream's first byte.
    ///   - maxOutputBytes: decoding stops with ``InflateError/outputLimitExceeded(limit:)``
    ///     rather than produce more than this many bytes.
    ///   - expectedSize: a hint for preallocating the output (bounded by the cap and by the
    ///     largest ratio DEFLATE can achieve, so a lying hint cannot force a big allocation).
    /// - Returns: the decompressed bytes and the offset just past the stream's last byte.
    /// - Throws: ``InflateError``.
    public static func decompress(
        _ input: [UInt8], startingAt start: Int = 0, maxOutputBytes: Int = defaultMaxOutputBytes,
        expectedSize: Int = 0
    ) throws -> (bytes: [UInt8], end: Int) {
        precondition(start >= 0 && start <= input.count, "Inflate.decompress: start \(start) out of range")
        var inflater = Inflater(input: input, position: start, limit: maxOutputBytes)
        let ceiling = min(maxOutputBytes, (input.count - start).multipliedReportingOverflow(by: 1032).partialValue)
        inflater.output.reserveCapacity(max(0, min(expectedSize, ceiling)))
        try inflater.run()
        return (inflater.output, inflater.position)
    }
}

/// A canonical Huffman code: the count of codes per length, the symbols sorted by code, and a
/// lookup table indexed by the next `fastBits` (bit-reversed) input bits whose entries are
/// `symbol << 4 | length` (0: code longer than `fastBits`, use the slow path).
struct HuffmanCode {
    static let fastBits = 9
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int]
    var fast = [UInt16](repeating: 0, count: 1 << HuffmanCode.fastBits)
    /// Codes left unused: 0 for a complete code.
    var unused = 0

    /// Builds the code for the given code lengths (0 = symbol unused).
    init(lengths: [Int]) throws {
        symbols = [Int](repeating: 0, count: lengths.count)
        for length in lengths { counts[length] += 1 }
        var left = 1
        for length in 1...15 {
            left <<= 1
            left -= counts[length]
            if left < 0 { throw InflateError.invalidCodeLengths(reason: "over-subscribed code") }
        }
        unused = left
        var offsets = [Int](repeating: 0, count: 16)
        for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        var previousCount = 0
        for length in 1...15 {
            code = (code + previousCount) << 1
            nextCode[length] = code
            previousCount = counts[length]
        }
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
            let assigned = nextCode[length]
            nextCode[length] += 1
            guard length <= HuffmanCode.fastBits else { continue }
            var reversed = 0
            for bit in 0..<length where assigned & (1 << bit) != 0 {
                reversed |= 1 << (length - 1 - bit)
            }
            let entry = UInt16(symbol << 4 | length)
            var index = reversed
            while index < (1 << HuffmanCode.fastBits) {
                fast[index] = entry
                index += 1 << length
            }
        }
    }
}

private let lengthBases: [Int] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
    131, 163, 195, 227, 258,
]
private let lengthExtraBits: [Int] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]
private let distanceBases: [Int] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
]
private let distanceExtraBits: [Int] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]
private let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

private let fixedLiteralCode: HuffmanCode = {
    var lengths = [Int](repeating: 8, count: 288)
    for symbol in 144..<256 { lengths[symbol] = 9 }
    for symbol in 256..<280 { lengths[symbol] = 7 }
    return try! HuffmanCode(lengths: lengths)
}()
private let fixedDistanceCode: HuffmanCode = try! HuffmanCode(lengths: [Int](repeating: 5, count: 30))

private struct Inflater {
    let input: [UInt8]
    /// The next input byte not yet loaded into `bitBuffer`.
    var position: Int
    let limit: Int
    var bitBuffer: UInt64 = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(input: [UInt8], position: Int, limit: Int) {
        self.input = input
        self.position = position
        self.limit = limit
    }

    @inline(__always)
    mutating func refill() {
        while bitCount <= 56 && position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    @inline(__always)
    mutating func bits(_ count: Int) throws -> Int {
        if bitCount < count {
            refill()
            if bitCount < count { throw InflateError.unexpectedEnd }
        }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    @inline(__always)
    mutating func decode(_ code: HuffmanCode) throws -> Int {
        if bitCount < 15 { refill() }
        let entry = Int(code.fast[Int(bitBuffer & UInt64((1 << HuffmanCode.fastBits) - 1))])
        if entry != 0 {
            let length = entry & 15
            guard length <= bitCount else { throw InflateError.unexpectedEnd }
            bitBuffer >>= UInt64(length)
            bitCount -= length
            return entry >> 4
        }
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            guard length <= bitCount else { throw InflateError.unexpectedEnd }
            value |= Int((bitBuffer >> UInt64(length - 1)) & 1)
            let count = code.counts[length]
            if value - count < first {
                bitBuffer >>= UInt64(length)
                bitCount -= length
                return code.symbols[index + value - first]
            }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw InflateError.invalidCode
    }

    mutating func run() throws {
        var last = false
        while !last {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try codesBlock(literals: fixedLiteralCode, distances: fixedDistanceCode)
            case 2:
                let (literals, distances) = try dynamicCodes()
                try codesBlock(literals: literals, distances: distances)
            default: throw InflateError.invalidBlockType
            }
        }
        // Give back whole bytes loaded but not used; the partial byte belongs to the stream.
        position -= bitCount / 8
        bitBuffer = 0
        bitCount = 0
    }

    mutating func storedBlock() throws {
        position -= bitCount / 8  // unread the whole bytes, drop the padding bits
        bitBuffer = 0
        bitCount = 0
        guard input.count - position >= 4 else { throw InflateError.unexpectedEnd }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw InflateError.storedLengthMismatch }
        position += 4
        guard input.count - position >= length else { throw InflateError.unexpectedEnd }
        guard output.count + length <= limit else { throw InflateError.outputLimitExceeded(limit: limit) }
        output.append(contentsOf: input[position..<position + length])
        position += length
    }

    mutating func dynamicCodes() throws -> (HuffmanCode, HuffmanCode) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286 && distanceCount <= 30 else {
            throw InflateError.invalidCodeLengths(reason: "too many length or distance codes")
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[index]] = try bits(3) }
        let codeLengthCode = try HuffmanCode(lengths: codeLengthLengths)
        guard codeLengthCode.unused == 0 else {
            throw InflateError.invalidCodeLengths(reason: "incomplete code-length code")
        }
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthCode)
            var repeated = 0, count = 0
            switch symbol {
            case 0..<16:
                lengths.append(symbol)
                continue
            case 16:
                guard let previous = lengths.last else {
                    throw InflateError.invalidCodeLengths(reason: "repeat with no previous length")
                }
                repeated = previous
                count = 3 + (try bits(2))
            case 17: count = 3 + (try bits(3))
            default: count = 11 + (try bits(7))
            }
            guard lengths.count + count <= literalCount + distanceCount else {
                throw InflateError.invalidCodeLengths(reason: "repeat past the last length")
            }
            lengths.append(contentsOf: repeatElement(repeated, count: count))
        }
        guard lengths[256] != 0 else { throw InflateError.invalidCodeLengths(reason: "no end-of-block code") }
        let literalLengths = Array(lengths[0..<literalCount])
        let distanceLengths = Array(lengths[literalCount...])
        let literals = try HuffmanCode(lengths: literalLengths)
        if literals.unused != 0 && literalLengths.count != literals.counts[0] + literals.counts[1] {
            throw InflateError.invalidCodeLengths(reason: "incomplete literal/length code")
        }
        let distances = try HuffmanCode(lengths: distanceLengths)
        if distances.unused != 0 && distanceLengths.count != distances.counts[0] + distances.counts[1] {
            throw InflateError.invalidCodeLengths(reason: "incomplete distance code")
        }
        return (literals, distances)
    }

    mutating func codesBlock(literals: HuffmanCode, distances: HuffmanCode) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw InflateError.outputLimitExceeded(limit: limit) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else { throw InflateError.invalidCode }
            let length = lengthBases[lengthIndex] + (try bits(lengthExtraBits[lengthIndex]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < 30 else { throw InflateError.invalidCode }
            let distance = distanceBases[distanceSymbol] + (try bits(distanceExtraBits[distanceSymbol]))
            guard distance <= output.count else {
                throw InflateError.distanceTooFar(distance: distance, available: output.count)
            }
            guard output.count + length <= limit else { throw InflateError.outputLimitExceeded(limit: limit) }
            var from = output.count - distance
            for _ in 0..<length {
                output.append(output[from])
                from += 1
            }
        }
    }
}
