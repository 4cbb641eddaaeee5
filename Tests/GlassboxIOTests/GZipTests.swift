import GlassboxIO
import Testing

@Suite struct GZipTests {
    func gzipError(_ bytes: [UInt8], cap: Int = Inflate.defaultMaxOutputBytes) -> GZipError? {
        let error = thrownError { try GZip.decompress(bytes, source: "bad.gz", maxOutputBytes: cap) }
        #expect(isOneLine(error, naming: "bad.gz"), "\(String(describing: error))")
        return error as? GZipError
    }

    @Test func wrongCRCAndISIZE() throws {
        let good = try fixtureBytes("fixed.gz")
        var bytes = good
        bytes[bytes.count - 8] ^= 0xFF
        guard case .checksumMismatch(_, 0, _, _) = gzipError(bytes) else {
            Issue.record("CRC mismatch not detected")
            return
        }
        bytes = good
        bytes[bytes.count - 4] ^= 0x01
        guard case .sizeMismatch(_, 0, _, _) = gzipError(bytes) else {
            Issue.record("ISIZE mismatch not detected")
            return
        }
    }

    @Test func corruptDeflateStream() throws {
        var bytes = try fixtureBytes("stored.gz")
        bytes[10] |= 0x06  // block type 3
        #expect(gzipError(bytes) == .corruptData(file: "bad.gz", member: 0, error: .invalidBlockType))
        bytes = try fixtureBytes("stored.gz")
        bytes[11] ^= 0xFF  // stored length no longer matches its complement
        #expect(gzipError(bytes) == .corruptData(file: "bad.gz", member: 0, error: .storedLengthMismatch))
        let fixed = try fixtureBytes("fixed.gz")
        #expect(gzipError(Array(fixed.prefix(fixed.count / 2))) == .corruptData(file: "bad.gz", member: 0, error: .unexpectedEnd))
        #expect(gzipError(Array(fixed.dropLast(3))) == .truncated(file: "bad.gz", member: 0))
    }

    @Test func headerProblems() throws {
        #expect(gzipError([0x1F, 0x8C, 8, 0]) == .notGZip(file: "bad.gz"))
        var bytes = try fixtureBytes("flags.gz")
        bytes[2] = 7
        guard case .invalidHeader = gzipError(bytes) else { Issue.record("method 7 accepted"); return }
        bytes = try fixtureBytes("flags.gz")
        bytes[3] |= 0x20
        guard case .invalidHeader = gzipError(bytes) else { Issue.record("reserved flag accepted"); return }
        bytes = try fixtureBytes("flags.gz")
        bytes[5] ^= 0x01  // MTIME is covered by the header CRC
        #expect(gzipError(bytes) == .headerChecksumMismatch(file: "bad.gz"))
        guard case .invalidHeader = gzipError(Array(bytes.prefix(15))) else { Issue.record("truncated header accepted"); return }
    }

    @Test func trailingGarbageAndMultipleMembers() throws {
        let payload = try fixtureBytes("payload.txt")
        let member = try fixtureBytes("fixed.gz")
        #expect(try GZip.decompress(member + member) == payload + payload)
        #expect(gzipError(member + [0, 0, 0]) == .trailingData(file: "bad.gz", offset: member.count))
        // The cap counts all members together.
        guard case .corruptData(_, 1, .outputLimitExceeded) = gzipError(member + member, cap: payload.count + 10) else {
            Issue.record("cap not applied across members")
            return
        }
    }

    @Test func capExactlyAtTheSizeSucceeds() throws {
        let payload = try fixtureBytes("payload.txt")
        #expect(try GZip.decompress(fixtureBytes("dynamic.gz"), maxOutputBytes: payload.count) == payload)
        #expect(gzipError(try fixtureBytes("stored.gz"), cap: payload.count - 1)
            == .corruptData(file: "bad.gz", member: 0, error: .outputLimitExceeded(limit: payload.count - 1)))
    }

    @Test func rawInflate() throws {
        // Fixed-Huffman block for "a" repeated via a back-reference: produced by zlib (-15).
        let stream: [UInt8] = [0x4B, 0x4C, 0x04, 0x02, 0x00]
        let result = try Inflate.decompress(stream + [0xAA], startingAt: 0)
        #expect(result.bytes == Array(repeating: UInt8(ascii: "a"), count: 5) && result.end == 5)
        // A back-reference before the start of the output.
        #expect(thrownError { try Inflate.decompress([0x03, 0x02, 0x00]) } as? InflateError == .distanceTooFar(distance: 1, available: 0))
        #expect(thrownError { try Inflate.decompress([]) } as? InflateError == .unexpectedEnd)
        #expect(try Inflate.decompress([0x03, 0x00]).bytes.isEmpty)  // an empty fixed block
        // A dynamic block whose code-length code is over-subscribed.
        guard case .invalidCodeLengths = thrownError({ try Inflate.decompress([0x05, 0xFF, 0xFF, 0xFF, 0xFF]) }) as? InflateError else {
            Issue.record("over-subscribed code accepted")
            return
        }
    }

    /// Three bytes past the fixed header changed at random (seeded): the decoder either throws a
    /// one-line `GZipError` naming the file, or (a change that the CRC-32 and size in the trailer
    /// cannot see, e.g. in the stored file name) returns exactly the original data.
    @Test func randomCorruptionIsDetectedOrHarmless() throws {
        let good = try fixtureBytes("dynamic.gz")
        let original = try GZip.decompress(good)
        var generator = SeededGenerator(seed: 0x67_7A_69_70)
        var detected = 0
        for _ in 0..<150 {
            var bytes = good
            for _ in 0..<3 {
                bytes[Int.random(in: 20..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                #expect(try GZip.decompress(bytes, source: "corrupt.gz") == original)
            } catch {
                #expect(error is GZipError && isOneLine(error, naming: "corrupt.gz"), "\(error)")
                detected += 1
            }
        }
        #expect(detected >= 140, "only \(detected) of 150 corruptions detected")
    }

    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        var crc = CRC32()
        crc.update(Array("1234".utf8))
        crc.update(Array("56789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }
}

@Suite struct IDXTests {
    func idxError(_ bytes: [UInt8]) -> IDXError? {
        let error = thrownError { try IDX.decode(bytes, source: "bad-idx") }
        #expect(isOneLine(error, naming: "bad-idx"), "\(String(describing: error))")
        return error as? IDXError
    }

    @Test func sizeMismatch() throws {
        let images = try fixtureBytes("images-idx3-ubyte")
        #expect(idxError(Array(images.dropLast())) == .sizeMismatch(file: "bad-idx", shape: [2, 3, 4], expected: 24, actual: 23))
        #expect(idxError(images + [0]) == .sizeMismatch(file: "bad-idx", shape: [2, 3, 4], expected: 24, actual: 25))
    }

    @Test func badMagicAndTruncation() {
        #expect(idxError([0, 1, 8, 1, 0, 0, 0, 0]) == .invalidMagic(file: "bad-idx", magic: 0x0001_0801))
        #expect(idxError([0, 0, 0x0A, 1, 0, 0, 0, 0]) == .unsupportedType(file: "bad-idx", code: 0x0A))
        #expect(idxError([0, 0, 8]) == .truncated(file: "bad-idx", needed: 4, available: 3))
        #expect(idxError([0, 0, 8, 3, 0, 0, 0, 1]) == .truncated(file: "bad-idx", needed: 16, available: 8))
        // 2^32-1 cubed elements: overflows before anything is allocated.
        #expect(idxError([0, 0, 0x0E, 3] + [UInt8](repeating: 0xFF, count: 12)) == .shapeOverflow(
            file: "bad-idx", shape: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]))
    }

    @Test func gzipErrorsPassThrough() throws {
        var bytes = try fixtureBytes("images-idx3-ubyte.gz")
        bytes[bytes.count - 5] ^= 0xFF
        guard case .gzip(.checksumMismatch) = idxError(bytes) else { Issue.record("bad CRC accepted"); return }
    }
}
