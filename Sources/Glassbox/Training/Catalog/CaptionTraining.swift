/// `glassbox train caption`: the ``Captioner`` (CNN encoder → GRU decoder) on strips of three
/// MNIST digits captioned with their words, Adam with a cosine learning-rate decay.
///
/// Each epoch trains on as many fresh strips as the MNIST training set has images (new random
/// triples every epoch, from the training images only); the test strips (as many as the test
/// set has images, a fixed seed) are made of test images only. The headline figure is the
/// exact match of the greedy caption.
let captionModel = TrainableModel(
    name: "caption",
    summary: "CNN encoder (Conv16-Pool-Conv32-Pool-Dense) -> GRU(128) decoder captioning 3-digit MNIST strips "
        + "(\"seven two nine\"), embedded 10k/2k subset or --data DIR, Adam + cosine LR",
    defaults: TrainSettings(epochs: 4, batchSize: 64, learningRate: 0.001, seed: 0),
    options: [.out, .resume, .stopAfter],
    train: { settings in
        let command = "train caption"
        var settings = settings
        try takeResumedSettings(&settings, model: "caption", command: command)
        try checkOutDirectory(settings, files: ["model.safetensors"], command: command)
        let digits = try loadImageData(settings, command: command)
        let test = DigitStrips.make(from: digits.test, count: digits.test.count, seed: 0x7E57)
        var generator = RandomGenerator(seed: settings.seed)
        let model = Captioner<Float>(generator: &generator)
        let optimizer = Adam(model.parameters, lr: settings.learningRate)
        let task = CaptionTask(
            model: model, digits: digits.train, batchSize: settings.batchSize, optimizer: optimizer,
            scheduler: CosineAnnealingLR(optimizer, tMax: settings.epochs), seed: settings.seed)
        let trainer = Trainer(task, epochs: settings.epochs)
        trainer.identity = runIdentity(settings, model: "caption")
        trainer.metadata = ["epochs": String(settings.epochs)]
        let clock = Stopwatch()
        let records = try runTrainer(trainer, settings: settings, command: command)
        let seconds = clock.seconds
        if let directory = settings.outDirectory {
            try setupFailing("\(command): cannot save the weights") {
                try model.save(to: directory + "/model.safetensors", metadata: ["model": "caption"])
            }
        }
        let correct = model.exactMatches(on: test)
        let fraction = Double(correct) / Double(test.count)
        return TrainReport(
            dataset: "digit strips of " + digits.name, trainSamples: digits.train.count, testSamples: test.count,
            parameterCount: model.parameterCount, seconds: seconds,
            samplesPerSecond: Double(records.map(\.samples).reduce(0, +)) / max(seconds, 1e-9),
            results: [
                TrainResult(
                    key: "exact_match", value: fraction,
                    text: "test exact match \(TextFormat.fixed(fraction * 100, decimals: 2))% (\(correct)/\(test.count))")
            ],
            epochLosses: trainer.history.map(\.loss), epochsCompleted: trainer.completedEpochs)
    })
