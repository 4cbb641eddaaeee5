// NPY harness: any byte string either fails with an error or decodes to an array that
// re-encodes and decodes to itself.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let array = try? NPY.decode(bytes) else { return }
    guard array.bytes.count == array.elementCount * array.dtype.byteSize else { violated("byte count") }
    _ = array.asDoubles()
    guard let again = try? NPY.decode(NPY.encode(array)), again == array else { violated("round trip") }
}
