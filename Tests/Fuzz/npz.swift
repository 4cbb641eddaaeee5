// NPZ harness (and under it the zip reader: stored and deflate entries, ZIP64 fields): any
// byte string either fails with an error or decodes to arrays that, when the writer accepts
// their names, re-encode and decode to themselves.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let archive = try? NPZ(decoding: bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    // Two entries may differ only in the `.npy` suffix the reader strips: the writer refuses
    // the duplicate name with an error.
    guard let encoded = try? archive.encoded() else { return }
    guard let again = try? NPZ(decoding: encoded),
        again.arrays.elementsEqual(archive.arrays, by: { $0.name == $1.name && $0.array == $1.array })
    else { violated("round trip") }
}
