import GlassboxIO
import Testing

@Suite struct NPYTests {
    static let arrays: [ArrayData] = [
        ArrayData(floats: [1.5, -0.0, .infinity, .nan, 0.1, 3], shape: [2, 3]),
        ArrayData(doubles: [.pi, -1e300], shape: [2, 1]),
        ArrayData(int64s: [.min, .max, 0], shape: [3]),
        ArrayData(uint8s: [0, 255, 7, 8], shape: [2, 2]),
        ArrayData(bools: [true, false], shape: [2]),
        ArrayData(int32s: [1, -1], shape: [1, 2]),
        ArrayData(floats: [0.5, 65504], shape: [2], dtype: .f16),
        ArrayData(doubles: [42], shape: []),
        ArrayData(floats: [], shape: [0, 5]),
    ]

    @Test(arguments: arrays.indices) func roundTrip(_ index: Int) throws {
        let array = Self.arrays[index]
        let bytes = try NPY.encode(array)
        #expect(bytes.count % 64 == array.bytes.count % 64, "header padded to 64 bytes")
        #expect(Array(bytes[6..<8]) == [1, 0])
        #expect(try NPY.decode(bytes) == array)
    }

    @Test func longHeaderUsesVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)
        let array = ArrayData(floats: [7], shape: shape)
        let bytes = try NPY.encode(array)
        #expect(Array(bytes[6..<8]) == [2, 0] && bytes.count % 64 == 4)
        #expect(try NPY.decode(bytes) == array)
    }

    @Test func bfloat16CannotBeWritten() {
        let error = thrownError { try NPY.encode(ArrayData(floats: [1], shape: [1], dtype: .bf16), source: "x.npy") }
        guard case .unsupportedDType(let file, _) = error as? NPYError else {
            Issue.record("expected unsupportedDType")
            return
        }
        #expect(file == "x.npy")
    }

    @Test func writeAndReadAFile() throws {
        let directory = TemporaryDirectory()
        try NPY.write(Self.arrays[0], to: directory.file("a.npy"))
        #expect(try NPY.read(contentsOf: directory.file("a.npy")) == Self.arrays[0])
    }

    // MARK: malformed files

    func decodeError(_ bytes: [UInt8]) -> NPYError? {
        let error = thrownError { try NPY.decode(bytes, source: "bad.npy") }
        #expect(isOneLine(error, naming: "bad.npy"), "\(String(describing: error))")
        return error as? NPYError
    }

    /// A version 1.0 file with the given header text (padded and newline-terminated) and data.
    func npy(_ header: String, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        text += [UInt8](repeating: 0x20, count: (64 - (10 + text.count + 1) % 64) % 64) + [0x0A]
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }

    @Test func badMagicAndVersion() throws {
        var bytes = try NPY.encode(Self.arrays[0])
        bytes[1] = UInt8(ascii: "X")
        #expect(decodeError(bytes) == .notNPY(file: "bad.npy"))
        #expect(decodeError([0x93, 0x4E]) == .notNPY(file: "bad.npy"))
        bytes[1] = 0x4E
        bytes[6] = 4
        #expect(decodeError(bytes) == .unsupportedVersion(file: "bad.npy", major: 4, minor: 0))
    }

    @Test func truncatedHeaderAndData() throws {
        let bytes = try NPY.encode(Self.arrays[0])
        #expect(decodeError(Array(bytes.prefix(40))) == .truncatedHeader(file: "bad.npy", headerLength: 118, available: 30))
        #expect(decodeError(Array(bytes.dropLast())) == .dataSizeMismatch(file: "bad.npy", expected: 24, actual: 23))
    }

    @Test func badHeaders() throws {
        let data = [UInt8](repeating: 0, count: 8)
        let cases = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'fortran_order': Nope, 'shape': (2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2]}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x",
            "['descr']",
        ]
        for header in cases {
            guard case .invalidHeader = decodeError(npy(header, data: data)) else {
                Issue.record("accepted: \(header)")
                continue
            }
        }
        #expect(decodeError(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", data: data))
            == .unsupportedDType(file: "bad.npy", descr: "<c8"))
        #expect(decodeError(npy("{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}", data: data))
            == .unsupportedDType(file: "bad.npy", descr: "|f4"))
        #expect(decodeError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", data: data))
            == .shapeOverflow(file: "bad.npy", shape: [1 << 32, 1 << 32]))
        #expect(decodeError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576)}", data: data))
            == .dataSizeMismatch(file: "bad.npy", expected: 1 << 42, actual: 8))
        // Accepted variants: double quotes, no trailing comma, extra spaces.
        #expect(try NPY.decode(npy(#"{"descr":"<f4","fortran_order":False,"shape":( 2 , )}"#, data: data)).shape == [2])
    }
}

@Suite struct NPZTests {
    static let archive = NPZ(arrays: [
        ("weights", ArrayData(floats: [1, 2, 3, 4], shape: [2, 2])),
        ("labels", ArrayData(uint8s: [3, 1], shape: [2])),
        ("mask", ArrayData(bools: [true], shape: [1])),
        ("ids", ArrayData(int64s: [9, -9], shape: [2])),
    ])

    @Test func roundTripInOrder() throws {
        let decoded = try NPZ(decoding: Self.archive.encoded())
        #expect(decoded.arrays.map(\.name) == ["weights", "labels", "mask", "ids"])
        for ((_, a), (_, b)) in zip(decoded.arrays, Self.archive.arrays) { #expect(a == b) }
        let directory = TemporaryDirectory()
        try Self.archive.write(to: directory.file("a.npz"))
        #expect(try NPZ(contentsOf: directory.file("a.npz"))["labels"] == Self.archive["labels"])
    }

    @Test func zipEntriesRoundTrip() throws {
        let zip = ZipArchive(entries: [.init(name: "a.txt", bytes: Array("hello".utf8)), .init(name: "dir/ü.bin", bytes: [])])
        #expect(try ZipArchive(decoding: zip.encoded()) == zip)
        #expect(thrownError { try ZipArchive(entries: [.init(name: "a", bytes: []), .init(name: "a", bytes: [])]).encoded() }
            as? ZipError == .duplicateEntry(file: "<memory>", entry: "a"))
    }

    func zipError(_ bytes: [UInt8], cap: Int = Inflate.defaultMaxOutputBytes) -> ZipError? {
        let error = thrownError { try NPZ(decoding: bytes, source: "bad.npz", maxOutputBytes: cap) }
        #expect(isOneLine(error, naming: "bad.npz"), "\(String(describing: error))")
        return error as? ZipError
    }

    @Test func badCRC() throws {
        var bytes = try Self.archive.encoded()
        bytes[30 + "weights.npy".utf8.count + 20] ^= 0x01  // inside the first entry's .npy header
        guard case .checksumMismatch(let file, let entry, _, _) = zipError(bytes) else {
            Issue.record("CRC mismatch not detected")
            return
        }
        #expect(file == "bad.npz" && entry == "weights.npy")
    }

    @Test func corruptDeflateEntryAndCap() throws {
        var bytes = try fixtureBytes("savez_compressed.npz")
        // The first entry's data starts after its local header; make its first block type 3.
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8, extraLength = Int(bytes[28]) | Int(bytes[29]) << 8
        let capped = zipError(bytes, cap: 1000)
        #expect(capped == .corruptData(file: "bad.npz", entry: "big.npy", error: .outputLimitExceeded(limit: 1000)))
        bytes[30 + nameLength + extraLength] |= 0x06
        #expect(zipError(bytes) == .corruptData(file: "bad.npz", entry: "big.npy", error: .invalidBlockType))
    }

    @Test func notAZipOrTruncated() throws {
        #expect(zipError(Array("not a zip at all, just some text".utf8)) == .notZip(file: "bad.npz"))
        let bytes = try Self.archive.encoded()
        #expect(zipError(Array(bytes.prefix(bytes.count - 30))) == .notZip(file: "bad.npz"))
        var shifted = bytes
        shifted.removeFirst(10)  // offsets now point to the wrong places
        #expect(zipError(shifted) == .invalidStructure(file: "bad.npz", reason: "central directory record 0 is missing or truncated"))
    }

    @Test func entriesThatAreNotNPYAreErrors() throws {
        let zip = try ZipArchive(entries: [.init(name: "x.npy", bytes: [1, 2, 3])]).encoded()
        let error = thrownError { try NPZ(decoding: zip, source: "bad.npz") }
        #expect(error as? NPYError == .notNPY(file: "bad.npz:x.npy"))
    }

    /// One byte changed at random (seeded): the reader either throws a one-line `ZipError` or
    /// `NPYError` naming the file, or returns arrays of the original names and shapes (a change in
    /// a field the format does not check, such as a timestamp, or in stored data).
    @Test func randomCorruptionIsDetectedOrHarmless() throws {
        let good = try fixtureBytes("savez_compressed.npz")
        let original = try NPZ(decoding: good).arrays.map { "\($0.name) \($0.array.dtype) \($0.array.shape)" }
        var generator = SeededGenerator(seed: 0x6E_70_7A)
        var detected = 0
        for _ in 0..<200 {
            var bytes = good
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            do {
                let decoded = try NPZ(decoding: bytes, source: "corrupt.npz")
                #expect(decoded.arrays.map { "\($0.name) \($0.array.dtype) \($0.array.shape)" } == original)
            } catch {
                #expect((error is ZipError || error is NPYError) && isOneLine(error, naming: "corrupt.npz"), "\(error)")
                detected += 1
            }
        }
        #expect(detected >= 100, "only \(detected) of 200 corruptions detected")
    }
}
