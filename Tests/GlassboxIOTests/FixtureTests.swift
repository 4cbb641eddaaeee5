import GlassboxIO
import Testing

/// Reads every file that NumPy, PyTorch, safetensors and Python's gzip wrote
/// (Scripts/make_io_fixtures.py) and checks the exact bytes against `expected.json`.
@Suite struct FixtureTests {
    /// The file names listed under `key` (test arguments print as names, not as JSON).
    static func files(_ key: String) -> [String] {
        (expectedFixtures[key]?.arrayValue ?? []).map { $0["file"]!.stringValue! }
    }

    func entry(_ key: String, _ file: String) -> JSONValue {
        expectedFixtures[key]!.arrayValue!.first { $0["file"]?.stringValue == file }!
    }

    func check(_ array: ArrayData, against expected: JSONValue, _ label: String) {
        #expect(array.dtype.rawValue == expected["dtype"]?.stringValue, "\(label) dtype")
        #expect(array.shape == expected["shape"]?.arrayValue?.compactMap(\.integerValue), "\(label) shape")
        #expect(array.bytes == bytes(fromHex: expected["hex"]!.stringValue!), "\(label) bytes")
        let doubles = bytes(fromHex: expected["f64hex"]!.stringValue!)
        #expect(ArrayData(doubles: array.asDoubles(), shape: array.shape).bytes == doubles, "\(label) asDoubles")
        if let floats = expected["f32hex"]?.stringValue {
            #expect(ArrayData(floats: array.asFloats(), shape: array.shape).bytes == bytes(fromHex: floats), "\(label) asFloats")
        }
    }

    @Test(arguments: files("npy")) func npy(_ name: String) throws {
        let expected = entry("npy", name)
        check(try NPY.read(contentsOf: fixture(name)), against: expected, name)
    }

    @Test(arguments: files("npz")) func npz(_ name: String) throws {
        let expected = entry("npz", name)
        let archive = try NPZ(contentsOf: fixture(name))
        let arrays = expected["arrays"]!.arrayValue!
        #expect(archive.arrays.map(\.name) == arrays.map { $0["name"]!.stringValue! })
        for item in arrays {
            let arrayName = item["name"]!.stringValue!
            check(try #require(archive[arrayName]), against: item, "\(name):\(arrayName)")
        }
        #expect(archive.arraysByName.count == arrays.count)
    }

    @Test(arguments: files("safetensors")) func safetensors(_ name: String) throws {
        let expected = entry("safetensors", name)
        let file = try SafeTensors(contentsOf: fixture(name))
        let tensors = expected["tensors"]!.arrayValue!
        #expect(file.tensors.map(\.name) == tensors.map { $0["name"]!.stringValue! })
        for (item, (tensorName, array)) in zip(tensors, file.tensors) {
            check(array, against: item, "\(name):\(tensorName)")
            #expect(file[tensorName] == array && file.tensorsByName[tensorName] == array)
        }
        var metadata: [String: String] = [:]
        for (key, value) in expected["metadata"]!.objectValue! { metadata[key] = value.stringValue! }
        #expect(file.metadata == metadata)
    }

    @Test(arguments: files("gzip")) func gzip(_ name: String) throws {
        let expected = entry("gzip", name)
        let payload = try fixtureBytes(expected["payload"]!.stringValue!)
        #expect(try GZip.read(contentsOf: fixture(name)) == payload)
    }

    @Test(arguments: files("idx")) func idx(_ name: String) throws {
        let expected = entry("idx", name)
        check(try IDX.read(contentsOf: fixture(name)), against: expected, name)
    }

    @Test func mnistStyleIDXBytesArePixels() throws {
        let images = try IDX.read(contentsOf: fixture("images-idx3-ubyte.gz"))
        #expect(images.dtype == .u8 && images.shape == [2, 3, 4])
        #expect(images.bytes == (0..<24).map { UInt8($0 * 11) })
        #expect(try IDX.read(contentsOf: fixture("labels-idx1-ubyte")).bytes == [5, 0, 4, 1, 9])
    }

    @Test func gzipBombStopsAtTheCap() throws {
        let bomb = try fixtureBytes("bomb.gz")
        let error = thrownError { try GZip.decompress(bomb, source: "bomb.gz", maxOutputBytes: 1 << 20) }
        #expect(error as? GZipError == .corruptData(file: "bomb.gz", member: 0, error: .outputLimitExceeded(limit: 1 << 20)))
        #expect(isOneLine(error, naming: "bomb.gz"))
        #expect(try GZip.decompress(bomb).count == expectedFixtures["gzip_bomb"]!["size"]!.integerValue!)
    }
}
