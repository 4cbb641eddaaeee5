// PNG harness: any byte string either fails with an error or decodes to an image whose pixel
// count fits its size and that re-encodes and decodes to itself.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let image = try? PNG.decode(bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    guard image.pixels.count == image.width * image.height * image.channels else { violated("pixel count") }
    guard (try? PNG.decode(PNG.encode(image))) == image else { violated("round trip") }
}
