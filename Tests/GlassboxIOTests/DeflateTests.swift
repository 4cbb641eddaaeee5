import GlassboxIO
import Testing

@Suite("Deflate and zlib")
struct DeflateTests {
    /// Inputs that exercise literals, short and maximal matches, distance 1 runs, matches at
    /// the far end of the 32 KiB window, incompressible data and the 65535-byte stored block
    /// limit.
    static var inputs: [(name: String, bytes: [UInt8])] {
        var state: UInt64 = 3
        func random(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
        }
        let block = random(1000)
        #if DEBUG
        let large = 70_000
        #else
        let large = 300_000
        #endif
        return [
            ("empty", []),
            ("one byte", [42]),
            ("two bytes", [1, 2]),
            ("text", Array(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 40).utf8)),
            ("run", [UInt8](repeating: 7, count: 1000)),
            ("random", random(large)),
            ("far repeat", block + random(31_000) + block + random(2000) + block),
            ("all bytes", (0..<(3 * 256)).map { UInt8($0 % 256) }),
            ("long run", [UInt8](repeating: 0, count: large)),
        ]
    }

    @Test("compress → Inflate round trip for both methods")
    func roundTrip() throws {
        for (name, input) in Self.inputs {
            for method in Deflate.Method.allCases {
                let stream = Deflate.compress(input, method: method)
                let decoded = try Inflate.decompress(stream)
                #expect(decoded.bytes == input, "\(name) \(method)")
                #expect(decoded.end == stream.count, "\(name) \(method)")
            }
        }
    }

    @Test("sizes: stored costs 5 bytes per 65535, fixed Huffman never exceeds stored and shrinks redundancy")
    func sizes() {
        for (name, input) in Self.inputs {
            let blocks = max(1, (input.count + 65534) / 65535)
            let stored = Deflate.compress(input, method: .stored)
            #expect(stored.count == input.count + 5 * blocks, "\(name)")
            #expect(Deflate.compress(input).count <= stored.count, "\(name)")
        }
        let run = [UInt8](repeating: 7, count: 1000)
        // A literal, then 3 maximal matches at distance 1 and one of 225 (≈ 8 bytes of codes).
        #expect(Deflate.compress(run).count < 12)
        #expect(Deflate.compress([]) == [0x03, 0x00])
        #expect(Deflate.compress([], method: .stored) == [0x01, 0x00, 0x00, 0xFF, 0xFF])
    }

    @Test("Adler-32 matches the published values and is incremental")
    func adler() {
        #expect(Adler32.checksum([UInt8]()) == 1)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        // 100 000 bytes of 0xFF crosses the 5552-byte reduction interval many times
        // (value from Python: zlib.adler32(b"\xff" * 100000)).
        let ones = [UInt8](repeating: 0xFF, count: 100_000)
        #expect(Adler32.checksum(ones) == 0x149A_302C)
        var adler = Adler32()
        adler.update(ones[..<12345])
        adler.update(ones[12345...])
        #expect(adler.value == 0x149A_302C)
    }

    @Test("zlib: round trip, and each malformed stream gives its error")
    func zlib() throws {
        for (name, input) in Self.inputs {
            #expect(try ZLib.decompress(ZLib.compress(input)) == input, "\(name)")
        }
        let good = ZLib.compress(Array("hello".utf8))
        #expect(good.prefix(2) == [0x78, 0x01])
        func error(_ bytes: [UInt8]) -> ZLibError? { thrownError { try ZLib.decompress(bytes) } as? ZLibError }
        #expect(error([0x78]) == .invalidHeader(reason: "stream has 1 bytes, needs at least 2"))
        #expect(error([0x79, 0x01] + good.dropFirst(2)) == .invalidHeader(reason: "compression method 9, expected 8 (deflate)"))
        #expect(error([0x88, 0x01]) == .invalidHeader(reason: "window size 2^16 exceeds 32 KiB"))
        #expect(error([0x78, 0x02]) == .invalidHeader(reason: "header check bits fail (CMF·256 + FLG is not a multiple of 31)"))
        #expect(error([0x78, 0x20]) == .invalidHeader(reason: "a preset dictionary is required (FDICT set)"))
        #expect(error(Array(good.dropLast(2))) == .truncatedChecksum)
        var corrupt = good
        corrupt[corrupt.count - 1] ^= 1
        #expect(error(corrupt) == .checksumMismatch(expected: 0x062C_0214, actual: 0x062C_0215))
        #expect(error(good + [0]) == .trailingData(count: 1))
        #expect(error([0x78, 0x01, 0x07]) == .corruptData(.invalidBlockType))
        #expect(String(describing: ZLibError.trailingData(count: 1)) == "1 unexpected bytes after the zlib stream")
    }
}
