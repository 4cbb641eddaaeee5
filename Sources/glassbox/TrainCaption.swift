import Glassbox

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
    train: { settings in
        let command = "train caption"
        let digits = try loadImageData(settings, command: command)
        let test = DigitStrips.make(from: digits.test, count: digits.test.count, seed: 0x7E57)
        var generator = RandomGenerator(seed: settings.seed)
        let model = Captioner<Float>(generator: &generator)
        let optimizer = Adam(model.parameters, lr: settings.learningRate)
        let schedule = CosineAnnealingLR(optimizer, tMax: settings.epochs)
        let stripsPerEpoch = digits.train.count
        let bar = ProgressBar(epochs: settings.epochs, stepsPerEpoch: (stripsPerEpoch + settings.batchSize - 1) / settings.batchSize)
        var losses: [Double] = []
        let clock = Stopwatch()
        for epoch in 1...settings.epochs {
            let epochSeed = settings.seed &* 1000 &+ UInt64(epoch)
            let strips = DigitStrips.make(from: digits.train, count: stripsPerEpoch, seed: epochSeed)
            var sum = 0.0
            losses.append(
                model.trainEpoch(on: strips, batchSize: settings.batchSize, optimizer: optimizer, seed: epochSeed) { step, loss in
                    sum += loss
                    bar.update(
                        epoch: epoch, step: step, loss: sum / Double(step),
                        samples: (epoch - 1) * stripsPerEpoch + Swift.min(step * settings.batchSize, stripsPerEpoch))
                })
            schedule.step()
        }
        let seconds = clock.seconds
        let correct = model.exactMatches(on: test)
        let fraction = Double(correct) / Double(test.count)
        return TrainReport(
            dataset: "digit strips of " + digits.name, trainSamples: stripsPerEpoch, testSamples: test.count,
            parameterCount: model.parameterCount, seconds: seconds,
            samplesPerSecond: Double(settings.epochs * stripsPerEpoch) / max(seconds, 1e-9),
            results: [
                TrainResult(
                    key: "exact_match", value: fraction,
                    text: "test exact match \(TextFormat.fixed(fraction * 100, decimals: 2))% (\(correct)/\(test.count))")
            ],
            epochLosses: losses, epochsCompleted: settings.epochs)
    })
