import GlassboxIO

/// The corpus `glassbox train charlm|gpt` reads when `--data` is not given (relative to the
/// working directory).
public let defaultCorpusPath = "../shared/data/shakespeare/shakespeare_1mb.txt"

/// The language models as ``TrainableModel``s.
var languageTrainableModels: [TrainableModel] {
    languageModels.map { recipe in
        TrainableModel(
            name: recipe.name,
            summary: recipe.summary + " on a text (--data FILE, default \(defaultCorpusPath))",
            defaults: recipe.defaults, options: recipe.dropout == nil ? languageModelOptions : languageModelOptions.union([.dropout]),
            train: { try trainLanguageModel(recipe, settings: $0) })
    }
}

/// The `train` options every language model takes.
private let languageModelOptions: Set<TrainOption> = [.out, .resume, .stopAfter, .minutes, .steps, .arch, .stepsPerEpoch]

/// About how many points the training curve has (one per epoch of ``LanguageModelTask``).
private let curvePoints = 20

/// Trains a character language model with ``LanguageModelTask`` through the ``Trainer``: an
/// epoch is one point of the training curve, `--steps-per-epoch` steps (default `ceil(steps /
/// 20)`, or 50 with `--minutes` alone), so `--steps N` runs N steps rounded up to whole epochs. After every epoch it saves
/// `model.safetensors` and `model.json` (the sizes and alphabet) and, with `--out DIR`, a
/// checkpoint; `--stop-after S` (steps, a multiple of the epoch) stops there and `--resume`
/// continues exactly (a time budget, depending on the machine's speed, does not). The final
/// figure is the validation loss (nats/char) on the whole validation part.
func trainLanguageModel(_ recipe: LanguageModelRecipe, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(recipe.name)"
    var settings = settings
    if settings.epochsGiven { throw TrainingSetupError.usage("\(command): give --steps N or --minutes M, not --epochs") }
    let givenSteps = settings.steps
    if let metadata = try takeResumedSettings(&settings, model: recipe.name, command: command) {
        settings.steps = givenSteps ?? metadata["steps"].flatMap(Int.init)
        settings.architecture = metadata["arch"].flatMap { $0.isEmpty ? nil : $0 }
        settings.dropout = metadata["dropout"].flatMap(Double.init)
        settings.stepsPerEpoch = metadata["steps_per_epoch"].flatMap(Int.init)
    }
    guard settings.steps != nil || settings.minutes != nil else {
        throw TrainingSetupError.usage("\(command): how long? give --steps N and/or --minutes M")
    }
    var sizes = try recipe.sizes(overriding: settings.architecture, command: command)
    let arch = recipe.architecture.map { "\($0.key)=\(sizes[$0.key]!)" }.joined(separator: ",")
    let interval = settings.stepsPerEpoch ?? settings.steps.map { Swift.max(1, ($0 + curvePoints - 1) / curvePoints) } ?? 50
    let epochs = settings.steps.map { ($0 + interval - 1) / interval } ?? Int.max / 2
    if let stop = settings.stopAfter, stop % interval != 0 {
        throw TrainingSetupError.usage("\(command): --stop-after counts steps and must be a multiple of the \(interval) steps between curve points")
    }
    try checkOutDirectory(settings, files: ["model.safetensors", LanguageModelRecipe.descriptionFile], command: command)
    let path = settings.dataPath ?? defaultCorpusPath
    guard FileIO.exists(atPath: path) else {
        throw TrainingSetupError.failure("\(command): no corpus at '\(path)' (give --data FILE)")
    }
    let corpus = try setupFailing(command) { try CharacterCorpus.load(path: path) }
    let context = sizes[recipe.contextKey]!
    guard corpus.validation.count > context else {
        throw TrainingSetupError.failure("\(command): '\(path)' is too short for windows of \(context + 1) characters")
    }
    sizes["vocab_size"] = corpus.vocabularySize

    let dropout = settings.dropout ?? recipe.dropout ?? 0
    var generator = RandomGenerator(seed: settings.seed)
    let model = recipe.make(sizes, dropout, &generator)
    let task = LanguageModelTask(
        model: model.module, logits: model.logits, corpus: corpus, windowLength: context, batchSize: settings.batchSize,
        learningRate: settings.learningRate, totalSteps: settings.steps.map { _ in epochs * interval },
        timeBudget: settings.minutes.map { $0 * 60 }, stepsPerEpoch: interval, generator: generator)
    let trainer = Trainer(task, epochs: epochs)
    trainer.identity = runIdentity(settings, model: recipe.name).merging(
        [
            "dataset": path, "arch": arch, "dropout": String(dropout), "steps": settings.steps.map(String.init) ?? "",
            "steps_per_epoch": String(interval),
        ]) { _, new in new }
    var run = settings
    run.epochs = epochs
    run.stopAfter = settings.stopAfter.map { $0 / interval }
    let records = try runTrainer(
        trainer, settings: run, command: command,
        onEpochEnd: { _ in
            guard let directory = settings.outDirectory else { return }
            try setupFailing("\(command): cannot save the model") {
                try recipe.save(model, sizes: sizes, alphabet: corpus.alphabet, to: directory)
            }
        },
        position: { "step \($0 * interval)" },
        progress: { event in if case .message(let line) = event { Console.err("\(command): \(line)") } })
    let validation = task.validationLoss(task.validationWindows)
    let seconds = records.map(\.seconds).reduce(0, +)
    let curve = JSONValue.array(trainer.history.map {
        .object(JSONObject([
            ("step", .integer(Int($0.metrics["step"] ?? 0))), ("seconds", .number($0.metrics["seconds"] ?? 0)),
            ("train_loss", .number($0.loss)), ("validation_loss", .number($0.metrics["validation_loss"] ?? .nan)),
        ]))
    })
    return TrainReport(
        dataset: path, trainSamples: corpus.training.count, testSamples: corpus.validation.count,
        parameterCount: model.module.parameterCount, seconds: seconds,
        samplesPerSecond: Double(records.map(\.samples).reduce(0, +) * context) / Swift.max(seconds, 1e-9),
        results: [
            TrainResult(
                key: "validation_loss", value: validation,
                text: "validation loss \(TextFormat.fixed(validation, decimals: 3)) nats/char")
        ],
        epochLosses: trainer.history.map(\.loss), epochsCompleted: task.stepCount, unit: "steps",
        extraMetrics: [
            ("context", .integer(context)),
            ("dropout", .number(dropout)),
            ("architecture", .object(JSONObject(sizes.keys.sorted().map { ($0, .integer(sizes[$0]!)) }))),
            ("curve", curve),
        ])
}
