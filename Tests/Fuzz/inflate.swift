// Raw DEFLATE harness: the input as a DEFLATE stream either fails with an error or inflates to
// at most the cap with its end inside the input; and the input as data compresses (both
// methods) to a stream that inflates back to it.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    if let (output, end) = try? Inflate.decompress(bytes, maxOutputBytes: fuzzMaxOutputBytes) {
        guard output.count <= fuzzMaxOutputBytes, end <= bytes.count else { violated("output or end out of range") }
    }
    for method in Deflate.Method.allCases {
        guard let (output, end) = try? Inflate.decompress(Deflate.compress(bytes, method: method)),
            output == bytes, end > 0
        else { violated("round trip (\(method))") }
    }
}
