import Foundation
import Glassbox
import GlassboxIO
import Testing

@Suite(
    "glassbox train charlm|gpt and glassbox sample",
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct LanguageModelCLITests {
    /// A scratch directory holding a small corpus, `corpus.txt`.
    static func workspace() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-lm-\(UUID())").path
        try FileIO.createDirectory(atPath: directory)
        let text = String(repeating: "To be, or not to be, that is the question.\n", count: 40)
        try FileIO.writeAtomically(Array(text.utf8), toPath: directory + "/corpus.txt")
        return directory
    }

    @Test("train gpt a few steps: curve in the metrics; sample with and without the cache prints the same text")
    func trainAndSampleGPT() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try glassbox([
            "train", "gpt", "--data", directory + "/corpus.txt", "--steps", "4", "--batch-size", "4",
            "--arch", "n_layer=1,n_head=2,n_embd=16,block_size=16", "--threads", "1", "--out", directory + "/gpt",
            "--metrics", directory + "/metrics.json",
        ])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("gpt: validation loss "), "\(r.out)")
        #expect(r.out.contains("nats/char after 4 steps"), "\(r.out)")
        #expect(r.err.contains("train gpt: step 4, "))
        let json = try JSONValue(parsing: FileIO.readBytes(atPath: directory + "/metrics.json"))
        #expect(json["steps"]?.integerValue == 4)
        #expect(json["validation_loss"]?.doubleValue != nil)
        #expect(json["architecture"]?["n_embd"]?.integerValue == 16)
        #expect(json["architecture"]?["vocab_size"]?.integerValue == 17)
        let curve = json["curve"]?.arrayValue ?? []
        #expect(curve.count == 4)
        #expect(curve.last?["step"]?.integerValue == 4)
        #expect(curve.allSatisfy { $0["validation_loss"]?.doubleValue != nil && $0["seconds"]?.doubleValue != nil })
        #expect(json["interval_losses"]?.arrayValue?.count == 4)

        let arguments = ["sample", "gpt", "--checkpoint", directory + "/gpt", "--prompt", "To be", "--length", "40", "--seed", "3", "--top-k", "5"]
        let cached = try glassbox(arguments)
        let uncached = try glassbox(arguments + ["--no-cache"])
        #expect(cached.status == 0 && uncached.status == 0, "\(cached.err) \(uncached.err)")
        #expect(cached.out.hasPrefix("To be"))
        #expect(cached.out.utf8.count == "To be".utf8.count + 40 + 1)  // and the newline
        #expect(cached.out == uncached.out)
        #expect(cached.err.contains("40 tokens in") && cached.err.contains("tokens/s (key/value cache)"), "\(cached.err)")
        #expect(uncached.err.contains("tokens/s (no cache"), "\(uncached.err)")

        let unknown = try glassbox(["sample", "gpt", "--checkpoint", directory + "/gpt", "--prompt", "XYZ"])
        #expect(unknown.status == 2)
        #expect(unknown.err.contains("the prompt holds a character the model never saw"))
    }

    @Test("train charlm a few steps, then sample: reproducible for a seed")
    func trainAndSampleCharLSTM() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try glassbox([
            "train", "charlm", "--data", directory + "/corpus.txt", "--steps", "3", "--batch-size", "4",
            "--arch", "embedding_dim=8,hidden_size=16,context=16", "--threads", "1", "--out", directory + "/lstm",
        ])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.hasPrefix("charlm: validation loss "), "\(r.out)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/lstm").sorted()
        #expect(files == [Checkpoint.fileName, "model.json", "model.safetensors"])
        let arguments = ["sample", "charlm", "--checkpoint", directory + "/lstm", "--length", "30", "--seed", "7"]
        let first = try glassbox(arguments)
        let second = try glassbox(arguments)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out == second.out)
        #expect(first.out.utf8.count == 1 + 30 + 1)  // the default prompt "\n", 30 characters, a newline
        let other = try glassbox(["sample", "charlm", "--checkpoint", directory + "/lstm", "--length", "30", "--seed", "8"])
        #expect(other.out != first.out)
    }
}
