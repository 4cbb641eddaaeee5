// Deflate: a small DEFLATE (RFC 1951) compressor for the PNG writer.
//
// Structure: greedy LZ77 over a 32 KiB window with hash chains (3-byte hash, 2^15 heads, the
// chain walk capped at `maxChainLength` candidates), coded in one final block with the fixed
// Huffman codes of RFC 1951 §3.2.6. When that block would be larger than the input, the data
// goes out as stored blocks instead (at most 5 bytes per 65535 of overhead). No dynamic Huffman
// codes: filtered image rows compress well enough with the fixed ones, and the code stays short.
// Decoding is `Inflate`'s job; the tests round-trip through it and through Python's zlib.

/// DEFLATE (RFC 1951) compression.
public enum Deflate {
    /// How ``compress(_:method:)`` codes the data.
    public enum Method: String, Sendable, CaseIterable {
        /// Stored (uncompressed) blocks only.
        case stored
        /// LZ77 matches coded with the fixed Huffman codes, or stored blocks if smaller.
        case fixedHuffman
    }

    /// The largest payload of one stored block.
    static let maxStoredBlock = 65535
    /// The LZ77 window: matches reach at most this far back.
    static let windowSize = 1 << 15
    static let minMatch = 3
    static let maxMatch = 258
    /// The number of hash-chain candidates examined per position.
    static let maxChainLength = 128

    /// Compresses `input` into a raw DEFLATE stream (no zlib or gzip framing), ending with a
    /// final block. The output is a pure function of the input and the method.
    public static func compress(_ input: [UInt8], method: Method = .fixedHuffman) -> [UInt8] {
        if method == .fixedHuffman {
            let coded = fixedHuffmanBlock(input)
            if coded.count < storedSize(input.count) { return coded }
        }
        return storedBlocks(input)
    }

    /// The size of `count` bytes as stored blocks.
    static func storedSize(_ count: Int) -> Int {
        count + 5 * max(1, (count + maxStoredBlock - 1) / maxStoredBlock)
    }

    /// `input` as stored blocks: per block a header byte (BFINAL, BTYPE 00, padding), LEN and
    /// NLEN little-endian, then the bytes.
    static func storedBlocks(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(storedSize(input.count))
        var start = 0
        repeat {
            let length = min(maxStoredBlock, input.count - start)
            let isFinal = start + length == input.count
            output.append(isFinal ? 1 : 0)
            output.append(UInt8(length & 0xFF))
            output.append(UInt8(length >> 8))
            output.append(UInt8(~length & 0xFF))
            output.append(UInt8((~length >> 8) & 0xFF))
            output.append(contentsOf: input[start..<(start + length)])
            start += length
        } while start < input.count
        return output
    }

    /// `input` as one final fixed-Huffman block (BTYPE 01).
    static func fixedHuffmanBlock(_ input: [UInt8]) -> [UInt8] {
        var writer = BitWriter(capacity: input.count + input.count / 8 + 8)
        writer.write(0b011, count: 3)  // BFINAL = 1, BTYPE = 01 (LSB first)
        let codes = FixedCodes.shared
        var head = [Int](repeating: -1, count: 1 << 15)
        // Indexed by position modulo the window: an input shorter than the window needs no more.
        var previous = [Int](repeating: -1, count: min(windowSize, input.count))
        let count = input.count

        input.withUnsafeBufferPointer { data in
            func hash(_ i: Int) -> Int {
                ((Int(data[i]) << 10) ^ (Int(data[i + 1]) << 5) ^ Int(data[i + 2])) & 0x7FFF
            }
            func insert(_ i: Int) {
                let h = hash(i)
                previous[i & (windowSize - 1)] = head[h]
                head[h] = i
            }
            var i = 0
            while i < count {
                var bestLength = 0
                var bestDistance = 0
                if count - i >= minMatch {
                    let limit = min(maxMatch, count - i)
                    var candidate = head[hash(i)]
                    var chain = maxChainLength
                    while candidate >= 0 && i - candidate <= windowSize && chain > 0 {
                        if data[candidate + bestLength] == data[i + bestLength] {
                            var length = 0
                            while length < limit && data[candidate + length] == data[i + length] { length += 1 }
                            if length > bestLength {
                                bestLength = length
                                bestDistance = i - candidate
                                if length == limit { break }
                            }
                        }
                        candidate = previous[candidate & (windowSize - 1)]
                        chain -= 1
                    }
                    insert(i)
                }
                if bestLength >= minMatch {
                    codes.writeLength(bestLength, to: &writer)
                    codes.writeDistance(bestDistance, to: &writer)
                    for j in (i + 1)..<(i + bestLength) where count - j >= minMatch { insert(j) }
                    i += bestLength
                } else {
                    codes.writeLiteral(Int(data[i]), to: &writer)
                    i += 1
                }
            }
        }
        codes.writeLiteral(256, to: &writer)  // end of block
        return writer.finish()
    }
}

/// Bits packed LSB first into bytes, as DEFLATE stores them.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var bitCount = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `count` (≤ 32) bits of `bits`, least significant first.
    mutating func write(_ bits: UInt32, count: Int) {
        buffer |= UInt64(bits) << UInt64(bitCount)
        bitCount += count
        while bitCount >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            bitCount -= 8
        }
    }

    /// The bytes written, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if bitCount > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        buffer = 0
        bitCount = 0
        return bytes
    }
}

/// The fixed literal/length and distance codes of RFC 1951 §3.2.6, bit-reversed so they can
/// be written LSB first.
struct FixedCodes: Sendable {
    static let shared = FixedCodes()
    /// Reversed code and length of each literal/length symbol 0...287.
    let literalCodes: [UInt32]
    let literalLengths: [Int]

    private init() {
        var codes = [UInt32](repeating: 0, count: 288)
        var lengths = [Int](repeating: 0, count: 288)
        for symbol in 0..<288 {
            let (code, length): (Int, Int)
            switch symbol {
            case 0...143: (code, length) = (0x30 + symbol, 8)
            case 144...255: (code, length) = (0x190 + symbol - 144, 9)
            case 256...279: (code, length) = (symbol - 256, 7)
            default: (code, length) = (0xC0 + symbol - 280, 8)
            }
            codes[symbol] = FixedCodes.reversed(code, bits: length)
            lengths[symbol] = length
        }
        literalCodes = codes
        literalLengths = lengths
    }

    static func reversed(_ code: Int, bits: Int) -> UInt32 {
        var result: UInt32 = 0
        for bit in 0..<bits where code & (1 << bit) != 0 { result |= 1 << UInt32(bits - 1 - bit) }
        return result
    }

    func writeLiteral(_ symbol: Int, to writer: inout BitWriter) {
        writer.write(literalCodes[symbol], count: literalLengths[symbol])
    }

    /// Writes the length symbol (257...285) and extra bits of a match of `length` (3...258).
    func writeLength(_ length: Int, to writer: inout BitWriter) {
        let v = length - 3
        if length == 258 {
            writeLiteral(285, to: &writer)
        } else if v < 8 {
            writeLiteral(257 + v, to: &writer)
        } else {
            let log = Int.bitWidth - 1 - v.leadingZeroBitCount  // 3...7
            let extraBits = log - 2
            writeLiteral(257 + 4 * (log - 1) + ((v >> extraBits) & 3), to: &writer)
            writer.write(UInt32(v & ((1 << extraBits) - 1)), count: extraBits)
        }
    }

    /// Writes the 5-bit distance code (0...29) and extra bits of a distance (1...32768).
    func writeDistance(_ distance: Int, to writer: inout BitWriter) {
        let v = distance - 1
        if v < 4 {
            writer.write(FixedCodes.reversed(v, bits: 5), count: 5)
        } else {
            let log = Int.bitWidth - 1 - v.leadingZeroBitCount  // 2...14
            let extraBits = log - 1
            writer.write(FixedCodes.reversed(2 * log + ((v >> extraBits) & 1), bits: 5), count: 5)
            writer.write(UInt32(v & ((1 << extraBits) - 1)), count: extraBits)
        }
    }
}
