// zlib harness: any byte string either fails with an error or decompresses to at most the cap
// and recompresses (both methods) to a stream that decompresses back to the same bytes.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let output = try? ZLib.decompress(bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    guard output.count <= fuzzMaxOutputBytes else { violated("output beyond the cap") }
    for method in Deflate.Method.allCases {
        guard (try? ZLib.decompress(ZLib.compress(output, method: method))) == output else { violated("round trip (\(method))") }
    }
}
