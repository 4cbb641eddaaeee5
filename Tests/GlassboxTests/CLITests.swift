import Foundation
import Glassbox
import GlassboxIO
import Testing

/// The `glassbox` executable that `swift build`/`swift test` put next to the test bundle, if
/// there is one (tests cannot import an executable target, so they run it).
private let glassboxExecutable: String? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("glassbox").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}()

/// Runs `glassbox` with `arguments`; returns the exit status, stdout and stderr.
private func glassbox(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: glassboxExecutable!)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

private func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

@Suite(
    "glassbox command line",
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct CLITests {
    @Test("--help lists the implemented commands and exits 0")
    func help() throws {
        let r = try glassbox(["--help"])
        #expect(r.status == 0)
        #expect(r.err.isEmpty)
        for command in ["train", "bench", "reference", "compare", "golden", "inspect", "help"] { #expect(r.out.contains("\n  \(command) ")) }
        for missing in ["sample", "predict", "explain", "score"] {
            #expect(!r.out.contains("\n  \(missing) "), "help lists \(missing), which does not exist yet")
        }
        let train = try glassbox(["help", "train"])
        #expect(train.status == 0)
        for option in ["--epochs", "--batch-size", "--lr", "--seed", "--threads", "--metrics", "--data", "mlp"] {
            #expect(train.out.contains(option))
        }
        #expect(try glassbox(["train", "--help"]).out == train.out)
        #expect(try glassbox(["help", "bench"]).out.contains("gemm"))
    }

    @Test(
        "usage errors: one line on stderr, exit 2",
        arguments: [
            [], ["frobnicate"], ["--bogus"], ["help", "frobnicate"], ["train"], ["train", "nope"],
            ["train", "mlp", "--bogus"], ["train", "mlp", "--epochs"], ["train", "mlp", "--epochs", "0"],
            ["train", "mlp", "--epochs=two"], ["train", "mlp", "--lr", "-1"], ["train", "mlp", "--seed", "x"],
            ["train", "mlp", "--threads", "0"], ["train", "mlp", "--epochs", "1", "--epochs", "2"],
            ["train", "mlp", "extra"], ["bench"], ["bench", "nope"], ["bench", "gemm", "--size", "big"],
            ["bench", "gemm", "--json=yes"],
        ])
    func usageErrors(arguments: [String]) throws {
        let r = try glassbox(arguments)
        #expect(r.status == 2)
        #expect(r.out.isEmpty)
        if !arguments.isEmpty {  // bare `glassbox` prints the help to stderr
            #expect(lines(r.err).count == 1, "\(r.err)")
            #expect(r.err.hasPrefix("glassbox: "))
        }
    }

    @Test("a missing data file is one line on stderr, exit 1")
    func missingData() throws {
        let r = try glassbox(["train", "mlp", "--data", "/nonexistent/digits.csv"])
        #expect(r.status == 1)
        #expect(lines(r.err) == ["glassbox: train mlp: cannot load the digits: /nonexistent/digits.csv: no such file"])
    }

    @Test("train mlp on a small CSV: summary line, progress on stderr, metrics JSON")
    func trainSmall() throws {
        // 100 samples of the real digits, written back as CSV (pixels are multiples of 1/16).
        let all = try Digits.loadAll().subset(Array(0..<100))
        let pixels = all.features.scalars
        let csv = (0..<all.count).map { i in
            (0..<64).map { String(Int(pixels[i * 64 + $0] * 16)) }.joined(separator: ",") + ",\(all.labels.indices[i])"
        }.joined(separator: "\n") + "\n"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileIO.writeAtomically(Array(csv.utf8), toPath: directory + "/small.csv")

        let metrics = directory + "/metrics.json"
        let r = try glassbox([
            "train", "mlp", "--data", directory + "/small.csv", "--epochs", "2", "--batch-size=16", "--lr", "0.01",
            "--seed", "3", "--threads", "1", "--metrics", metrics,
        ])
        #expect(r.status == 0, "\(r.err)")
        #expect(lines(r.out).count == 1)
        #expect(r.out.hasPrefix("mlp: test accuracy "))
        #expect(r.err.contains("epoch 2/2"))
        #expect(r.err.contains("loss "))

        let json = try JSONValue(parsing: FileIO.readBytes(atPath: metrics))
        #expect(json["model"]?.stringValue == "mlp")
        #expect(json["epochs"]?.integerValue == 2)
        #expect(json["batch_size"]?.integerValue == 16)
        #expect(json["seed"]?.integerValue == 3)
        #expect(json["threads"]?.integerValue == 1)
        #expect(json["train_samples"]?.integerValue == 80)
        #expect(json["test_samples"]?.integerValue == 20)
        for key in ["seconds", "samples_per_second", "test_accuracy", "final_loss"] {
            #expect(json[key]?.doubleValue != nil, "\(key) missing")
        }
        #expect(json["epoch_losses"]?.arrayValue?.count == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(leftovers == ["metrics.json", "small.csv"])

        let unwritable = try glassbox([
            "train", "mlp", "--data", directory + "/small.csv", "--epochs", "1", "--metrics", directory + "/no/such/dir/m.json",
        ])
        #expect(unwritable.status == 1)
        #expect(lines(unwritable.err).count == 1)
    }

    @Test("bench gemm runs")
    func benchGEMM() throws {
        let r = try glassbox(["bench", "gemm", "--size", "32", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(!r.out.isEmpty)
    }
}
