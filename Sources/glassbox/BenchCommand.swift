/// A benchmark `glassbox bench NAME` can run.
struct Benchmark: Sendable {
    /// The name given after `bench`.
    let name: String
    /// One line of help.
    let summary: String
    /// Runs it with the parsed options; returns the exit status.
    let run: @Sendable (ParsedArguments) throws -> Int32
}

/// The benchmarks, in help order. A new benchmark adds one entry.
let benchmarks: [Benchmark] = [
    Benchmark(
        name: "gemm", summary: "single-precision N×N matrix multiply, in GFLOP/s",
        run: { arguments in
            let size = try arguments.int("size", in: 1...8192) ?? 1024
            let threads = try arguments.int("threads")
            return runGEMMBenchmark(size: size, threads: threads, json: arguments.flag("json"))
        }),
    Benchmark(
        name: "cnn", summary: "one Adam training step of the seed CNN (batch 64, 28x28), in images/s",
        run: { arguments in
            let batchSize = try arguments.int("batch-size", in: 1...1024) ?? 64
            let seconds = try arguments.positiveDouble("seconds") ?? 3
            let threads = try arguments.int("threads")
            return runCNNBenchmark(batchSize: batchSize, seconds: seconds, threads: threads, json: arguments.flag("json"))
        }),
    sequenceBenchmark(.transformer, summary: "forward+backward of one encoder layer (d_model 128, 4 heads, ff 512; batch 32 x 64 tokens), in sequences/s", length: 64),
    sequenceBenchmark(.lstm, summary: "forward+backward of the seed LSTM (100 -> 256, 2 layers; batch 32 x 50 steps), in sequences/s", length: 50),
    Benchmark(
        name: "train", summary: "steady-state optimizer steps/s of a `glassbox train` recipe (bench train MODEL), as torch_train.py times PyTorch's",
        run: runTrainBenchmark),
    Benchmark(
        name: "onnx", summary: "ONNX inference on Glassbox's runtime: the exported seed CNN (batch 64) or --model FILE, in ms per batch",
        run: { arguments in
            let batchSize = try arguments.int("batch-size", in: 1...1024) ?? 64
            let seconds = try arguments.positiveDouble("seconds") ?? 3
            let threads = try arguments.int("threads")
            return try runONNXBenchmark(
                model: try arguments.string("model"), out: try arguments.string("out"), batchSize: batchSize, seconds: seconds,
                threads: threads, plain: arguments.flag("plain"), json: arguments.flag("json"))
        }),
]

/// The ``Benchmark`` entry of a sequence layer, `length` steps by default.
private func sequenceBenchmark(_ benchmark: SequenceBenchmark, summary: String, length: Int) -> Benchmark {
    Benchmark(
        name: benchmark.name, summary: summary,
        run: { arguments in
            let batchSize = try arguments.int("batch-size", in: 1...1024) ?? 32
            let steps = try arguments.int("length", in: 1...4096) ?? length
            let seconds = try arguments.positiveDouble("seconds") ?? 3
            let threads = try arguments.int("threads")
            return benchmark.run(
                batchSize: batchSize, length: steps, seconds: seconds, threads: threads, json: arguments.flag("json"),
                profiled: arguments.flag("profile"))
        })
}

/// `glassbox bench NAME [options]`.
let benchCommand = Command(
    name: "bench",
    summary: "Run a benchmark (gemm, cnn, transformer, lstm, train MODEL, onnx)",
    usage: ["bench gemm [--size N] [--threads N] [--json]", "bench cnn [--batch-size N] [--seconds S] [--threads N] [--json]",
        "bench transformer|lstm [--batch-size N] [--length N] [--seconds S] [--threads N] [--profile] [--json]",
        "bench onnx [--model FILE | --out FILE] [--batch-size N] [--seconds S] [--threads N] [--plain] [--json]",
        "bench train MODEL [--steps N] [--warmup N] [--threads N] [--profile] [--json]",
    ],
    details: "Benchmarks:\n"
        + benchmarks.map { "  \($0.name)  \($0.summary)" }.joined(separator: "\n"),
    options: [
        .value("size", "N", "Matrix size, at most 8192 (gemm; default 1024)."),
        .value("batch-size", "N", "Images (cnn, onnx; at most 1024, default 64) or sequences (transformer, lstm; at most 1024, default 32) per step; onnx: every symbolic input dimension."),
        .value("length", "N", "Steps per sequence, at most 4096 (transformer: default 64; lstm: default 50)."),
        .value("seconds", "S", "Seconds of timed steps (cnn, transformer, lstm; default 3)."),
        .value("threads", "N", "Threads the kernels may use (default: GLASSBOX_THREADS or all cores)."),
        .value("model", "FILE", "onnx: the ONNX model to run (default: the seed CNN, exported in memory)."),
        .value("out", "FILE", "onnx: write the exported seed CNN there (for Scripts/bench_onnx.py)."),
        .flag("plain", "onnx: also time one run on the plain executor (the Double reference path)."),
        .value("steps", "N", "train: timed optimizer steps (default: as many as fill about 3 s)."),
        .value("warmup", "N", "train: untimed steps first (default 3)."),
        .flag("profile", "train, transformer, lstm: print where the timed steps went (top ops forward and backward, optimizer, data) on stderr."),
        .flag("json", "Print one JSON object instead of text."),
    ],
    maxPositionals: 2,
    run: { arguments in
        let names = benchmarks.map(\.name).joined(separator: ", ")
        guard let name = arguments.positionals.first else {
            throw CLIError.usage("bench: which benchmark? (one of: \(names))")
        }
        guard let benchmark = benchmarks.first(where: { $0.name == name }) else {
            throw CLIError.usage("bench: unknown benchmark '\(name)' (one of: \(names))")
        }
        if name != "train" && arguments.positionals.count > 1 {
            throw CLIError.usage("bench \(name): unexpected argument '\(arguments.positionals[1])'")
        }
        return try benchmark.run(arguments)
    })
