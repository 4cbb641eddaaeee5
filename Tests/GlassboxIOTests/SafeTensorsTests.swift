import GlassboxIO
import Testing

/// Builds a safetensors file from a header text and data bytes (header length as given).
func safetensorsFile(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var length = declaredLength ?? UInt64(headerBytes.count)
    var output: [UInt8] = []
    for _ in 0..<8 {
        output.append(UInt8(length & 0xFF))
        length >>= 8
    }
    return output + headerBytes + data
}

@Suite struct SafeTensorsTests {
    func decodeError(_ bytes: [UInt8]) -> SafeTensorsError? {
        let error = thrownError { try SafeTensors(decoding: bytes, source: "bad.safetensors") }
        #expect(isOneLine(error, naming: "bad.safetensors"), "\(String(describing: error))")
        return error as? SafeTensorsError
    }

    static let sample = SafeTensors(
        tensors: [
            ("flag", ArrayData(bools: [true, false, true], shape: [3])),
            ("weight", ArrayData(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])),
            ("steps", ArrayData(int64s: [7], shape: [])),
            ("half", ArrayData(floats: [0.5, -1], shape: [2], dtype: .f16)),
            ("brain", ArrayData(floats: [0.5, -1, 2], shape: [3], dtype: .bf16)),
            ("pixels", ArrayData(uint8s: [0, 128, 255], shape: [1, 3])),
            ("empty", ArrayData(doubles: [], shape: [0, 4])),
            ("i32", ArrayData(int32s: [-5, 5], shape: [2])),
            ("i16", ArrayData(dtype: .i16, shape: [1], bytes: [0x34, 0x12])),
            ("i8", ArrayData(dtype: .i8, shape: [2], bytes: [0xFF, 0x01])),
            ("double", ArrayData(doubles: [.pi, -0.0, .nan], shape: [3])),
        ],
        metadata: ["format": "pt", "ünï": "cödé \"quoted\"\n"])

    @Test func roundTripKeepsOrderValuesAndMetadata() throws {
        let bytes = try Self.sample.encoded()
        let decoded = try SafeTensors(decoding: bytes)
        #expect(decoded.tensors.map(\.name) == Self.sample.tensors.map(\.name))
        for ((_, a), (_, b)) in zip(decoded.tensors, Self.sample.tensors) { #expect(a == b) }
        #expect(decoded.metadata == Self.sample.metadata)
        // Header padded with spaces to a multiple of 8; every tensor aligned to its element size.
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(headerLength % 8 == 0)
        let header = try JSONValue(parsing: Array(bytes[8..<8 + headerLength]))
        for (name, array) in Self.sample.tensors {
            let begin = header[name]!["data_offsets"]!.arrayValue![0].integerValue!
            #expect(begin % array.dtype.byteSize == 0, "\(name) at \(begin)")
        }
        #expect(header.objectValue!.keys.first == "__metadata__")
    }

    @Test func writesAtomicallyToDisk() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try Self.sample.write(to: path)
        try SafeTensors(tensors: [("x", ArrayData(floats: [1], shape: [1]))]).write(to: path)
        #expect(try SafeTensors(contentsOf: path)["x"]?.asFloats() == [1])
        #expect(directory.entries() == ["model.safetensors"])
    }

    @Test func emptyFileAndDictionaryAccess() throws {
        let empty = try SafeTensors(decoding: SafeTensors().encoded())
        #expect(empty.tensors.isEmpty && empty.metadata.isEmpty)
        #expect(try SafeTensors(decoding: safetensorsFile("{}")).tensors.isEmpty)
        #expect(Self.sample.tensorsByName.count == Self.sample.tensors.count)
        #expect(Self.sample["missing"] == nil)
    }

    @Test func writerRejectsDuplicateAndReservedNames() {
        let one = ArrayData(floats: [1], shape: [1])
        #expect(thrownError { try SafeTensors(tensors: [("a", one), ("a", one)]).encoded() } as? SafeTensorsError
            == .duplicateName(file: "<memory>", entry: "a"))
        #expect(thrownError { try SafeTensors(tensors: [("__metadata__", one)]).encoded() } as? SafeTensorsError
            == .reservedName(file: "<memory>"))
    }

    // MARK: malformed files, each rejected with its own error

    let four = [UInt8](repeating: 0, count: 4)
    let entry = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#

    @Test func truncatedFile() {
        #expect(decodeError([1, 0, 0]) == .fileTooSmall(file: "bad.safetensors", size: 3))
        let full = safetensorsFile(entry, data: four)
        #expect(decodeError(Array(full.dropLast())) == .dataSizeMismatch(file: "bad.safetensors", expected: 4, actual: 3))
        #expect(decodeError(Array(full.prefix(20))) == .headerPastEnd(file: "bad.safetensors", length: UInt64(entry.utf8.count), available: 12))
    }

    @Test func headerLengthPastTheEndOrTooLarge() {
        #expect(decodeError(safetensorsFile(entry, data: four, declaredLength: 1 << 20))
            == .headerPastEnd(file: "bad.safetensors", length: 1 << 20, available: entry.utf8.count + 4))
        #expect(decodeError(safetensorsFile(entry, data: four, declaredLength: UInt64.max))
            == .headerTooLarge(file: "bad.safetensors", length: .max, limit: 100_000_000))
        #expect(decodeError(safetensorsFile(entry, data: four, declaredLength: 100_000_001))
            == .headerTooLarge(file: "bad.safetensors", length: 100_000_001, limit: 100_000_000))
    }

    @Test func invalidUTF8AndJSON() {
        var bytes = safetensorsFile(#"{"a\#u{e9}":{}}"#)
        bytes[8 + 3] = 0xFF
        #expect(decodeError(bytes) == .invalidUTF8(file: "bad.safetensors", offset: 3))
        guard case .invalidJSON = decodeError(safetensorsFile(#"{"a":{"dtype":"F32",}}"#)) else {
            Issue.record("trailing comma accepted")
            return
        }
        guard case .invalidJSON = decodeError(safetensorsFile(#" {}"#)) else {
            Issue.record("header not starting with { accepted")
            return
        }
        #expect(decodeError(safetensorsFile("[]")) == .invalidJSON(file: "bad.safetensors", error: "header does not start with '{'"))
    }

    @Test func entryProblems() {
        #expect(decodeError(safetensorsFile(#"{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}"#, data: [0]))
            == .unknownDType(file: "bad.safetensors", entry: "a", dtype: "F8_E4M3"))
        #expect(decodeError(safetensorsFile(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "missing 'dtype'"))
        #expect(decodeError(safetensorsFile(#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "missing 'shape'"))
        #expect(decodeError(safetensorsFile(#"{"a":{"dtype":"F32","shape":[1]}}"#, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "missing 'data_offsets'"))
        #expect(decodeError(safetensorsFile(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "'shape' must hold non-negative integers"))
        #expect(decodeError(safetensorsFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "data_offsets [4, 0] end before they begin"))
        #expect(decodeError(safetensorsFile(#"{"__metadata__":{"n":1}}"#))
            == .invalidMetadata(file: "bad.safetensors", reason: "value of 'n' is not a string"))
    }

    @Test func duplicateNames() {
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        #expect(decodeError(safetensorsFile(header, data: [1, 2])) == .duplicateName(file: "bad.safetensors", entry: "a"))
    }

    @Test func overlappingAndGappedOffsets() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(decodeError(safetensorsFile(overlap, data: [UInt8](repeating: 0, count: 8)))
            == .offsetOverlap(file: "bad.safetensors", entry: "b", expectedStart: 8, actualStart: 4))
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(decodeError(safetensorsFile(gap, data: [UInt8](repeating: 0, count: 12)))
            == .offsetGap(file: "bad.safetensors", entry: "b", expectedStart: 4, actualStart: 8))
        let notFromZero = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(decodeError(safetensorsFile(notFromZero, data: [UInt8](repeating: 0, count: 8)))
            == .offsetGap(file: "bad.safetensors", entry: "a", expectedStart: 0, actualStart: 4))
        // Data left over after the last tensor.
        #expect(decodeError(safetensorsFile(entry, data: [UInt8](repeating: 0, count: 8)))
            == .dataSizeMismatch(file: "bad.safetensors", expected: 4, actual: 8))
    }

    @Test func wrongByteSize() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
        #expect(decodeError(safetensorsFile(header, data: four))
            == .byteSizeMismatch(file: "bad.safetensors", entry: "a", dtype: "F32", shape: [2], expected: 8, actual: 4))
    }

    @Test func overflowingShape() {
        let header = #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#
        #expect(decodeError(safetensorsFile(header, data: four))
            == .shapeOverflow(file: "bad.safetensors", entry: "a", shape: [1 << 32, 1 << 32]))
        let bytesOverflow = #"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,4]}}"#  // 2^61 × 8
        #expect(decodeError(safetensorsFile(bytesOverflow, data: four))
            == .shapeOverflow(file: "bad.safetensors", entry: "a", shape: [1 << 61]))
        let tooBig = #"{"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}}"#
        #expect(decodeError(safetensorsFile(tooBig, data: four))
            == .invalidEntry(file: "bad.safetensors", entry: "a", reason: "'shape' must hold non-negative integers"))
    }

    @Test func hugeDeclaredSizesAreRejectedWithoutAllocating() {
        // 2^40 elements with honest offsets: 4 TiB claimed by a file of a few bytes.
        let honest = #"{"a":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}"#
        #expect(decodeError(safetensorsFile(honest, data: four))
            == .dataSizeMismatch(file: "bad.safetensors", expected: 1 << 42, actual: 4))
        // 2^40 elements with short offsets.
        let short = #"{"a":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4]}}"#
        #expect(decodeError(safetensorsFile(short, data: four))
            == .byteSizeMismatch(file: "bad.safetensors", entry: "a", dtype: "F32", shape: [1 << 20, 1 << 20], expected: 1 << 42, actual: 4))
    }

    /// Up to four bytes changed and the tail cut at random (seeded): the reader either throws a
    /// one-line `SafeTensorsError` naming the file, or returns as many entries holding as many
    /// bytes as the original (a change in the tensor data or in a name, which the format cannot
    /// check).
    @Test func randomCorruptionIsDetectedOrHarmless() throws {
        let good = try Self.sample.encoded()
        let original = Self.sample.tensors.map(\.array.bytes.count)
        var generator = SeededGenerator(seed: 0x73_74)
        var detected = 0
        for _ in 0..<300 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            do {
                let decoded = try SafeTensors(decoding: bytes, source: "corrupt.safetensors")
                #expect(decoded.tensors.map(\.array.bytes.count) == original)
            } catch {
                #expect(error is SafeTensorsError && isOneLine(error, naming: "corrupt.safetensors"), "\(error)")
                detected += 1
            }
        }
        #expect(detected >= 150, "only \(detected) of 300 corruptions detected")
    }
}
