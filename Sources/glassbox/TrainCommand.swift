import Glassbox
import GlassboxIO
import GlassboxKernels

/// `glassbox train MODEL [options]`.
let trainCommand = Command(
    name: "train",
    summary: "Train a reference model on its dataset (mlp, cnn, vit, seq2seq, gpt, vae, gan, ...; see help train)",
    usage: [
        "train MODEL [--epochs N] [--batch-size N] [--lr RATE] [--seed N] [--threads N] [--metrics FILE] [--data PATH] [--out DIR [--resume] [--stop-after N]]",
        "train cnn|lenet|vgg [--data DIR [--dataset mnist|fashion-mnist]] [--validation-split F] [--out DIR [--resume] [--stop-after N]] [...]",
        "train seq2seq|transformer-seq2seq [--out DIR] [--beam N] [--steps-per-epoch N] [...]",
        "train forecast [--data DIR] [--cell lstm|gru] [...]",
        "train charlm|gpt [--data FILE] (--minutes M | --steps N) [--arch KEY=N,...] [--dropout P] [--steps-per-epoch N] [--out DIR [--resume] [--stop-after STEPS]] [...]",
        "train autoencoder|vae [--data DIR] [--arch mlp|conv] [--latent N] [--loss bce|mse] [--out DIR] [...]",
        "train gan|wgan|wgan-gp [--data DIR [--dataset mnist|fashion-mnist]] [--arch minibatch|plain] [--out DIR] [...]",
        "train ddpm [--data DIR [--dataset mnist|fashion-mnist]] [--arch attention|plain] [--minutes M] [--out DIR [--resume] [--stop-after N]] [...]",
    ],
    details: "Trains MODEL, shows a progress bar on stderr and prints a one-line summary.\n\nModels:\n"
        + trainableModels.map {
            "  \($0.name)  \($0.summary)\n"
                + "       defaults: \($0.options.contains(.steps) ? "" : "--epochs \($0.defaults.epochs) ")--batch-size \($0.defaults.batchSize) "
                + "--lr \($0.defaults.learningRate) --seed \($0.defaults.seed)"
        }.joined(separator: "\n"),
    options: [
        .value("epochs", "N", "Passes over the training set."),
        .value("batch-size", "N", "Samples per optimizer step."),
        .value("lr", "RATE", "Learning rate."),
        .value("seed", "N", "Seed of weight initialisation and shuffling."),
        .value("threads", "N", "Threads the kernels may use (default: GLASSBOX_THREADS or all cores)."),
        .value("metrics", "FILE", "Also write the results as a JSON object to FILE (atomically)."),
        .value("data", "PATH", "Read the dataset from PATH instead of the embedded copy (a directory of IDX files for image models)."),
        .value("dataset", "NAME", "What --data holds for image models: mnist (default) or fashion-mnist."),
        .value("validation-split", "F", "Hold out the last fraction F of the training set for validation (image models)."),
        .value("out", "DIR", "Save the final weights as DIR/model.safetensors and a checkpoint after every epoch (language models: every point of the curve)."),
        .flag("resume", "Continue the run checkpointed in --out DIR with its settings (--epochs sets a new total)."),
        .value("stop-after", "N", "Stop after epoch N of the run (language models: after step N, a multiple of the steps between curve points); --resume continues it exactly."),
        .value("steps-per-epoch", "N", "Optimizer steps in an epoch: of fresh numbers (seq2seq, transformer-seq2seq; default 500), between curve points and checkpoints (language models; default a twentieth of --steps)."),
        .value("beam", "N", "Beam width of the final evaluation of sequence-to-sequence models (default 4; 1: greedy only)."),
        .value("cell", "lstm|gru", "The forecaster's recurrent layer (forecast; default lstm)."),
        .value("minutes", "M", "Train for M minutes of training time (language models, with --steps whichever ends first; ddpm, within --epochs)."),
        .value("steps", "N", "Train for N optimizer steps (language models)."),
        .value("arch", "KEY=N,...", "Override architecture sizes, e.g. n_layer=6,n_embd=192 (language models); mlp or conv (autoencoder); minibatch or plain (gan); attention or plain (ddpm)."),
        .value("dropout", "P", "The dropout probability in [0, 1) while training (gpt; default 0.1)."),
        .value("latent", "N", "The latent dimension (autoencoder; 2 allows 'glassbox sample autoencoder --scatter')."),
        .value("loss", "NAME", "The reconstruction loss: bce (default) or mse (autoencoder)."),
    ],
    maxPositionals: 1,
    run: runTrain)

private func runTrain(_ arguments: ParsedArguments) throws -> Int32 {
    let names = trainableModels.map(\.name).joined(separator: ", ")
    guard let name = arguments.positionals.first else {
        throw CLIError.usage("train: which model? (one of: \(names))")
    }
    guard let model = trainableModels.first(where: { $0.name == name }) else {
        throw CLIError.usage("train: unknown model '\(name)' (one of: \(names))")
    }
    var settings = model.defaults
    settings.epochsGiven = arguments.has("epochs")
    settings.epochs = try arguments.int("epochs") ?? settings.epochs
    settings.batchSize = try arguments.int("batch-size") ?? settings.batchSize
    settings.learningRate = try arguments.positiveDouble("lr") ?? settings.learningRate
    settings.seed = try arguments.uint64("seed") ?? settings.seed
    settings.dataPath = try arguments.string("data")
    settings.datasetName = try arguments.string("dataset")
    settings.outDirectory = try arguments.string("out")
    settings.resume = arguments.flag("resume")
    settings.stopAfter = try arguments.int("stop-after")
    settings.beamWidth = try arguments.int("beam") ?? settings.beamWidth
    settings.stepsPerEpoch = try arguments.int("steps-per-epoch")
    settings.cellName = try arguments.string("cell")
    settings.minutes = try arguments.positiveDouble("minutes")
    settings.steps = try arguments.int("steps")
    settings.architecture = try arguments.string("arch")
    settings.latentSize = try arguments.int("latent")
    settings.lossName = try arguments.string("loss")
    if let raw = try arguments.string("dropout") {
        guard let p = Double(raw), p >= 0, p < 1 else {
            throw CLIError.usage("train: option '--dropout' expects a probability in [0, 1), got '\(raw)'")
        }
        settings.dropout = p
    }
    if let raw = try arguments.string("validation-split") {
        guard let fraction = Double(raw), fraction >= 0, fraction < 1 else {
            throw CLIError.usage("train: option '--validation-split' expects a number in [0, 1), got '\(raw)'")
        }
        settings.validationSplit = fraction
    }
    if let option = TrainOption.allCases.first(where: { !model.options.contains($0) && (arguments.has($0.rawValue) || arguments.flag($0.rawValue)) }) {
        let accepting = trainableModels.filter { $0.options.contains(option) }.map(\.name)
        throw CLIError.usage(
            "train: option '--\(option.rawValue)' applies to \(accepting.joined(separator: ", ")), not '\(name)'")
    }
    if let threads = try arguments.int("threads") { Threading.threadCount = threads }
    let metricsPath = try arguments.string("metrics")
    if let metricsPath {
        // Fail now rather than after a long training run.
        do {
            try FileIO.checkWritable(path: metricsPath)
        } catch {
            throw CLIError.failure("train: cannot write metrics: \(error)")
        }
    }

    let report = try model.train(settings)

    Console.out(report.summary(model: model.name))
    if let metricsPath {
        let metrics = report.metrics(model: model.name, settings: settings)
        do {
            try FileIO.writeAtomically(Array((JSONValue.object(metrics).serialized() + "\n").utf8), toPath: metricsPath)
        } catch {
            throw CLIError.failure("train: cannot write metrics: \(error)")
        }
    }
    return 0
}

