// gzip harness: any byte string either fails with an error or decompresses to at most the cap.
import GlassboxIO

func fuzz(_ bytes: [UInt8]) {
    guard let output = try? GZip.decompress(bytes, maxOutputBytes: fuzzMaxOutputBytes) else { return }
    guard output.count <= fuzzMaxOutputBytes else { violated("output beyond the cap") }
}
