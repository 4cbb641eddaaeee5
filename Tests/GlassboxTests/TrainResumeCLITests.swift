import Foundation
import Glassbox
import GlassboxIO
import Testing

/// The options that make each `glassbox train` model tiny (`@data`: a directory of 256
/// training and 64 test MNIST images; `@corpus`: a small text). `forecast` has its own test.
private let tinyRuns: [(model: String, options: [String])] = [
    ("mlp", ["--batch-size", "64"]),
    ("cnn", ["--data", "@data", "--batch-size", "64"]),
    ("lenet", ["--data", "@data", "--batch-size", "64"]),
    ("vgg", ["--data", "@data", "--batch-size", "64"]),
    ("seqmnist", ["--data", "@data", "--batch-size", "64"]),
    ("vit", ["--data", "@data", "--batch-size", "64"]),
    ("seq2seq", ["--batch-size", "4", "--beam", "1", "--steps-per-epoch", "10"]),
    ("transformer-seq2seq", ["--batch-size", "4", "--beam", "1", "--steps-per-epoch", "10"]),
    ("caption", ["--data", "@data", "--batch-size", "64"]),
    ("autoencoder", ["--data", "@data", "--batch-size", "64"]),
    ("vae", ["--data", "@data", "--batch-size", "64"]),
    ("gan", ["--data", "@data", "--batch-size", "32"]),
    ("wgan", ["--data", "@data", "--batch-size", "32"]),
    ("wgan-gp", ["--data", "@data", "--batch-size", "32"]),
    ("ddpm", ["--data", "@data", "--batch-size", "64"]),
    ("charlm", ["--data", "@corpus", "--batch-size", "4", "--arch", "embedding_dim=8,hidden_size=16,context=16"]),
    ("gpt", ["--data", "@corpus", "--batch-size", "4", "--arch", "n_layer=1,n_head=2,n_embd=16,block_size=16"]),
]

/// The language models count their run in steps, not epochs.
private func isStepBased(_ model: String) -> Bool { model == "gpt" || model == "charlm" }

/// The series directory of `train forecast`, when present.
private let timeSeriesDirectory: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let directory = root.path + "/../shared/data/timeseries"
    return FileManager.default.fileExists(atPath: directory + "/airline/Airline.csv") ? directory : nil
}()

@Suite(
    "glassbox train M --epochs 2 --stop-after 1, then --resume on other threads: the weights of an uninterrupted run",
    .serialized,
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"),
    .slow)
struct TrainResumeCLITests {
    /// Trains `model` for 2 epochs straight and as 1 + 1 (resumed with another thread count),
    /// and expects bitwise equal final weights.
    func expectExactResume(_ model: String, _ options: [String], root: String) throws {
        let options = options.map {
            $0.replacingOccurrences(of: "@data", with: root + "/data").replacingOccurrences(of: "@corpus", with: root + "/corpus.txt")
        }
        let unit = isStepBased(model) ? "step" : "epoch"
        let split = root + "/" + model + "-split", whole = root + "/" + model + "-whole"
        let first = try glassbox(["train", model, "--\(unit)s", "2", "--stop-after", "1", "--out", split, "--threads", "2"] + options)
        #expect(first.status == 0, "\(model): \(first.err)")
        let second = try glassbox(["train", model, "--resume", "--out", split, "--threads", "1"] + options)
        #expect(second.status == 0, "\(model): \(second.err)")
        #expect(second.err.contains("resuming after \(unit) 1"), "\(model): \(second.err)")
        let straight = try glassbox(["train", model, "--\(unit)s", "2", "--out", whole, "--threads", "2"] + options)
        #expect(straight.status == 0, "\(model): \(straight.err)")
        let subdirectories = model == "forecast" ? ["/airline", "/co2"] : [""]
        for sub in subdirectories {
            #expect(
                try FileIO.readBytes(atPath: split + sub + "/model.safetensors") == FileIO.readBytes(atPath: whole + sub + "/model.safetensors"),
                "\(model)\(sub): the resumed run's weights differ")
        }
    }

    @Test("every image, sequence, language and generative model", arguments: tinyRuns.map(\.model))
    func exactResume(model: String) throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try expectExactResume(model, tinyRuns.first { $0.model == model }!.options, root: root)
    }

    @Test("forecast (both series)", .enabled(if: timeSeriesDirectory != nil, "no ../shared/data/timeseries"))
    func forecastResume() throws {
        let root = try GenerativeCLITests.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try expectExactResume("forecast", ["--data", timeSeriesDirectory!], root: root)
    }

    /// A scratch directory with `data` (tiny MNIST) and `corpus.txt` (a small text).
    static func workspace() throws -> String {
        let root = try GenerativeCLITests.smallMNIST()
        let text = String(repeating: "To be, or not to be, that is the question.\n", count: 40)
        try FileIO.writeAtomically(Array(text.utf8), toPath: root + "/corpus.txt")
        return root
    }

    @Test("every model of the train list has a resume case")
    func everyModelCovered() {
        let covered = Set(tinyRuns.map(\.model) + ["forecast"])
        let listed = Set(trainableModels.map(\.name))
        #expect(covered == listed)
    }

    @Test("--resume refuses a truncated checkpoint or one of another model with one line naming the file, and leaves it untouched")
    func badCheckpoints() throws {
        let root = try GenerativeCLITests.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/gan"
        let trained = try glassbox(["train", "gan", "--data", root + "/data", "--epochs", "2", "--stop-after", "1", "--batch-size", "32", "--out", out])
        #expect(trained.status == 0, "\(trained.err)")
        let path = Checkpoint.path(in: out)
        let saved = try FileIO.readBytes(atPath: path)

        let foreign = try glassbox(["train", "wgan", "--data", root + "/data", "--resume", "--out", out])
        #expect(foreign.status == 1)
        #expect(lines(foreign.err) == ["glassbox: train wgan: the checkpoint in '\(out)' is of model 'gan', not 'wgan'"])
        #expect(try FileIO.readBytes(atPath: path) == saved)

        try FileIO.writeAtomically(Array(saved.prefix(saved.count - 100)), toPath: path)
        let truncated = try glassbox(["train", "gan", "--data", root + "/data", "--resume", "--out", out])
        #expect(truncated.status == 1)
        #expect(lines(truncated.err).count == 1 && truncated.err.contains(path), "\(truncated.err)")
        #expect(try FileIO.readBytes(atPath: path) == Array(saved.prefix(saved.count - 100)))
    }

    @Test("gpt --resume refuses a missing checkpoint, one of other settings and a truncated one, leaving it untouched")
    func badLanguageModelCheckpoints() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/gpt", path = Checkpoint.path(in: out)
        let options = ["--batch-size", "4", "--arch", "n_layer=1,n_head=2,n_embd=16,block_size=16"]
        let missing = try glassbox(["train", "gpt", "--data", root + "/corpus.txt", "--resume", "--out", root + "/none"] + options)
        #expect(missing.status == 1)
        #expect(lines(missing.err).count == 1 && missing.err.contains(root + "/none/checkpoint.safetensors"), "\(missing.err)")

        let trained = try glassbox(["train", "gpt", "--data", root + "/corpus.txt", "--steps", "2", "--stop-after", "1", "--out", out] + options)
        #expect(trained.status == 0, "\(trained.err)")
        let saved = try FileIO.readBytes(atPath: path)
        try FileIO.writeAtomically(Array(String(repeating: "Another text, another alphabet.\n", count: 10).utf8), toPath: root + "/other.txt")
        let other = try glassbox(["train", "gpt", "--data", root + "/other.txt", "--resume", "--out", out] + options)
        #expect(other.status == 1)
        #expect(
            lines(other.err) == [
                "glassbox: train gpt: \(path): a checkpoint of another run: its dataset is '\(root)/corpus.txt', this run's is '\(root)/other.txt'"
            ], "\(other.err)")
        let foreign = try glassbox(["train", "charlm", "--data", root + "/corpus.txt", "--resume", "--out", out])
        #expect(foreign.status == 1)
        #expect(lines(foreign.err) == ["glassbox: train charlm: the checkpoint in '\(out)' is of model 'gpt', not 'charlm'"])
        #expect(try FileIO.readBytes(atPath: path) == saved)

        try FileIO.writeAtomically(Array(saved.prefix(saved.count - 100)), toPath: path)
        let truncated = try glassbox(["train", "gpt", "--data", root + "/corpus.txt", "--resume", "--out", out] + options)
        #expect(truncated.status == 1)
        #expect(lines(truncated.err).count == 1 && truncated.err.contains(path), "\(truncated.err)")
        #expect(try FileIO.readBytes(atPath: path) == Array(saved.prefix(saved.count - 100)))
    }
}
