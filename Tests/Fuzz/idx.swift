// IDX harness, raw and gzip-compressed (the reader detects gzip by its magic bytes): any byte
// string either fails with an error or decodes to an array whose bytes fit its shape.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let array = try? IDX.decode(bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    guard array.bytes.count == array.elementCount * array.dtype.byteSize else { violated("byte count") }
}
