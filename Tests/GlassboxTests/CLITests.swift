import Foundation
import Glassbox
import GlassboxIO
import Testing

/// The `glassbox` executable that `swift build`/`swift test` put next to the test bundle, if
/// there is one (tests cannot import an executable target, so they run it).
let glassboxExecutable: String? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("glassbox").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}()

/// Runs `glassbox` with `arguments`; returns the exit status, stdout and stderr. With a
/// `launcher` (such as `["/usr/bin/setpriv", "--reuid=65534", ...]`), runs
/// `launcher + [glassbox] + arguments` instead.
func glassbox(_ arguments: [String], launcher: [String] = []) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    let command = launcher + [glassboxExecutable!] + arguments
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes at once: a child that fills one pipe (a long progress log on stderr)
    // while the other is being drained would otherwise block forever.
    let errData = DrainedPipe(err)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.wait(), as: UTF8.self))
}

/// The whole content of a pipe, read on a background thread until end of file.
private final class DrainedPipe: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Waits for end of file and returns what was read.
    func wait() -> Data {
        done.wait()
        return data
    }
}

func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

@Suite(
    "glassbox command line",
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct CLITests {
    @Test("--help lists the implemented commands and exits 0")
    func help() throws {
        let r = try glassbox(["--help"])
        #expect(r.status == 0)
        #expect(r.err.isEmpty)
        for command in ["train", "sample", "score", "predict", "explain", "bench", "reference", "compare", "golden", "inspect", "help"] {
            #expect(r.out.contains("\n  \(command) "))
        }
        let train = try glassbox(["help", "train"])
        #expect(train.status == 0)
        for option in ["--epochs", "--batch-size", "--lr", "--seed", "--threads", "--metrics", "--data", "mlp", "cnn", "lenet", "vgg", "charlm", "gpt", "--out", "--resume", "--minutes"] {
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

    @Test("bench train mlp: the recipe's steps timed, one JSON object last, the profile on stderr")
    func benchTrain() throws {
        let r = try glassbox(["bench", "train", "mlp", "--steps", "20", "--warmup", "1", "--threads", "1", "--profile", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let json = try JSONValue(parsing: Array((lines(r.out).last ?? "").utf8))
        #expect(json["model"]?.stringValue == "mlp" && json["steps"]?.doubleValue == 20 && json["threads"]?.doubleValue == 1)
        // Seconds and steps/s are printed to 6 decimals: their product is 20 within rounding.
        let seconds = json["seconds"]?.doubleValue ?? 0, rate = json["steps_per_second"]?.doubleValue ?? 0
        #expect(seconds > 0 && abs(rate * seconds / 20 - 1) < 0.01, "\(r.out)")
        // The recipe's batch of 16 digits a step.
        #expect(abs((json["samples_per_second"]?.doubleValue ?? 0) - 16 * rate) < 0.05 * 16 * rate, "\(r.out)")
        #expect(json["configuration"]?.stringValue != nil && (json["peak_rss_mb"]?.doubleValue ?? 0) > 0)
        #expect(r.err.contains("forward linear") && r.err.contains("backward linear") && r.err.contains("optimizer"), "\(r.err)")
    }
}

/// `Tests/Fixtures` and `Tests/GlassboxIOTests/Fixtures`.
private let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path

@Suite(
    "glassbox reference, compare, golden, inspect",
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct ReferenceCLITests {
    private let linear = testsFolder + "/Fixtures/reference/linear_5_3_f64"

    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func referenceArguments(weights: String? = nil, out: String) -> [String] {
        [
            "reference", "--config", linear + "/case.json", "--weights", weights ?? linear + "/weights.safetensors",
            "--inputs", linear + "/inputs.safetensors", "--out", out,
        ]
    }

    @Test("reference writes output and gradients that compare equal to PyTorch's; compare exits 0")
    func referenceAndCompare() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try glassbox(referenceArguments(out: directory + "/y.safetensors"))
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.isEmpty && r.err.isEmpty)
        let c = try glassbox(["compare", directory + "/y.safetensors", linear + "/expected.safetensors", "--rtol", "1e-9", "--atol=1e-12"])
        #expect(c.status == 0, "\(c.out)")
        #expect(lines(c.out).count == 5)
        #expect(c.out.contains("PASS  grad.weight"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["y.safetensors"])

        // Against the inputs file: different names → exit 1.
        let different = try glassbox(["compare", directory + "/y.safetensors", linear + "/inputs.safetensors"])
        #expect(different.status == 1)
        #expect(lines(different.out).contains { $0.hasPrefix("FAIL  output ") && $0.hasSuffix("only in the first file") })
    }

    @Test("reference errors: one line on stderr naming the entry, exit 1; usage errors exit 2")
    func referenceErrors() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A weights file without `bias`.
        let full = try SafeTensors(contentsOf: linear + "/weights.safetensors")
        try SafeTensors(tensors: full.tensors.filter { $0.name != "bias" }).write(to: directory + "/w.safetensors")
        let missing = try glassbox(referenceArguments(weights: directory + "/w.safetensors", out: directory + "/y.safetensors"))
        #expect(missing.status == 1)
        #expect(lines(missing.err) == ["glassbox: reference: weights: missing entry 'bias'"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/y.safetensors"))

        try FileIO.writeAtomically(Array(#"{"module": "Conv9d", "args": {}}"#.utf8), toPath: directory + "/case.json")
        let unknown = try glassbox([
            "reference", "--config", directory + "/case.json", "--weights", linear + "/weights.safetensors",
            "--inputs", linear + "/inputs.safetensors", "--out", directory + "/y.safetensors",
        ])
        #expect(unknown.status == 1)
        #expect(lines(unknown.err).count == 1)
        #expect(unknown.err.hasPrefix("glassbox: reference: unknown module 'Conv9d'"))

        let usage = try glassbox(["reference", "--config", linear + "/case.json"])
        #expect(usage.status == 2)
        #expect(lines(usage.err).count == 1)
        #expect(try glassbox(["compare", "only-one.safetensors"]).status == 2)
        #expect(try glassbox(["compare", "a", "b", "--rtol", "-1"]).status == 2)
        let absent = try glassbox(["compare", "/nonexistent/a.safetensors", linear + "/expected.safetensors"])
        #expect(absent.status == 1)
        #expect(lines(absent.err).count == 1)
    }

    @Test("golden --list, golden NAME --out, unknown name")
    func golden() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let list = try glassbox(["golden", "--list"])
        #expect(list.status == 0)
        #expect(lines(list.out).first == "mlp")
        #expect(lines(list.out).count == Golden.names.count)
        let r = try glassbox(["golden", "mlp", "--out", directory + "/mlp.safetensors"])
        #expect(r.status == 0, "\(r.err)")
        let file = try SafeTensors(contentsOf: directory + "/mlp.safetensors")
        #expect(file.metadata["name"] == "mlp")
        #expect(file["grad.fc1.weight"]?.shape == [128, 64])
        let op = String(lines(list.out)[1])
        #expect(try glassbox(["golden", op, "--out", directory + "/op.safetensors"]).status == 0)
        #expect(try glassbox(["golden", "nope", "--out", directory + "/x.safetensors"]).status == 2)
        #expect(try glassbox(["golden", "mlp"]).status == 2)
    }

    @Test("reference --list-modules prints the registry, one a line")
    func listModules() throws {
        let list = try glassbox(["reference", "--list-modules"])
        #expect(list.status == 0)
        #expect(lines(list.out).map(String.init) == ReferenceRegistry.moduleNames)
        #expect(try glassbox(["reference", "--list-modules", "--out", "x.safetensors"]).status == 2)
    }

    @Test("inspect safetensors, npy, npz, IDX and gzip IDX; unknown type exits 1")
    func inspect() throws {
        let safetensors = try glassbox(["inspect", linear + "/inputs.safetensors"])
        #expect(safetensors.status == 0, "\(safetensors.err)")
        #expect(safetensors.out.contains("safetensors, 2 tensors"))
        #expect(safetensors.out.contains("input        F64  [4, 5]  min "))
        let io = testsFolder + "/GlassboxIOTests/Fixtures"
        for (file, format) in [
            ("f8.npy", "npy"), ("images-idx3-ubyte", "idx,"), ("images-idx3-ubyte.gz", "idx (gzip)"),
        ] {
            let r = try glassbox(["inspect", io + "/" + file])
            #expect(r.status == 0, "\(file): \(r.err)")
            #expect(r.out.contains(": \(format)"), "\(file): \(r.out)")
        }
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try NPZ(arrays: [("a", ArrayData(doubles: [1, 2, 3], shape: [3])), ("b", ArrayData(int64s: [4], shape: [1]))])
            .write(to: directory + "/x.npz")
        let npz = try glassbox(["inspect", directory + "/x.npz"])
        #expect(npz.status == 0, "\(npz.err)")
        #expect(npz.out.contains("a  F64  [3]  min 1  max 3  mean 2"))
        try FileIO.writeAtomically(Array("hello, world".utf8), toPath: directory + "/x.txt")
        let unknown = try glassbox(["inspect", directory + "/x.txt"])
        #expect(unknown.status == 1)
        #expect(lines(unknown.err).count == 1)
        #expect(unknown.err.contains("unknown file type"))
    }
}
