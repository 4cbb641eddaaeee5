import GlassboxIO
import Testing

/// Limits before allocation: a header that claims more data than the file holds, or than the
/// caller's cap, is rejected before any buffer of that size is made; every decompression path
/// stops at its cap. (The safetensors and `.npy` 2^40-element cases are in SafeTensorsTests
/// `hugeDeclaredSizesAreRejectedWithoutAllocating` and NPYTests `badHeaders`; the gzip bomb in
/// FixtureTests; the zip/npz deflate cap in NPZTests `corruptDeflateEntryAndCap`.) Each claim
/// below would need terabytes if it were allocated, so a passing test is one that did not.
@Suite("Read limits")
struct LimitsTests {
    /// A PNG of one IHDR with the given fields, one IDAT holding `raw` zlib-compressed, and IEND.
    func png(width: UInt32, height: UInt32, bitDepth: UInt8, colorType: UInt8, raw: [UInt8]) -> [UInt8] {
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            return bigEndian(UInt32(body.count)) + typed + bigEndian(CRC32.checksum(typed))
        }
        let header = bigEndian(width) + bigEndian(height) + [bitDepth, colorType, 0, 0, 0]
        return PNG.signature + chunk("IHDR", header) + chunk("IDAT", ZLib.compress(raw)) + chunk("IEND", [])
    }

    func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }

    @Test("IDX: 2^40 elements in a 20-byte file, raw and gzip-compressed")
    func idx() throws {
        let header: [UInt8] = [0, 0, 0x0D, 2] + bigEndian(1 << 20) + bigEndian(1 << 20)
        let raw = header + [0, 0, 0, 0]
        #expect(thrownError { try IDX.decode(raw, source: "huge-idx") } as? IDXError
            == .sizeMismatch(file: "huge-idx", shape: [1 << 20, 1 << 20], expected: 1 << 42, actual: 4))
        let gzip = try fixtureBytes("images-idx3-ubyte.gz")
        let decompressed = try GZip.decompress(gzip)
        #expect(thrownError { try IDX.decode(gzip, source: "idx.gz", maxOutputBytes: decompressed.count - 1) } as? IDXError
            == .gzip(.corruptData(file: "idx.gz", member: 0, error: .outputLimitExceeded(limit: decompressed.count - 1))))
        #expect(try IDX.decode(gzip, maxOutputBytes: decompressed.count).shape == [2, 3, 4])
    }

    @Test("IDX: a gzip bomb stops at the cap")
    func idxBomb() throws {
        let bomb = try fixtureBytes("bomb.gz")
        #expect(thrownError { try IDX.decode(bomb, source: "bomb.gz", maxOutputBytes: 1 << 20) } as? IDXError
            == .gzip(.corruptData(file: "bomb.gz", member: 0, error: .outputLimitExceeded(limit: 1 << 20))))
    }

    @Test("PNG: an IHDR of 2^20 × 2^20 (or 2^31−1 squared) is rejected before any decompression")
    func pngHugeHeader() {
        let huge = png(width: 1 << 20, height: 1 << 20, bitDepth: 1, colorType: 0, raw: [0, 0])
        let error = thrownError { try PNG.decode(huge, source: "huge.png") }
        #expect(error as? PNGError == .imageTooLarge(
            file: "huge.png", width: 1 << 20, height: 1 << 20, bytes: 1 << 40, limit: Inflate.defaultMaxOutputBytes))
        #expect(String(describing: error!) == "huge.png: a 1048576×1048576 image needs 1099511627776 bytes, over the limit of 4294967296")
        // 16-bit RGBA at the largest legal size: the byte count itself overflows Int.
        let largest = png(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, bitDepth: 16, colorType: 6, raw: [0])
        #expect(thrownError { try PNG.decode(largest, source: "huge.png") } as? PNGError == .imageTooLarge(
            file: "huge.png", width: 0x7FFF_FFFF, height: 0x7FFF_FFFF, bytes: nil, limit: Inflate.defaultMaxOutputBytes))
    }

    @Test("PNG: the cap covers the decoded pixels (palette expands 1 bit to 3 bytes) and the image data")
    func pngCap() throws {
        // 64×64 1-bit palette image: 576 bytes of image data, 12288 bytes of RGB pixels.
        let rows = [UInt8](repeating: 0, count: 64 * 9)
        var image = png(width: 64, height: 64, bitDepth: 1, colorType: 3, raw: rows)
        let palette: [UInt8] = [0, 0, 0, 3] + Array("PLTE".utf8) + [1, 2, 3]
        image.insert(contentsOf: palette + bigEndian(CRC32.checksum(palette[4...])), at: 33)  // after IHDR
        #expect(try PNG.decode(image, maxOutputBytes: 64 * 64 * 3).pixels.count == 64 * 64 * 3)
        #expect(thrownError { try PNG.decode(image, maxOutputBytes: 64 * 64 * 3 - 1) } as? PNGError == .imageTooLarge(
            file: "<memory>", width: 64, height: 64, bytes: 64 * 64 * 3, limit: 64 * 64 * 3 - 1))
        // 8-bit RGB: the image data (filter bytes included) is the larger figure.
        let rgb = png(width: 8, height: 2, bitDepth: 8, colorType: 2, raw: [UInt8](repeating: 0, count: 2 * 25))
        #expect(try PNG.decode(rgb, maxOutputBytes: 50).pixels.count == 48)
        #expect(thrownError { try PNG.decode(rgb, maxOutputBytes: 49) } as? PNGError == .imageTooLarge(
            file: "<memory>", width: 8, height: 2, bytes: 50, limit: 49))
    }

    @Test("PNG: image data that inflates past the header's size stops there")
    func pngBomb() {
        // The header says 4×4 gray (20 bytes of data); the IDAT inflates to 1 MiB.
        let bomb = png(width: 4, height: 4, bitDepth: 8, colorType: 0, raw: [UInt8](repeating: 0, count: 1 << 20))
        #expect(thrownError { try PNG.decode(bomb, source: "bomb.png") } as? PNGError
            == .dataSizeMismatch(file: "bomb.png", expected: 20, actual: nil))
    }

    @Test("PGM: 2^40 samples claimed by a short file, binary and plain")
    func pgm() {
        let binary = Array("P5\n1048576 1048576\n255\n".utf8) + [1, 2, 3]
        #expect(thrownError { try PGM.decode(binary, source: "huge.pgm") } as? PGMError
            == .truncated(file: "huge.pgm", expected: 1 << 40, actual: 3))
        let plain = Array("P2 1048576 1048576 255 1 2 3".utf8)
        #expect(thrownError { try PGM.decode(plain, source: "huge.pgm") } as? PGMError
            == .truncated(file: "huge.pgm", expected: 1 << 40, actual: 3))
    }

    @Test("npz: an entry whose .npy header claims 2^40 elements")
    func npz() throws {
        let entry = NPYTests().npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", data: [0, 0, 0, 0])
        let archive = try ZipArchive(entries: [.init(name: "big.npy", bytes: entry)]).encoded()
        #expect(thrownError { try NPZ(decoding: archive, source: "huge.npz") } as? NPYError
            == .dataSizeMismatch(file: "huge.npz:big.npy", expected: 1 << 42, actual: 4))
    }
}
