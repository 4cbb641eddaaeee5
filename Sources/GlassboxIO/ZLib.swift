/// The Adler-32 checksum of the zlib format (RFC 1950 §8.2).
///
/// Feed bytes with ``update(_:)`` and read ``value``, or use ``checksum(_:)`` for one buffer.
public struct Adler32: Sendable {
    /// The checksum of all bytes fed so far (1 for none).
    public private(set) var value: UInt32 = 1

    /// Creates a checksum of no bytes (value 1).
    public init() {}

    /// Adds `bytes` to the checksum.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        // 5552 is the largest n with 255·n·(n+1)/2 + (n+1)·(65521−1) < 2^32 (zlib's NMAX).
        var a = value & 0xFFFF
        var b = value >> 16
        var pending = 0
        for byte in bytes {
            a += UInt32(byte)
            b += a
            pending += 1
            if pending == 5552 {
                a %= 65521
                b %= 65521
                pending = 0
            }
        }
        value = (b % 65521) << 16 | (a % 65521)
    }

    /// The Adler-32 of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}

/// Why a zlib stream could not be decoded.
public enum ZLibError: Error, Equatable, CustomStringConvertible {
    /// The 2-byte header is missing or invalid; `reason` says how.
    case invalidHeader(reason: String)
    /// The DEFLATE data could not be inflated.
    case corruptData(InflateError)
    /// The stream ends inside the 4-byte Adler-32 trailer.
    case truncatedChecksum
    /// The Adler-32 of the decompressed data does not match the trailer.
    case checksumMismatch(expected: UInt32, actual: UInt32)
    /// Bytes follow the Adler-32 trailer.
    case trailingData(count: Int)

    /// A one-line message.
    public var description: String {
        switch self {
        case .invalidHeader(let reason): "invalid zlib header: \(reason)"
        case .corruptData(let error): "zlib data: \(error)"
        case .truncatedChecksum: "zlib stream ends inside the Adler-32 trailer"
        case .checksumMismatch(let expected, let actual):
            "zlib Adler-32 is \(hex(actual)), trailer says \(hex(expected))"
        case .trailingData(let count): "\(count) unexpected bytes after the zlib stream"
        }
    }
}

/// The zlib format (RFC 1950): a 2-byte header (CM 8 = deflate, a window of at most 32 KiB),
/// a DEFLATE stream, then the Adler-32 of the uncompressed data, big-endian. PNG image data
/// is one zlib stream.
public enum ZLib {
    /// Compresses `input` into a zlib stream (header `78 01`, no preset dictionary).
    public static func compress(_ input: [UInt8], method: Deflate.Method = .fixedHuffman) -> [UInt8] {
        var output: [UInt8] = [0x78, 0x01]
        output.append(contentsOf: Deflate.compress(input, method: method))
        let adler = Adler32.checksum(input)
        for shift in stride(from: 24, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: adler >> UInt32(shift))) }
        return output
    }

    /// Decompresses one zlib stream that fills `input` exactly.
    ///
    /// - Parameters:
    ///   - maxOutputBytes: decoding stops with ``ZLibError/corruptData(_:)`` wrapping
    ///     ``InflateError/outputLimitExceeded(limit:)`` rather than produce more.
    ///   - expectedSize: a hint for preallocating the output.
    /// - Throws: ``ZLibError``.
    public static func decompress(
        _ input: [UInt8], maxOutputBytes: Int = Inflate.defaultMaxOutputBytes, expectedSize: Int = 0
    ) throws -> [UInt8] {
        guard input.count >= 2 else { throw ZLibError.invalidHeader(reason: "stream has \(input.count) bytes, needs at least 2") }
        let cmf = input[0]
        let flags = input[1]
        guard cmf & 0x0F == 8 else { throw ZLibError.invalidHeader(reason: "compression method \(cmf & 0x0F), expected 8 (deflate)") }
        guard cmf >> 4 <= 7 else { throw ZLibError.invalidHeader(reason: "window size 2^\((cmf >> 4) + 8) exceeds 32 KiB") }
        guard (UInt16(cmf) << 8 | UInt16(flags)) % 31 == 0 else {
            throw ZLibError.invalidHeader(reason: "header check bits fail (CMF·256 + FLG is not a multiple of 31)")
        }
        guard flags & 0x20 == 0 else { throw ZLibError.invalidHeader(reason: "a preset dictionary is required (FDICT set)") }
        let decoded: (bytes: [UInt8], end: Int)
        do {
            decoded = try Inflate.decompress(input, startingAt: 2, maxOutputBytes: maxOutputBytes, expectedSize: expectedSize)
        } catch let error as InflateError {
            throw ZLibError.corruptData(error)
        }
        guard input.count - decoded.end >= 4 else { throw ZLibError.truncatedChecksum }
        let expected = (decoded.end..<(decoded.end + 4)).reduce(UInt32(0)) { $0 << 8 | UInt32(input[$1]) }
        let actual = Adler32.checksum(decoded.bytes)
        guard expected == actual else { throw ZLibError.checksumMismatch(expected: expected, actual: actual) }
        guard decoded.end + 4 == input.count else { throw ZLibError.trailingData(count: input.count - decoded.end - 4) }
        return decoded.bytes
    }
}
