import Foundation
import Glassbox
import GlassboxIO
import Testing

/// The files the error cases point at, in a fresh directory: good inputs (a LeNet checkpoint,
/// 16 MNIST test images, a reference case) and bad ones (text where a binary format is
/// expected, a truncated PNG, a directory, a file no one may read).
private struct Workspace {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-cli-errors-\(UUID())").path
        try FileIO.createDirectory(atPath: root + "/dir")
        try FileIO.writeAtomically(Array("hello\n".utf8), toPath: root + "/text.txt")
        try FileIO.writeAtomically(PNG.signature + [0, 0, 0, 13], toPath: root + "/truncated.png")
        try FileIO.writeAtomically(Array("secret\n".utf8), toPath: root + "/unreadable.bin")
        chmod(root + "/unreadable.bin", 0)
        try FileIO.createDirectory(atPath: root + "/data")
        try writeIDX(MNIST.embedded(split: .train), count: 16, prefix: "train", to: root + "/data")
        try writeIDX(MNIST.embedded(split: .test), count: 16, prefix: "t10k", to: root + "/data")

        // An untrained LeNet checkpoint, as `glassbox train lenet --out` writes it.
        var generator = RandomGenerator(seed: 0)
        let lenet: Sequential<Float> = makeLeNet5(generator: &generator)
        let metadata = ["model": "lenet", "dataset": "mnist", "normalization_mean": "0.13", "normalization_std": "0.31"]
        try Checkpoint(epoch: 1, metadata: metadata).save(model: lenet, optimizer: nil, to: root + "/checkpoint")
        try Checkpoint(epoch: 1, metadata: metadata).save(model: lenet, optimizer: nil, to: root + "/readonly")
        chmod(root + "/readonly", 0o555)
        try FileIO.createDirectory(atPath: root + "/weights-only")
        try lenet.save(to: root + "/weights-only/" + Checkpoint.fileName)

        // A reference case that runs (ReLU: no weights), and an output file from an earlier run.
        try FileIO.writeAtomically(Array(#"{"module": "ReLU"}"#.utf8), toPath: root + "/relu.json")
        try FileIO.writeAtomically(Array(#"{"module": 3}"#.utf8), toPath: root + "/bad-case.json")
        try Tensor<Double>.saveSafeTensors([], to: root + "/empty.safetensors")
        try Tensor<Double>.saveSafeTensors([("input", Tensor([-1, 2], shape: [2]))], to: root + "/inputs.safetensors")
        try FileIO.writeAtomically(Array("previous run".utf8), toPath: root + "/previous.safetensors")

        // An ONNX model y = Relu(x), x float [2], and inputs for it of the wrong name, dtype, shape.
        var relu = ONNXNode()
        relu.opType = "Relu"
        relu.name = "act"
        relu.inputs = ["x"]
        relu.outputs = ["y"]
        var model = ONNXModel()
        model.irVersion = 10
        model.opsetImports = [ONNXOperatorSetID(domain: "", version: 17)]
        model.graph.nodes = [relu]
        model.graph.inputs = [ONNXValueInfo(name: "x", type: .tensor(elementType: 1, shape: [.value(2)]))]
        model.graph.outputs = [ONNXValueInfo(name: "y", type: .tensor(elementType: 1, shape: nil))]
        try FileIO.writeAtomically(model.serialized(), toPath: root + "/relu.onnx")
        try SafeTensors(tensors: [("x", ArrayData(int64s: [1, 2], shape: [2]))]).write(to: root + "/x-i64.safetensors")
        try SafeTensors(tensors: [("x", ArrayData(floats: [1, 2, 3], shape: [3]))]).write(to: root + "/x-3.safetensors")
        try SafeTensors(tensors: [("x", ArrayData(floats: [1, 2], shape: [2])), ("grad_output", ArrayData(floats: [1], shape: [1]))])
            .write(to: root + "/x-bad-seed.safetensors")

        // A language-model description naming charlm, without sizes (as if damaged).
        try FileIO.createDirectory(atPath: root + "/lm")
        try FileIO.writeAtomically(Array(#"{"model": "charlm", "sizes": {}, "alphabet": []}"#.utf8), toPath: root + "/lm/model.json")
        // An untrained VAE, as `glassbox train vae --out` writes it.
        try FileIO.createDirectory(atPath: root + "/vae")
        try VAE<Float>(generator: &generator).save(to: root + "/vae/model.safetensors", metadata: ["model": "vae"])
        try FileIO.writeAtomically(Array(#"{"model": "vae", "hidden": "400", "latent": "20"}"#.utf8), toPath: root + "/vae/model.json")
    }

    /// `name` inside the workspace.
    func path(_ name: String) -> String { root + "/" + name }

    /// The paths of all files under the workspace, relative to it.
    func files() -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }

    func remove() {
        chmod(root + "/readonly", 0o755)
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// One wrong command line and what `glassbox` must answer.
private struct ErrorCase: CustomTestStringConvertible, Sendable {
    /// The arguments; `@name` stands for the workspace path of `name`.
    let arguments: [String]
    /// The exit status: 2 for a usage error, 1 for a failure.
    let status: Int32
    /// Text the one line on stderr must contain (`@name` as in ``arguments``).
    let message: String
    /// Whether the case depends on file permissions (run as an unprivileged user when the
    /// tests run as root, who may read and write anything).
    var needsPermissions = false

    var testDescription: String { "glassbox " + arguments.joined(separator: " ") }

    /// The command the case belongs to: `train mlp`, `bench`, `inspect`...
    var command: String {
        arguments.first == "train" && arguments.count > 1 && !arguments[1].hasPrefix("-")
            ? "train " + arguments[1] : arguments.first ?? ""
    }
}

private func usage(_ arguments: [String], _ message: String) -> ErrorCase {
    ErrorCase(arguments: arguments, status: 2, message: message)
}

private func failure(_ arguments: [String], _ message: String, needsPermissions: Bool = false) -> ErrorCase {
    ErrorCase(arguments: arguments, status: 1, message: message, needsPermissions: needsPermissions)
}

/// The error cases of the sequence-to-sequence models (a separate list: one expression with
/// the others is too much for the type checker).
private let sequenceModelErrorCases: [ErrorCase] =
    ["seq2seq", "transformer-seq2seq"].flatMap { (model: String) -> [ErrorCase] in
        [
            usage(["train", model, "--beam", "0"], "option '--beam' expects a positive integer, got '0'"),
            usage(["train", model, "--steps-per-epoch", "0"], "option '--steps-per-epoch' expects a positive integer, got '0'"),
            usage(["train", model, "--dataset", "mnist"], "option '--dataset' applies to cnn, lenet, vgg, seqmnist, vit, "),
            usage(["train", model, "--resume"], "train \(model): --resume needs --out DIR"),
            failure(["train", model, "--out", "@text.txt/run"], "@text.txt: cannot create directory: a file is in the way"),
            failure(["train", model, "--metrics", "@dir"], "cannot write metrics: @dir: is a directory"),
        ]
    }

/// Usage errors and failures of every command. None of them trains or computes for long: the
/// commands check their inputs and outputs before the work.
private let errorCases: [ErrorCase] =
    [
        usage(["frobnicate"], "unknown command 'frobnicate'"),
        usage(["--frobnicate"], "unknown option '--frobnicate'"),
        usage(["help", "frobnicate"], "help: unknown command 'frobnicate'"),
        usage(["help", "train", "extra"], "help: unexpected argument 'extra'"),

        usage(["train", "mlp", "--frobnicate"], "unknown option '--frobnicate'"),
        usage(["train", "mlp", "--batch-size"], "option '--batch-size' needs a value"),
        usage(["train", "mlp", "--lr", "fast"], "option '--lr' expects a positive number, got 'fast'"),
        usage(["train", "mlp", "--resume"], "train mlp: --resume needs --out DIR"),
        usage(["train", "mlp", "--minutes", "1"], "option '--minutes' applies to charlm, gpt, ddpm, not 'mlp'"),
        usage(["train", "mlp", "--beam", "4"], "option '--beam' applies to seq2seq, transformer-seq2seq, not 'mlp'"),
        usage(["train", "mlp", "--steps-per-epoch", "5"], "option '--steps-per-epoch' applies to seq2seq, transformer-seq2seq, charlm, gpt, not 'mlp'"),
        failure(["train", "mlp", "--data", "@missing.csv"], "@missing.csv: no such file"),
        failure(["train", "mlp", "--data", "@dir"], "@dir: is a directory"),
        failure(["train", "mlp", "--data", "@truncated.png"], "@truncated.png:1: column 1: expected a non-negative integer"),
        failure(["train", "mlp", "--data", "@unreadable.bin"], "@unreadable.bin: permission denied", needsPermissions: true),
        failure(["train", "mlp", "--metrics", "@text.txt/metrics.json"], "cannot write metrics: @text.txt/metrics.json"),
        failure(["train", "mlp", "--metrics", "@dir"], "cannot write metrics: @dir: is a directory"),
        failure(["train", "mlp", "--metrics", "@readonly/metrics.json"], "@readonly/metrics.json: permission denied", needsPermissions: true),
    ]
    + ["cnn", "lenet", "vgg", "seqmnist", "vit"].flatMap { model in
        [
            usage(["train", model, "--epochs", "-1"], "option '--epochs' expects a positive integer, got '-1'"),
            usage(["train", model, "--dataset", "cifar"], "unknown dataset 'cifar'"),
            usage(["train", model, "--validation-split", "1"], "option '--validation-split' expects a number in [0, 1)"),
            usage(["train", model, "--resume"], "--resume needs --out DIR"),
            failure(["train", model, "--data", "@missing"], "@missing: neither train-images-idx3-ubyte nor"),
            failure(["train", model, "--data", "@text.txt"], "@text.txt/train-images-idx3-ubyte: cannot open: Not a directory"),
            failure(["train", model, "--out", "@dir", "--resume"], "@dir/checkpoint.safetensors: no such file"),
            failure(["train", model, "--out", "@weights-only", "--resume"], "not a Glassbox checkpoint"),
            failure(["train", model, "--out", "@text.txt/run", "--data", "@data"], "@text.txt: cannot create directory: a file is in the way"),
            failure(
                ["train", model, "--out", "@readonly", "--data", "@data", "--epochs", "2"],
                "@readonly/checkpoint.safetensors: permission denied", needsPermissions: true),
        ]
    }
    + sequenceModelErrorCases
    + [
        failure(["train", "vgg", "--out", "@checkpoint", "--resume"], "is of model 'lenet', not 'vgg'"),

        usage(["train", "caption", "--resume"], "train caption: --resume needs --out DIR"),
        usage(["train", "caption", "--cell", "gru"], "option '--cell' applies to forecast, not 'caption'"),
        failure(["train", "caption", "--data", "@missing"], "train caption: @missing: neither train-images-idx3-ubyte nor"),
        failure(["train", "caption", "--data", "@text.txt"], "@text.txt/train-images-idx3-ubyte: cannot open: Not a directory"),
        usage(["train", "forecast", "--cell", "transformer"], "train forecast: unknown cell 'transformer' (one of: lstm, gru)"),
        usage(["train", "forecast", "--dataset", "mnist"], "option '--dataset' applies to cnn, lenet, vgg, seqmnist, vit, "),
        failure(["train", "forecast", "--data", "@missing"], "train forecast: cannot read the airline series: @missing/airline/Airline.csv: no such file"),
        failure(["train", "forecast", "--data", "@data"], "cannot read the airline series: @data/airline/Airline.csv: no such file"),

        usage(["predict", "--images", "@data/t10k-images-idx3-ubyte"], "predict: --checkpoint DIR is required"),
        usage(["predict", "--checkpoint", "@checkpoint", "--images", "@data/t10k-images-idx3-ubyte", "--top", "11"], "expects an integer in 1...10"),
        usage(["predict", "--checkpoint", "@checkpoint", "--frobnicate"], "unknown option '--frobnicate'"),
        failure(["predict", "--checkpoint", "@missing", "--images", "@data/t10k-images-idx3-ubyte"], "@missing/checkpoint.safetensors: no such file"),
        failure(["predict", "--checkpoint", "@weights-only", "--images", "@data/t10k-images-idx3-ubyte"], "not a Glassbox checkpoint"),
        failure(["predict", "--checkpoint", "@checkpoint", "--images", "@missing.idx"], "@missing.idx: no such file"),
        failure(["predict", "--checkpoint", "@checkpoint", "--images", "@text.txt"], "@text.txt: invalid IDX magic number"),
        failure(["predict", "--checkpoint", "@checkpoint", "--images", "@truncated.png"], "@truncated.png:"),
        failure(["predict", "--checkpoint", "@checkpoint", "--images", "@data/t10k-labels-idx1-ubyte"], "expected U8 [N, 28, 28]"),
        failure(["predict", "--checkpoint", "@checkpoint", "--images", "@unreadable.bin"], "@unreadable.bin: permission denied", needsPermissions: true),

        usage(["explain", "--checkpoint", "@checkpoint", "--index", "first", "--out", "@x.png"], "option '--index' expects a non-negative integer"),
        usage(["explain", "--checkpoint", "@checkpoint", "--index", "0"], "explain: --out FILE.png is required"),
        usage(["explain", "--checkpoint", "@checkpoint", "--index", "16", "--out", "@x.png", "--data", "@data"], "--index 16 is out of range"),
        failure(["explain", "--checkpoint", "@missing", "--index", "0", "--out", "@x.png"], "@missing/checkpoint.safetensors: no such file"),
        failure(["explain", "--checkpoint", "@checkpoint", "--index", "0", "--out", "@x.png", "--data", "@text.txt"], "Not a directory"),
        failure(["explain", "--checkpoint", "@checkpoint", "--index", "0", "--out", "@text.txt/x.png"], "@text.txt/x.png: cannot create a file in '@text.txt'"),
        failure(["explain", "--checkpoint", "@checkpoint", "--index", "0", "--out", "@dir"], "@dir: is a directory"),
        failure(["explain", "--checkpoint", "@checkpoint", "--index", "0", "--out", "@readonly/x.png"], "@readonly/x.png: permission denied", needsPermissions: true),

        usage(["bench"], "bench: which benchmark?"),
        usage(["bench", "sort"], "unknown benchmark 'sort'"),
        usage(["bench", "gemm", "--size", "huge"], "option '--size' expects an integer in 1...8192, got 'huge'"),
        usage(["bench", "gemm", "--size", "100000"], "option '--size' expects an integer in 1...8192, got '100000'"),
        usage(["bench", "cnn", "--seconds", "0"], "option '--seconds' expects a positive number"),
        usage(["bench", "cnn", "--batch-size", "1000000"], "option '--batch-size' expects an integer in 1...1024"),
        usage(["bench", "transformer", "--length", "0"], "option '--length' expects an integer in 1...4096"),
        usage(["bench", "gemm", "--json=yes"], "option '--json' is a flag and takes no value"),
        usage(["bench", "onnx", "--model"], "option '--model' needs a value"),
        failure(["bench", "onnx", "--model", "@missing.onnx"], "@missing.onnx: no such file"),
        failure(["bench", "onnx", "--model", "@text.txt"], "@text.txt: protobuf ModelProto: "),
        usage(["bench", "train"], "bench train: which model?"),
        usage(["bench", "train", "resnet"], "bench train: unknown model 'resnet'"),
        usage(["bench", "train", "mlp", "--steps", "0"], "option '--steps' expects an integer in 1...100000"),
        usage(["bench", "train", "mlp", "--warmup", "x"], "option '--warmup' expects an integer in 0...10000"),
        usage(["bench", "gemm", "mlp"], "bench gemm: unexpected argument 'mlp'"),

        usage(["reference", "--config", "@relu.json"], "option '--weights' is required"),
        usage(["reference", "--config", "@relu.json", "--frobnicate", "x"], "unknown option '--frobnicate'"),
        failure(
            ["reference", "--config", "@missing.json", "--weights", "@empty.safetensors", "--inputs", "@inputs.safetensors", "--out", "@previous.safetensors"],
            "@missing.json: no such file"),
        failure(
            ["reference", "--config", "@text.txt", "--weights", "@empty.safetensors", "--inputs", "@inputs.safetensors", "--out", "@previous.safetensors"],
            "@text.txt: unexpected character at byte 0"),
        failure(
            ["reference", "--config", "@bad-case.json", "--weights", "@empty.safetensors", "--inputs", "@inputs.safetensors", "--out", "@previous.safetensors"],
            "@bad-case.json: case: 'module' must be a string"),
        failure(
            ["reference", "--config", "@relu.json", "--weights", "@text.txt", "--inputs", "@inputs.safetensors", "--out", "@previous.safetensors"],
            "@text.txt: 6 bytes is too small for a safetensors file"),
        failure(
            ["reference", "--config", "@relu.json", "--weights", "@empty.safetensors", "--inputs", "@unreadable.bin", "--out", "@previous.safetensors"],
            "@unreadable.bin: permission denied", needsPermissions: true),
        failure(
            ["reference", "--config", "@relu.json", "--weights", "@empty.safetensors", "--inputs", "@inputs.safetensors", "--out", "@text.txt/y.safetensors"],
            "@text.txt/y.safetensors: cannot create a temporary file in '@text.txt'"),
        failure(
            ["reference", "--config", "@relu.json", "--weights", "@empty.safetensors", "--inputs", "@inputs.safetensors", "--out", "@dir"],
            "@dir: is a directory"),

        usage(["compare", "@empty.safetensors"], "compare: expects two files"),
        usage(["compare", "@empty.safetensors", "@empty.safetensors", "--atol", "-1"], "option '--atol' expects a non-negative number"),
        failure(["compare", "@missing.safetensors", "@empty.safetensors"], "@missing.safetensors: no such file"),
        failure(["compare", "@empty.safetensors", "@data/t10k-labels-idx1-ubyte"], "@data/t10k-labels-idx1-ubyte:"),
        failure(["compare", "@unreadable.bin", "@empty.safetensors"], "@unreadable.bin: permission denied", needsPermissions: true),

        usage(["golden"], "golden: which name?"),
        usage(["golden", "no-such-op", "--out", "@g.safetensors"], "unknown name 'no-such-op'"),
        usage(["golden", "mlp"], "option '--out' is required"),
        failure(["golden", "mlp", "--out", "@text.txt/g.safetensors"], "@text.txt/g.safetensors: cannot create a temporary file"),
        failure(["golden", "mlp", "--out", "@dir"], "@dir: is a directory"),
        failure(["golden", "mlp", "--out", "@readonly/g.safetensors"], "@readonly/g.safetensors: permission denied", needsPermissions: true),

        usage(["onnx"], "onnx: which subcommand? (test, run, inspect or export)"),
        usage(["onnx", "frobnicate", "@text.txt"], "onnx: unknown subcommand 'frobnicate'"),
        usage(["onnx", "export", "--out", "@x.onnx"], "onnx export: needs --checkpoint DIR and --out MODEL.onnx"),
        failure(["onnx", "inspect", "@missing.onnx"], "@missing.onnx: no such file"),
        failure(["onnx", "inspect", "@text.txt"], "@text.txt: protobuf ModelProto: "),
        failure(["onnx", "export", "--checkpoint", "@missing", "--out", "@x.onnx"], "onnx export: @missing/checkpoint.safetensors: no such file"),
        usage(["onnx", "run", "@relu.onnx", "--inputs", "@x-3.safetensors"], "onnx run: --inputs needs --out Y.safetensors"),
        usage(["onnx", "run", "@relu.onnx", "--inputs", "@x-3.safetensors", "--out", "@y.safetensors", "--dtype", "f16"], "onnx run: --dtype must be f32 or f64, got 'f16'"),
        usage(["onnx", "run", "@relu.onnx", "--input-dir", "@dir", "--out-dir", "@out", "--grad"], "onnx run: --grad and --dtype need --inputs X.safetensors --out Y.safetensors"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@missing.safetensors", "--out", "@y.safetensors"], "@missing.safetensors: no such file"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@inputs.safetensors", "--out", "@y.safetensors", "--grad"], "@inputs.safetensors: 'input' is not a graph input (inputs: x)"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@x-i64.safetensors", "--out", "@y.safetensors"], "@x-i64.safetensors: input 'x' is i64, the graph declares float"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@x-3.safetensors", "--out", "@y.safetensors", "--dtype", "f64"], "@x-3.safetensors: input 'x' has shape [3], the graph declares [2]"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@empty.safetensors", "--out", "@y.safetensors"], "graph input 'x' is missing"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@x-bad-seed.safetensors", "--out", "@y.safetensors", "--grad"], "grad_output has shape [1], output 0 'y' has [2]"),
        failure(["onnx", "run", "@relu.onnx", "--inputs", "@x-bad-seed.safetensors", "--out", "@dir"], "@dir: is a directory"),

        usage(["inspect"], "inspect: which file?"),
        usage(["inspect", "@text.txt", "@dir"], "unexpected argument '@dir'"),
        failure(["inspect", "@missing.npy"], "@missing.npy: no such file"),
        failure(["inspect", "@text.txt"], "@text.txt: unknown file type"),
        failure(["inspect", "@truncated.png"], "@truncated.png: unknown file type"),
        failure(["inspect", "@dir"], "@dir: is a directory"),
        failure(["inspect", "@unreadable.bin"], "@unreadable.bin: permission denied", needsPermissions: true),

        usage(["train", "autoencoder", "--arch", "rnn"], "train autoencoder: --arch expects mlp or conv, got 'rnn'"),
        usage(["train", "autoencoder", "--loss", "l1"], "train autoencoder: --loss expects bce or mse, got 'l1'"),
        usage(["train", "autoencoder", "--latent", "0"], "option '--latent' expects a positive integer, got '0'"),
        usage(["train", "autoencoder", "--resume"], "train autoencoder: --resume needs --out DIR"),
        failure(["train", "autoencoder", "--data", "@missing"], "@missing: neither train-images-idx3-ubyte nor"),
        failure(["train", "autoencoder", "--out", "@text.txt/run", "--data", "@data"], "@text.txt: cannot create directory: a file is in the way"),
        usage(["train", "vae", "--latent", "2"], "option '--latent' applies to autoencoder, not 'vae'"),
        usage(["train", "vae", "--dataset", "cifar"], "unknown dataset 'cifar'"),
        failure(["train", "vae", "--data", "@text.txt"], "@text.txt/train-images-idx3-ubyte: cannot open: Not a directory"),
        failure(["train", "vae", "--out", "@readonly/run", "--data", "@data"], "permission denied", needsPermissions: true),

        usage(["sample", "vae"], "sample: --checkpoint DIR is required"),
        usage(["sample", "vae", "--checkpoint", "@vae", "--scatter", "@x.svg"], "sample: option '--scatter' applies to autoencoder, not 'vae'"),
        usage(["sample", "vae", "--checkpoint", "@vae"], "sample vae: --out FILE.png or FILE.safetensors is required"),
        usage(["sample", "vae", "--checkpoint", "@vae", "--out", "@x.safetensors", "--interpolate"], "--interpolate draws a PNG grid"),
        usage(["sample", "autoencoder", "--checkpoint", "@vae"], "sample autoencoder: give --out FILE.png and/or --scatter FILE.svg"),
        failure(["sample", "vae", "--checkpoint", "@missing", "--out", "@x.png"], "@missing/model.json: no such file"),
        failure(["sample", "autoencoder", "--checkpoint", "@vae", "--out", "@x.png"], "'@vae/model.json' describes model 'vae', not 'autoencoder'"),
        failure(["sample", "vae", "--checkpoint", "@vae", "--out", "@text.txt/x.png"], "@text.txt/x.png: cannot create a temporary file in '@text.txt'"),
        usage(["train", "gan", "--arch", "conv"], "train gan: --arch expects minibatch or plain, got 'conv'"),
        usage(["train", "wgan", "--arch", "plain"], "option '--arch' applies to charlm, gpt, autoencoder, gan, ddpm, not 'wgan'"),
        usage(["train", "wgan-gp", "--batch-size", "1"], "train wgan-gp: --batch-size must be at least 2"),
        failure(["train", "gan", "--out", "@text.txt/run", "--data", "@data"], "@text.txt: cannot create directory: a file is in the way"),
        failure(["train", "wgan", "--data", "@text.txt"], "@text.txt/train-images-idx3-ubyte: cannot open: Not a directory"),
        failure(
            ["train", "wgan", "--data", "@data", "--batch-size", "4"],
            "train wgan: 16 training images make 4 batches of 4 an epoch, fewer than the 5 discriminator steps of one generator step"),
        failure(["train", "wgan-gp", "--data", "@missing"], "@missing: neither train-images-idx3-ubyte nor"),
        usage(["sample", "gan", "--checkpoint", "@vae"], "sample gan: --out FILE.png or FILE.safetensors is required"),
        usage(["sample", "wgan", "--checkpoint", "@vae", "--interpolate"], "sample: option '--interpolate' applies to vae, not 'wgan'"),
        failure(["sample", "wgan-gp", "--checkpoint", "@vae", "--out", "@x.png"], "'@vae/model.json' describes model 'vae', not 'wgan-gp'"),
        usage(["train", "ddpm", "--arch", "conv"], "train ddpm: --arch expects attention or plain, got 'conv'"),
        usage(["train", "ddpm", "--latent", "2"], "option '--latent' applies to autoencoder, not 'ddpm'"),
        usage(["train", "ddpm", "--minutes", "-1"], "option '--minutes' expects a positive number, got '-1'"),
        usage(["train", "ddpm", "--resume"], "train ddpm: --resume needs --out DIR"),
        failure(["train", "ddpm", "--out", "@dir", "--resume"], "@dir/checkpoint.safetensors: no such file"),
        failure(["train", "ddpm", "--out", "@checkpoint", "--resume"], "train ddpm: the checkpoint in '@checkpoint' is of model 'lenet', not 'ddpm'"),
        failure(["train", "ddpm", "--data", "@missing"], "@missing: neither train-images-idx3-ubyte nor"),
        failure(["train", "ddpm", "--out", "@text.txt/run", "--data", "@data"], "@text.txt: cannot create directory: a file is in the way"),
        usage(["sample", "ddpm", "--checkpoint", "@vae"], "sample ddpm: --out FILE.png or FILE.safetensors is required"),
        usage(["sample", "ddpm", "--checkpoint", "@vae", "--out", "@x.png", "--steps", "0"], "option '--steps' expects an integer in 1...1000, got '0'"),
        usage(["sample", "vae", "--checkpoint", "@vae", "--out", "@x.png", "--steps", "5"], "sample: option '--steps' applies to ddpm, not 'vae'"),
        failure(["sample", "ddpm", "--checkpoint", "@vae", "--out", "@x.png"], "'@vae/model.json' describes model 'vae', not 'ddpm'"),
        usage(["sample", "ddpm", "--checkpoint", "@vae", "--out", "@x.png", "--eta", "1"], "sample ddpm: --eta applies to DDIM sampling: give --steps N too"),
        usage(["sample", "ddpm", "--checkpoint", "@vae", "--out", "@x.png", "--steps", "5", "--eta", "-1"], "option '--eta' expects a non-negative number, got '-1'"),
        usage(["sample", "gan", "--checkpoint", "@vae", "--out", "@x.png", "--eta", "1"], "sample: option '--eta' applies to ddpm, not 'gan'"),

        usage(["score", "--classifier", "@checkpoint"], "score: --samples FILE is required"),
        usage(["score", "--samples", "@inputs.safetensors"], "score: --classifier DIR is required"),
        failure(["score", "--samples", "@inputs.safetensors", "--classifier", "@missing"], "@missing/checkpoint.safetensors: no such file"),
        failure(["score", "--samples", "@missing.safetensors", "--classifier", "@checkpoint"], "@missing.safetensors: no such file"),
        failure(["score", "--samples", "@empty.safetensors", "--classifier", "@checkpoint"], "score: '@empty.safetensors' holds no tensor"),
        failure(
            ["score", "--samples", "@inputs.safetensors", "--classifier", "@checkpoint"],
            "score: '@inputs.safetensors': tensor 'input' has shape [2], expected [N ≥ 2, 1, 28, 28]"),
    ]
    + languageModelErrorCases

/// The cases of `train charlm|gpt` and `sample`.
private let languageModelErrorCases: [ErrorCase] =
    ["charlm", "gpt"].flatMap { model -> [ErrorCase] in
        [
            usage(["train", model], "train \(model): how long? give --steps N and/or --minutes M"),
            usage(["train", model, "--epochs", "2"], "give --steps N or --minutes M, not --epochs"),
            usage(["train", model, "--minutes", "0"], "option '--minutes' expects a positive number, got '0'"),
            usage(["train", model, "--steps", "1", "--arch", "layers=2"], "--arch expects KEY=N,... with N > 0 and KEY one of"),
            usage(["train", model, "--steps", "1", "--resume"], "train \(model): --resume needs --out DIR"),
            usage(["train", model, "--steps", "1", "--steps-per-epoch", "0"], "option '--steps-per-epoch' expects a positive integer, got '0'"),
            usage(
                ["train", model, "--steps", "4", "--steps-per-epoch", "2", "--stop-after", "3"],
                "train \(model): --stop-after counts steps and must be a multiple of the 2 steps between curve points"),
            failure(["train", model, "--out", "@dir", "--resume"], "@dir/checkpoint.safetensors: no such file"),
            failure(["train", model, "--out", "@weights-only", "--resume"], "not a Glassbox checkpoint"),
            failure(["train", model, "--out", "@checkpoint", "--resume"], "is of model 'lenet', not '\(model)'"),
            failure(["train", model, "--steps", "1", "--data", "@missing.txt"], "train \(model): no corpus at '@missing.txt' (give --data FILE)"),
            failure(["train", model, "--steps", "1", "--data", "@text.txt"], "@text.txt: 6 characters are too few for a character corpus"),
            failure(["train", model, "--steps", "1", "--data", "@dir"], "@dir: is a directory"),
            failure(["train", model, "--steps", "1", "--out", "@text.txt/run"], "@text.txt: cannot create directory: a file is in the way"),
        ]
    }
    + [
        usage(["train", "charlm", "--steps", "1", "--dropout", "0.1"], "option '--dropout' applies to gpt, not 'charlm'"),
        usage(["train", "gpt", "--steps", "1", "--dropout", "1"], "option '--dropout' expects a probability in [0, 1), got '1'"),
        usage(["sample"], "sample: which model? (one of: charlm, gpt, autoencoder, vae, gan, wgan, wgan-gp, ddpm)"),
        usage(["sample", "unicorn", "--checkpoint", "@lm"], "sample: unknown model 'unicorn'"),
        usage(["sample", "gpt"], "sample: --checkpoint DIR is required"),
        usage(["sample", "charlm", "--checkpoint", "@lm", "--no-cache"], "option '--no-cache' applies to gpt, not 'charlm'"),
        usage(["sample", "gpt", "--checkpoint", "@lm", "--temperature", "0"], "option '--temperature' expects a positive number"),
        usage(["sample", "gpt", "--checkpoint", "@lm", "--top-k", "0"], "option '--top-k' expects a positive integer"),
        failure(["sample", "gpt", "--checkpoint", "@missing"], "@missing/model.json: no such file"),
        failure(["sample", "gpt", "--checkpoint", "@lm"], "@lm/model.json' describes model 'charlm', not 'gpt'"),
        failure(["sample", "charlm", "--checkpoint", "@lm"], "@lm/model.json' lacks the size 'embedding_dim'"),
        failure(["sample", "charlm", "--checkpoint", "@text.txt"], "@text.txt/model.json"),
    ]

/// A launcher under which file permissions apply: none for an ordinary user; for root (who
/// may read and write anything), `setpriv` switching to the user `nobody`, if installed.
private let permissionLauncher: [String]? = {
    guard getuid() == 0 else { return [] }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
    return setpriv.map { [$0, "--reuid=65534", "--regid=65534", "--clear-groups", "--"] }
}()

@Suite(
    "glassbox errors: one line on stderr, exit 2 for usage and 1 otherwise, outputs untouched",
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"))
struct CLIErrorTests {
    @Test("each case fails with its message, no stack trace, no output written")
    func errorCasesFail() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let filesBefore = workspace.files()
        let checkpointBefore = try FileIO.readBytes(atPath: workspace.path("checkpoint/" + Checkpoint.fileName))
        let readonlyBefore = try FileIO.readBytes(atPath: workspace.path("readonly/" + Checkpoint.fileName))
        func resolved(_ text: String) -> String { text.replacingOccurrences(of: "@", with: workspace.root + "/") }
        for errorCase in errorCases {
            var launcher: [String] = []
            if errorCase.needsPermissions {
                guard let permissionLauncher else { continue }  // root without setpriv: cannot test
                launcher = permissionLauncher
            }
            let r = try glassbox(errorCase.arguments.map(resolved), launcher: launcher)
            let description = errorCase.testDescription
            #expect(r.status == errorCase.status, "\(description): exit \(r.status)\n\(r.err)")
            #expect(r.out.isEmpty, "\(description): stdout \(r.out)")
            #expect(lines(r.err).count == 1, "\(description): stderr \(r.err)")
            #expect(r.err.hasPrefix("glassbox: "), "\(description): stderr \(r.err)")
            #expect(r.err.contains(resolved(errorCase.message)), "\(description): stderr \(r.err)")
        }
        // Nothing was written, not even a temporary file or an empty directory, and the
        // existing outputs kept their content.
        #expect(workspace.files() == filesBefore)
        #expect(try FileIO.readBytes(atPath: workspace.path("previous.safetensors")) == Array("previous run".utf8))
        #expect(try FileIO.readBytes(atPath: workspace.path("checkpoint/" + Checkpoint.fileName)) == checkpointBefore)
        #expect(try FileIO.readBytes(atPath: workspace.path("readonly/" + Checkpoint.fileName)) == readonlyBefore)
    }

    @Test("the cases cover every command and every trainable model, with usage errors and failures")
    func casesCoverEveryCommand() throws {
        let help = try glassbox(["--help"]).out
        let commandList = help.components(separatedBy: "Commands:\n")[1].components(separatedBy: "\n\n")[0]
        let commands = lines(commandList).map { String($0.split(separator: " ")[0]) }
        let modelList = try glassbox(["help", "train"]).out.components(separatedBy: "Models:\n")[1].components(separatedBy: "\n\n")[0]
        let models = lines(modelList)
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .map { String($0.split(separator: " ")[0]) }
        #expect(commands.count >= 9 && models.count >= 4, "\(commands) \(models)")
        // Commands that read or write files have failures (exit 1) besides usage errors.
        let fileless: Set = ["bench", "help"]
        for name in commands.filter({ $0 != "train" }) + models.map({ "train " + $0 }) {
            let cases = errorCases.filter { $0.command == name }
            #expect(cases.contains { $0.status == 2 }, "no usage error case for '\(name)'")
            if !fileless.contains(name) {
                #expect(cases.contains { $0.status == 1 }, "no failure case for '\(name)'")
            }
        }
    }

    @Test(
        "the permission cases run where permissions apply, and the workspace is readable there",
        .enabled(if: permissionLauncher != nil, "running as root without setpriv: permission cases are skipped"))
    func permissionsApply() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let r = try glassbox(["inspect", workspace.path("data/t10k-labels-idx1-ubyte")], launcher: permissionLauncher!)
        #expect(r.status == 0, "the unprivileged user cannot read the workspace: \(r.err)")
    }
}
