import Glassbox
import GlassboxIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The corpus `glassbox train charlm|gpt` reads when `--data` is not given (relative to the
/// working directory).
let defaultCorpusPath = "../shared/data/shakespeare/shakespeare_1mb.txt"

/// The language models as ``TrainableModel``s.
var languageTrainableModels: [TrainableModel] {
    languageModels.map { recipe in
        TrainableModel(
            name: recipe.name,
            summary: recipe.summary + " on a text (--data FILE, default \(defaultCorpusPath))",
            defaults: recipe.defaults, options: recipe.dropout == nil ? [.out, .minutes, .steps, .arch] : [.out, .minutes, .steps, .arch, .dropout],
            train: { try trainLanguageModel(recipe, settings: $0) })
    }
}

/// One point of a training curve.
private struct CurvePoint {
    let step: Int
    let seconds: Double
    let trainLoss: Double
    let validationLoss: Double
}

/// Steps of learning-rate warm-up.
private let warmupSteps = 100
/// Validation windows evaluated at each point of the curve (the final figure uses all of them).
private let curveWindows = 128

/// Trains a character language model on random windows of the corpus (dropout, if the model has
/// it, in training mode only): Adam (β₂ 0.99),
/// cross-entropy over every position, gradient norm clipped to 1, a linear warm-up over
/// ``warmupSteps`` steps then a cosine decay to a tenth of the rate over the run (over the
/// time budget with `--minutes`, over the steps with `--steps`). The validation loss
/// (nats/char) on the first ``curveWindows`` validation windows is recorded about twenty times
/// (every tenth of `--steps`, or every twentieth of `--minutes`, counting training time only),
/// and on the whole validation part at the end.
func trainLanguageModel(_ recipe: LanguageModelRecipe, settings: TrainSettings) throws -> TrainReport {
    let command = "train \(recipe.name)"
    if settings.epochsGiven { throw CLIError.usage("\(command): give --steps N or --minutes M, not --epochs") }
    guard settings.steps != nil || settings.minutes != nil else {
        throw CLIError.usage("\(command): how long? give --steps N and/or --minutes M")
    }
    var sizes = try recipe.sizes(overriding: settings.architecture, command: command)
    if let directory = settings.outDirectory {
        try failing(command) {
            try FileIO.createDirectory(atPath: directory)
            try FileIO.checkWritable(path: directory + "/model.safetensors")
            try FileIO.checkWritable(path: LanguageModelRecipe.descriptionPath(in: directory))
        }
    }
    let path = settings.dataPath ?? defaultCorpusPath
    guard FileIO.exists(atPath: path) else {
        throw CLIError.failure("\(command): no corpus at '\(path)' (give --data FILE)")
    }
    let corpus = try failing(command) { try CharacterCorpus.load(path: path) }
    let context = sizes[recipe.contextKey]!
    guard corpus.validation.count > context else {
        throw CLIError.failure("\(command): '\(path)' is too short for windows of \(context + 1) characters")
    }
    sizes["vocab_size"] = corpus.vocabularySize

    let dropout = settings.dropout ?? recipe.dropout ?? 0
    var generator = RandomGenerator(seed: settings.seed)
    let model = recipe.make(sizes, dropout, &generator)
    let parameters = model.module.parameters
    let optimizer = Adam(parameters, lr: settings.learningRate, betas: (0.9, 0.99))
    let budget = settings.minutes.map { $0 * 60 }
    let evaluationWindows = CharacterCorpus.sequentialWindows(corpus.validation, length: context)
    let curveSubset = windowRows(evaluationWindows, 0..<Swift.min(curveWindows, evaluationWindows.input.shape[0]))

    func validationLoss(_ windows: Windows) -> Double {
        model.module.eval()
        defer { model.module.train() }
        return withoutGrad { meanLoss(model, windows, batchSize: 64) }
    }
    // The run's progress in [0, 1]: the larger of the spent time and step fractions.
    func progress(step: Int, seconds: Double) -> Double {
        Swift.min(1, Swift.max(budget.map { seconds / $0 } ?? 0, settings.steps.map { Double(step) / Double($0) } ?? 0))
    }

    var curve: [CurvePoint] = []
    var intervalLosses: [Double] = []
    var intervalSum = 0.0, intervalCount = 0
    var step = 0
    var trainingSeconds = 0.0
    var nextPoint = 0.05
    while progress(step: step, seconds: trainingSeconds) < 1 {
        let clock = Stopwatch()
        let p = progress(step: step, seconds: trainingSeconds)
        let decay = 0.1 + 0.45 * (1 + cos(Double.pi * p))
        optimizer.learningRate = settings.learningRate * Swift.min(1, Double(step + 1) / Double(warmupSteps)) * decay
        let batch = CharacterCorpus.randomWindows(corpus.training, count: settings.batchSize, length: context, generator: &generator)
        let loss = languageModelLoss(model.logits(batch.input), batch.target)
        optimizer.zeroGrad()
        loss.backward()
        _ = clipGradNorm(parameters, maxNorm: 1)
        optimizer.step()
        let value = Double(loss.item)
        guard value.isFinite else { throw CLIError.failure("\(command): the loss became \(value) at step \(step + 1)") }
        intervalSum += value
        intervalCount += 1
        step += 1
        trainingSeconds += clock.seconds
        let done = progress(step: step, seconds: trainingSeconds)
        if done >= nextPoint || done >= 1 {
            let train = intervalSum / Double(intervalCount)
            let point = CurvePoint(step: step, seconds: trainingSeconds, trainLoss: train, validationLoss: validationLoss(curveSubset))
            curve.append(point)
            intervalLosses.append(train)
            intervalSum = 0
            intervalCount = 0
            nextPoint = (done / 0.05).rounded(.down) * 0.05 + 0.05
            Console.err(
                "\(command): step \(step), \(TextFormat.fixed(trainingSeconds / 60, decimals: 1)) min, "
                    + "train loss \(TextFormat.fixed(train, decimals: 3)), validation loss \(TextFormat.fixed(point.validationLoss, decimals: 3))")
            if let directory = settings.outDirectory {
                try failing("\(command): cannot save the model") {
                    try recipe.save(model, sizes: sizes, alphabet: corpus.alphabet, to: directory)
                }
            }
        }
    }
    let validation = validationLoss(evaluationWindows)
    let curveJSON = JSONValue.array(curve.map {
        .object(JSONObject([
            ("step", .integer($0.step)), ("seconds", .number($0.seconds)), ("train_loss", .number($0.trainLoss)),
            ("validation_loss", .number($0.validationLoss)),
        ]))
    })
    return TrainReport(
        dataset: path, trainSamples: corpus.training.count, testSamples: corpus.validation.count,
        parameterCount: model.module.parameterCount, seconds: trainingSeconds,
        samplesPerSecond: Double(step * settings.batchSize * context) / Swift.max(trainingSeconds, 1e-9),
        results: [
            TrainResult(
                key: "validation_loss", value: validation,
                text: "validation loss \(TextFormat.fixed(validation, decimals: 3)) nats/char")
        ],
        epochLosses: intervalLosses, epochsCompleted: step, unit: "steps",
        extraMetrics: [
            ("context", .integer(context)),
            ("dropout", .number(dropout)),
            ("architecture", .object(JSONObject(sizes.keys.sorted().map { ($0, .integer(sizes[$0]!)) }))),
            ("curve", curveJSON),
        ])
}

/// The mean cross-entropy over every position of logits `[B, T, V]` for targets `[B, T]`.
private func languageModelLoss(_ logits: Tensor<Float>, _ target: IndexTensor) -> Tensor<Float> {
    let v = logits.shape[2]
    return crossEntropy(logits.reshaped([logits.count / v, v]), IndexTensor(target.indices, shape: [target.indices.count]))
}

/// Windows `[B, T]` of ids and targets.
private typealias Windows = (input: IndexTensor, target: IndexTensor)

/// The windows `rows` of `windows`.
private func windowRows(_ windows: Windows, _ rows: Range<Int>) -> Windows {
    let length = windows.input.shape[1]
    func pick(_ t: IndexTensor) -> IndexTensor {
        IndexTensor(Array(t.indices[(rows.lowerBound * length)..<(rows.upperBound * length)]), shape: [rows.count, length])
    }
    return (pick(windows.input), pick(windows.target))
}

/// The mean loss over all windows, in batches of `batchSize` (in a fixed order).
private func meanLoss(_ model: LanguageModelInstance, _ windows: Windows, batchSize: Int) -> Double {
    let rows = windows.input.shape[0]
    var total = 0.0
    for start in stride(from: 0, to: rows, by: batchSize) {
        let batch = windowRows(windows, start..<Swift.min(rows, start + batchSize))
        total += Double(languageModelLoss(model.logits(batch.input), batch.target).item) * Double(batch.input.shape[0])
    }
    return total / Double(rows)
}
