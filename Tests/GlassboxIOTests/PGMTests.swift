import GlassboxIO
import Testing

@Suite("PGM")
struct PGMTests {
    @Test("write → read round trip, binary and plain, sizes 1×1 to 37×53")
    func roundTrip() throws {
        for (width, height) in [(1, 1), (1, 7), (6, 1), (13, 9), (37, 53)] {
            let image = testImage(width: width, height: height, channels: 1, seed: UInt64(width + height))
            for format in PGM.Format.allCases {
                #expect(try PGM.decode(PGM.encode(image, format: format)) == image, "\(width)×\(height) \(format)")
            }
        }
        let directory = TemporaryDirectory()
        let image = testImage(width: 4, height: 3, channels: 1)
        try PGM.write(image, to: directory.file("a.pgm"), format: .plain)
        #expect(try PGM.read(contentsOf: directory.file("a.pgm")) == image)
    }

    @Test("encoded bytes: P5 header then samples; P2 rows on lines shorter than 70 characters")
    func encoding() {
        let image = Image(width: 3, height: 1, channels: 1, pixels: [0, 128, 255])
        #expect(PGM.encode(image) == Array("P5\n3 1\n255\n".utf8) + [0, 128, 255])
        #expect(PGM.encode(image, format: .plain) == Array("P2\n3 1\n255\n0 128 255\n".utf8))
        let wide = Image(width: 40, height: 2, channels: 1, pixels: [UInt8](repeating: 200, count: 80))
        let text = String(decoding: PGM.encode(wide, format: .plain), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 3 + 2 * 3)
        #expect(lines.allSatisfy { $0.count < 70 })
    }

    @Test("reads comments, any whitespace, maxval below 255 and 16-bit samples, scaled to 0...255")
    func reading() throws {
        let plain = Array("P2 # a comment\n# another\n3\t2\r\n15\n15 0 15\n7 # mid-raster comment\n8 1\n".utf8)
        let image = try PGM.decode(plain)
        #expect(image.width == 3 && image.height == 2 && image.channels == 1)
        #expect(image.pixels == [255, 0, 255, 119, 136, 17])  // v·255/15 rounded
        let wide = Array("P5 2 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x00]
        #expect(try PGM.decode(wide).pixels == [255, 128])
        let binary = Array("P5\n# c\n2 2\n255\n".utf8) + [1, 2, 3, 4] + Array("trailing image".utf8)
        #expect(try PGM.decode(binary).pixels == [1, 2, 3, 4])
    }

    @Test("malformed files fail with one exact line")
    func malformed() {
        func message(_ text: String, _ extra: [UInt8] = []) -> String? {
            thrownError { try PGM.decode(Array(text.utf8) + extra, source: "x.pgm") }.map { String(describing: $0) }
        }
        #expect(message("P6\n1 1\n255\n", [0]) == "x.pgm: not a PGM file (expected the magic number P5 or P2)")
        #expect(message("P55 1 1 255\n") == "x.pgm: not a PGM file (expected the magic number P5 or P2)")
        #expect(message("P5\n2") == "x.pgm: invalid PGM header: missing height")
        #expect(message("P5\n0 2 255\n") == "x.pgm: invalid PGM header: width '0' is not an integer in 1...2147483647")
        #expect(message("P5\n2 x 255\n") == "x.pgm: invalid PGM header: height 'x' is not an integer in 1...2147483647")
        #expect(message("P2\n2 2 70000\n") == "x.pgm: invalid PGM header: maxval '70000' is not an integer in 1...65535")
        #expect(message("P5\n2 2 255") == "x.pgm: invalid PGM header: maxval must be followed by one whitespace byte")
        #expect(message("P5\n2 2 255\n", [1, 2, 3]) == "x.pgm: PGM raster has 3 of 4 samples")
        #expect(message("P5\n2 1 65535\n", [1, 2, 3]) == "x.pgm: PGM raster has 1 of 2 samples")
        #expect(message("P5\n2 1 100\n", [100, 101]) == "x.pgm: PGM sample 1: value 101 exceeds maxval 100")
        #expect(message("P2\n2 2 255\n1 2 3") == "x.pgm: PGM raster has 3 of 4 samples")
        #expect(message("P2\n2 1 255\n1 -2") == "x.pgm: PGM sample 1: '-2' is not a non-negative integer")
        #expect(message("P2\n2 1 9\n1 10") == "x.pgm: PGM sample 1: value 10 exceeds maxval 9")
        #expect(thrownError { try PGM.decode([]) } as? PGMError == .notPGM(file: "<memory>"))
        #expect(thrownError { try PGM.decode(Array("P5 1 1 255 ".utf8)) } as? PGMError
            == .truncated(file: "<memory>", expected: 1, actual: 0))
    }
}
