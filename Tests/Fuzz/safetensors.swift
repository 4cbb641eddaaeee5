// safetensors harness: any byte string either fails with an error or decodes to tensors whose
// bytes fit their dtype and shape and that re-encode and decode to themselves.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let file = try? SafeTensors(decoding: bytes) else { return }
    for (_, array) in file.tensors {
        guard array.bytes.count == array.elementCount * array.dtype.byteSize else { violated("byte count") }
        _ = array.asFloats()
    }
    guard let again = try? SafeTensors(decoding: file.encoded()), again.metadata == file.metadata,
        again.tensors.elementsEqual(file.tensors, by: { $0.name == $1.name && $0.array == $1.array })
    else { violated("round trip") }
}
