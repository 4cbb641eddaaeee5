// PNG harness: any byte string either fails with an error or decodes to an image whose pixel
// count fits its size and that re-encodes and decodes to itself. Each input is decoded twice:
// as a file, and read as fields wrapped into a file with valid checksums (see `wrapped`), so
// that mutations also reach the unfiltering and sample expansion that the CRC-32 and Adler-32
// checks would otherwise keep them from.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    check(bytes)
    if let file = wrapped(bytes) { check(file) }
}

func check(_ bytes: [UInt8]) {
    guard let image = try? PNG.decode(bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    guard image.pixels.count == image.width * image.height * image.channels else { violated("pixel count") }
    guard (try? PNG.decode(PNG.encode(image))) == image else { violated("round trip") }
}

/// The input as the 13 bytes of an IHDR, a count `n`, `n` palette bytes (PLTE, when `n > 0`)
/// and the filtered image data, as a PNG file with correct chunk CRCs and a stored zlib stream.
func wrapped(_ bytes: [UInt8]) -> [UInt8]? {
    guard bytes.count >= 14 else { return nil }
    let paletteEnd = min(bytes.count, 14 + Int(bytes[13]))
    func chunk(_ type: String, _ body: ArraySlice<UInt8>) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = CRC32.checksum(typed)
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: body.count >> $0) } + typed
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> UInt32($0)) }
    }
    var file = PNG.signature + chunk("IHDR", bytes[0..<13])
    if paletteEnd > 14 { file += chunk("PLTE", bytes[14..<paletteEnd]) }
    return file + chunk("IDAT", ZLib.compress(Array(bytes[paletteEnd...]), method: .stored)[...]) + chunk("IEND", [])
}
