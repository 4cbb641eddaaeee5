#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GlassboxIO
import Testing

/// A deterministic test image: a gradient with pseudo-random noise in every channel.
func testImage(width: Int, height: Int, channels: Int, seed: UInt64 = 1) -> Image {
    var state = seed
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let noise = Int(state >> 60)
                pixels.append(UInt8((x * 9 + y * 5 + c * 40 + noise) & 0xFF))
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}

@Suite("PNG")
struct PNGTests {
    static let sizes = [(1, 1), (1, 7), (6, 1), (2, 3), (13, 9), (37, 53)]

    @Test("write → read round trip for every colour type, size and method", arguments: 1...4)
    func roundTrip(channels: Int) throws {
        for (width, height) in Self.sizes {
            let image = testImage(width: width, height: height, channels: channels, seed: UInt64(width * 100 + height))
            for method in Deflate.Method.allCases {
                let bytes = PNG.encode(image, method: method)
                #expect(Array(bytes.prefix(8)) == PNG.signature)
                #expect(try PNG.decode(bytes) == image, "\(width)×\(height)×\(channels) \(method)")
            }
        }
    }

    @Test("compression: flat images shrink, the stored method keeps the raw size")
    func compression() throws {
        let flat = Image(width: 64, height: 64, channels: 3, pixels: [UInt8](repeating: 200, count: 64 * 64 * 3))
        let compressed = PNG.encode(flat)
        let stored = PNG.encode(flat, method: .stored)
        #expect(compressed.count < 300)
        // Signature, IHDR, IDAT and IEND framing (57 bytes), zlib (6), one stored block (5),
        // and 64 rows of a filter byte plus 192 samples.
        #expect(stored.count == 57 + 6 + 5 + 64 * 193)
        #expect(try PNG.decode(compressed) == flat)
    }

    @Test("reads the fixtures of Python's zlib-based writer: every colour type, bit depth and filter")
    func fixtures() throws {
        let images = try #require(pngExpected["images"]?.objectValue)
        #expect(images.count == 19)
        for (name, entry) in images {
            let image = try PNG.read(contentsOf: fixture("png/" + name))
            #expect(image.width == entry["width"]?.integerValue, "\(name)")
            #expect(image.height == entry["height"]?.integerValue, "\(name)")
            #expect(image.channels == entry["channels"]?.integerValue, "\(name)")
            #expect(image.pixels == bytes(fromHex: entry["hex"]?.stringValue ?? ""), "\(name)")
        }
    }

    @Test("malformed files fail with one exact line naming the file")
    func malformed() throws {
        let errors = try #require(pngExpected["errors"]?.objectValue)
        #expect(errors.count == 16)
        for (name, entry) in errors {
            let path = fixture("png/" + name)
            // Every message starts with the file name, written "{file}" in expected.json.
            let message = try #require(entry.stringValue)
            #expect(message.hasPrefix("{file}: "))
            let expected = path + message.dropFirst("{file}".count)
            let error = thrownError { try PNG.read(contentsOf: path) }
            #expect(error is PNGError, "\(name)")
            #expect(error.map { String(describing: $0) } == expected, "\(name)")
        }
        let path = fixture("png/interlaced.png")
        #expect(thrownError { try PNG.read(contentsOf: path) } as? PNGError == .unsupportedInterlace(file: path, method: 1))
        #expect(thrownError { try PNG.decode([]) } as? PNGError == .notPNG(file: "<memory>"))
        #expect(thrownError { try PNG.decode(PNG.signature) } as? PNGError == .truncated(file: "<memory>", chunk: nil))
    }

    @Test("every truncation of a valid file is an error, never a crash")
    func truncations() {
        let bytes = PNG.encode(testImage(width: 5, height: 4, channels: 3))
        for length in 0..<bytes.count {
            #expect(thrownError { try PNG.decode(Array(bytes[..<length])) } is PNGError, "length \(length)")
        }
    }

    @Test("write and writeGrid save atomically and read back")
    func files() throws {
        let directory = TemporaryDirectory()
        let image = testImage(width: 3, height: 2, channels: 4)
        try PNG.write(image, to: directory.file("a.png"))
        #expect(try PNG.read(contentsOf: directory.file("a.png")) == image)
        let tiles = (1...3).map { testImage(width: 4, height: 4, channels: 1, seed: UInt64($0)) }
        try PNG.writeGrid(tiles, to: directory.file("grid.png"), nrow: 2, padding: 1)
        #expect(try PNG.read(contentsOf: directory.file("grid.png")) == Image.grid(tiles, nrow: 2, padding: 1))
        #expect(directory.entries() == ["a.png", "grid.png"])
        #expect(thrownError { try PNG.read(contentsOf: directory.file("missing.png")) } as? FileError
            == .notFound(path: directory.file("missing.png")))
    }

    /// Writes PNGs for `Scripts/make_png_fixtures.py --check` when GLASSBOX_IO_EXPORT_DIR is
    /// set; always checks that they read back exactly.
    @Test func exportForPythonCheck() throws {
        let directory = TemporaryDirectory()
        let exportDirectory = getenv("GLASSBOX_IO_EXPORT_DIR").map { String(cString: $0) } ?? directory.path
        for channels in 1...4 {
            for (width, height) in Self.sizes {
                for method in Deflate.Method.allCases {
                    let image = testImage(width: width, height: height, channels: channels, seed: 7)
                    let name = exportDirectory + "/glassbox_\(width)x\(height)x\(channels)_\(method)"
                    try PNG.write(image, to: name + ".png")
                    try FileIO.writeAtomically(Array("\(width) \(height) \(channels)\n".utf8) + image.pixels, toPath: name + ".raw")
                    #expect(try PNG.read(contentsOf: name + ".png") == image)
                }
            }
        }
    }
}

/// `Fixtures/png/expected.json`, written by Scripts/make_png_fixtures.py.
let pngExpected: JSONValue = try! JSONValue(parsing: FileIO.readBytes(atPath: fixture("png/expected.json")))
