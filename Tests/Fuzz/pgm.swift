// PGM harness (binary P5 and plain P2): any byte string either fails with an error or decodes
// to a one-channel image that re-encodes (both formats) and decodes to itself.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let image = try? PGM.decode(bytes) else { return }
    guard image.channels == 1, image.pixels.count == image.width * image.height else { violated("pixel count") }
    for format in PGM.Format.allCases {
        guard (try? PGM.decode(PGM.encode(image, format: format))) == image else { violated("round trip (\(format))") }
    }
}
