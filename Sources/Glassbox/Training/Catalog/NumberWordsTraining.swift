import GlassboxIO

/// Optimizer steps per reported "epoch" of the number-to-words models, which draw fresh
/// numbers at every step (the task has no finite training set).
public let numberWordsStepsPerEpoch = 500

/// The most tokens a number-to-words model generates (the longest number has 10 words, plus `<eos>`).
public let numberWordsMaxLength = 16

/// `glassbox train seq2seq`: the recurrent ``Seq2Seq`` (bidirectional GRU encoder, GRU decoder
/// with Luong attention) on ``NumberWords``.
let seq2seqModel = TrainableModel(
    name: "seq2seq",
    summary: "GRU encoder-decoder (bidirectional 2x64, decoder 128, Luong attention) translating numbers 0-999999 to English words; "
        + "an epoch is \(numberWordsStepsPerEpoch) steps (--steps-per-epoch N) of fresh numbers, Adam + cosine LR",
    defaults: TrainSettings(epochs: 4, batchSize: 128, learningRate: 0.003, seed: 0),
    options: [.out, .beam, .resume, .stopAfter, .stepsPerEpoch],
    train: { settings in
        var generator = RandomGenerator(seed: settings.seed)
        let model = Seq2Seq<Float>(
            sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
            generator: &generator)
        return try trainNumberWords(model, name: "seq2seq", settings: settings, warmupSteps: 0, generator: &generator)
    })

/// `glassbox train transformer-seq2seq`: the ``TransformerSeq2Seq`` on ``NumberWords``.
let transformerSeq2SeqModel = TrainableModel(
    name: "transformer-seq2seq",
    summary: "encoder-decoder transformer (2+2 pre-norm layers, d 64, 4 heads, feed-forward 256) translating numbers 0-999999 to English words; "
        + "an epoch is \(numberWordsStepsPerEpoch) steps (--steps-per-epoch N) of fresh numbers, Adam + warm-up + cosine LR",
    defaults: TrainSettings(epochs: 4, batchSize: 128, learningRate: 0.001, seed: 0),
    options: [.out, .beam, .resume, .stopAfter, .stepsPerEpoch],
    train: { settings in
        var generator = RandomGenerator(seed: settings.seed)
        let model = TransformerSeq2Seq<Float>(
            sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
            generator: &generator)
        return try trainNumberWords(model, name: "transformer-seq2seq", settings: settings, warmupSteps: 200, generator: &generator)
    })

/// Trains `model` with ``SequenceToSequenceTask`` on fresh ``NumberWords`` batches (Adam,
/// linear warm-up over `warmupSteps` then cosine decay to 0 per step, gradient norm clipped at
/// 1), checkpointing into `--out DIR` after every epoch (`--resume`, `--stop-after N`), then
/// measures exact match on the held-out numbers, greedy and with beam search.
func trainNumberWords<Model: SequenceToSequenceModel>(
    _ model: Model, name: String, settings: TrainSettings, warmupSteps: Int, generator: inout RandomGenerator
) throws -> TrainReport where Model.Scalar == Float {
    let command = "train \(name)"
    var settings = settings
    if let metadata = try takeResumedSettings(&settings, model: name, command: command) {
        settings.stepsPerEpoch = metadata["steps_per_epoch"].flatMap(Int.init) ?? settings.stepsPerEpoch
    }
    let stepsPerEpoch = settings.stepsPerEpoch ?? numberWordsStepsPerEpoch
    guard settings.epochs > 0, settings.batchSize > 0 else {
        throw TrainingSetupError.usage("\(command): --epochs and --batch-size must be positive")
    }
    try checkOutDirectory(settings, files: ["model.safetensors"], command: command)
    let task = SequenceToSequenceTask(
        model: model, epochs: settings.epochs, batchSize: settings.batchSize, stepsPerEpoch: stepsPerEpoch,
        learningRate: settings.learningRate, warmupSteps: warmupSteps, generator: generator)
    let trainer = Trainer(task, epochs: settings.epochs)
    trainer.identity = runIdentity(settings, model: name).merging(["epochs": String(settings.epochs), "steps_per_epoch": String(stepsPerEpoch)]) { _, new in new }
    let clock = Stopwatch()
    let records = try runTrainer(trainer, settings: settings, command: command)
    let seconds = clock.seconds
    model.eval()
    if let directory = settings.outDirectory {
        try setupFailing("\(command): cannot save the weights") {
            try model.save(to: directory + "/model.safetensors", metadata: ["model": name])
        }
    }
    let greedy = numberWordsExactMatch(model, beamWidth: 1)
    let beamWidth = settings.beamWidth
    var results = [exactMatchResult(greedy, key: "exact_match_greedy", method: "greedy")]
    if beamWidth > 1 {
        let beam = numberWordsExactMatch(model, beamWidth: beamWidth)
        results.insert(exactMatchResult(beam, key: "exact_match", method: "beam \(beamWidth)"), at: 0)
    }
    let samples = records.map(\.samples).reduce(0, +)
    return TrainReport(
        dataset: "number-words (fresh draws, held-out \(NumberWords.heldOutCount))",
        trainSamples: settings.epochs * stepsPerEpoch * settings.batchSize,
        testSamples: NumberWords.heldOutCount, parameterCount: model.parameterCount, seconds: seconds,
        samplesPerSecond: Double(samples) / max(seconds, 1e-9), results: results, epochLosses: trainer.history.map(\.loss),
        epochsCompleted: trainer.completedEpochs)
}

/// The number of held-out numbers `model` translates exactly, decoding in batches of 500.
public func numberWordsExactMatch<Model: SequenceToSequenceModel>(_ model: Model, beamWidth: Int) -> Int {
    let numbers = NumberWords.heldOut
    var correct = 0
    for start in stride(from: 0, to: numbers.count, by: 500) {
        let chunk = Array(numbers[start..<min(start + 500, numbers.count)])
        let decoded = model.translate(NumberWords.batch(chunk).source, beamWidth: beamWidth, maxLength: numberWordsMaxLength)
        for (number, hypothesis) in zip(chunk, decoded)
        where hypothesis.isFinished && NumberWords.targetVocabulary.decode(hypothesis.tokens) == NumberWords.words(number) {
            correct += 1
        }
    }
    return correct
}

/// `held-out exact match 99.40% (1988/2000), beam 4`.
private func exactMatchResult(_ correct: Int, key: String, method: String) -> TrainResult {
    let count = NumberWords.heldOutCount
    let fraction = Double(correct) / Double(count)
    return TrainResult(
        key: key, value: fraction,
        text: "held-out exact match \(TextFormat.fixed(fraction * 100, decimals: 2))% (\(correct)/\(count)), \(method)")
}
