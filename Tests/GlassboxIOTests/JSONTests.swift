import GlassboxIO
import Testing

@Suite struct JSONTests {
    @Test func parsesAndKeepsKeyOrder() throws {
        let value = try JSONValue(parsing: #" {"z": 1, "a": [true, false, null, -0.5, 1e3, 12345678901234], "m": {"k": "v\u00e9\ud83d\ude00\n"}} "#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["z"] == .integer(1))
        #expect(value["a"] == .array([.bool(true), .bool(false), .null, .number(-0.5), .number(1000), .integer(12_345_678_901_234)]))
        #expect(value["m"]?["k"]?.stringValue == "vé😀\n")
        #expect(value["missing"] == nil && value["z"]?["x"] == nil)
    }

    @Test func serialisesCompactlyAndRoundTrips() throws {
        let object = JSONValue.object(JSONObject([
            ("b", .string("quote \" backslash \\ tab \t ctl \u{01} ü")),
            ("a", .array([.integer(-3), .number(0.1), .number(1e-7), .null, .bool(true)])),
            ("e", .object(JSONObject())),
        ]))
        let text = object.serialized()
        #expect(text == #"{"b":"quote \" backslash \\ tab \t ctl \u0001 ü","a":[-3,0.1,1e-07,null,true],"e":{}}"#)
        #expect(try JSONValue(parsing: text) == object)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "nul", "tru", "\"abc", "\"\\x\"",
        "\"\t\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "{\"a\" 1}", "{1:2}", "[1 2]", "1 2",
        "// comment\n1", "NaN", "Infinity", "1e999", "{\"a\":1,\"a\":2}", "'single'",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(thrownError { try JSONValue(parsing: text) } is JSONError, "accepted: \(text)")
    }

    @Test func rejectsInvalidUTF8() throws {
        for bad: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
                             [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]] {
            #expect(thrownError { try JSONValue(parsing: bad) } as? JSONError == .invalidUTF8(offset: 1))
        }
        #expect(try JSONValue(parsing: [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22]) == .string("😀"))
    }

    @Test func duplicateKeysAndDepthLimit() {
        #expect(thrownError { try JSONValue(parsing: #"{"a":1,"a":2}"#) } as? JSONError == .duplicateKey(offset: 7, key: "a"))
        let deep = String(repeating: "[", count: 100_000)
        #expect(thrownError { try JSONValue(parsing: deep) } as? JSONError == .tooDeep(offset: JSONValue.maximumDepth))
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONValue(parsing: fine)) != nil)
    }

    @Test func objectEditing() {
        var object = JSONObject()
        object["x"] = .integer(1)
        object["y"] = .integer(2)
        object["x"] = .integer(3)
        #expect(object.keys == ["x", "y"] && object["x"] == .integer(3))
        object["x"] = nil
        #expect(object.keys == ["y"] && object.count == 1)
    }
}

@Suite struct FileIOTests {
    @Test func readErrorsNameThePath() {
        let missing = thrownError { try FileIO.readBytes(atPath: "/nonexistent/glassbox/file.bin") }
        #expect(missing as? FileError == .notFound(path: "/nonexistent/glassbox/file.bin"))
        #expect(isOneLine(missing, naming: "/nonexistent/glassbox/file.bin"))
        let directory = TemporaryDirectory()
        #expect(thrownError { try FileIO.readBytes(atPath: directory.path) } as? FileError == .isDirectory(path: directory.path))
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("data.bin")
        try FileIO.writeAtomically([1, 2, 3], toPath: path)
        try FileIO.writeAtomically(Array(repeating: 9, count: 3_000_000), toPath: path)
        #expect(try FileIO.readBytes(atPath: path).count == 3_000_000)
        try FileIO.writeAtomically([], toPath: path)
        #expect(try FileIO.readBytes(atPath: path) == [])
        #expect(directory.entries() == ["data.bin"])
    }

    @Test func failedWriteKeepsThePreviousFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("keep.bin")
        try FileIO.writeAtomically([4, 5, 6], toPath: path)
        // Renaming a file over a directory fails after the temporary file was written.
        let blocked = directory.path
        #expect(thrownError { try FileIO.writeAtomically([1], toPath: blocked) } is FileError)
        let missingDirectory = thrownError { try FileIO.writeAtomically([1], toPath: directory.file("no/such/dir/x.bin")) }
        guard case .notFound(let reported) = missingDirectory as? FileError else {
            Issue.record("expected notFound, got \(String(describing: missingDirectory))")
            return
        }
        #expect(reported.contains("no/such/dir/"))
        #expect(try FileIO.readBytes(atPath: path) == [4, 5, 6])
        #expect(directory.entries() == ["keep.bin"])
    }
}
