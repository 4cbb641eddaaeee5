import GlassboxIO
import GlassboxKernels

/// The outcome of a training run, for the summary line and the metrics file.
public struct TrainReport {
    /// The dataset trained on.
    public var dataset: String
    /// The training set's size.
    public var trainSamples: Int
    /// The test set's size.
    public var testSamples: Int
    /// The model's number of scalar parameters.
    public var parameterCount: Int
    /// Wall-clock seconds of training (not counting data loading and the final evaluation).
    public var seconds: Double
    /// Training samples processed per second.
    public var samplesPerSecond: Double
    /// The figures measured after training, headline first (`test accuracy 98.95% (9895/10000)`).
    public var results: [TrainResult]
    /// The mean training loss of each epoch run now.
    public var epochLosses: [Double]
    /// The epochs the model has been trained for (including those of a resumed checkpoint).
    public var epochsCompleted: Int
    /// What ``epochsCompleted`` counts: `epochs`, or `steps` for language models (the summary
    /// word and metrics key). Language models' ``epochLosses`` are the mean training losses
    /// between points of their curve.
    public var unit = "epochs"
    /// Further metrics-file entries (a language model's curve).
    public var extraMetrics: [(String, JSONValue)] = []
}

/// One figure of a training run's outcome: a phrase of the summary line and an entry of the
/// metrics file.
public struct TrainResult {
    /// The metrics-file key (`test_accuracy`).
    public let key: String
    /// The value written under ``key``.
    public let value: Double
    /// The phrase of the summary line (`test accuracy 98.95% (9895/10000)`); empty for a
    /// figure written to the metrics file only.
    public let text: String

    /// The fraction `accuracy` of `count` test samples classified correctly.
    public static func testAccuracy(_ accuracy: Double, of count: Int) -> TrainResult {
        let correct = Int((accuracy * Double(count)).rounded())
        return TrainResult(
            key: "test_accuracy", value: accuracy,
            text: "test accuracy \(TextFormat.fixed(accuracy * 100, decimals: 2))% (\(correct)/\(count))")
    }
}

extension TrainReport {
    /// The mean training loss of the last epoch (or interval) run, NaN when none ran.
    public var finalLoss: Double { epochLosses.last ?? .nan }

    /// The one-line summary of a run of `model`: its results, the epochs (steps), the final
    /// loss, the seconds and the throughput.
    public func summary(model: String) -> String {
        "\(model): \(results.map(\.text).filter { !$0.isEmpty }.joined(separator: ", ")) after \(epochsCompleted) \(unit), "
            + "final loss \(TextFormat.fixed(finalLoss, decimals: 4)), "
            + "\(TextFormat.fixed(seconds, decimals: 1)) s, "
            + "\(TextFormat.rate(samplesPerSecond)) samples/s"
    }

    /// The metrics-file object of a run of `model` with `settings`: the settings, the sizes,
    /// the time, every result (non-finite values as `null`), the losses and ``extraMetrics``.
    public func metrics(model: String, settings: TrainSettings) -> JSONObject {
        JSONObject([
            ("model", .string(model)),
            ("dataset", .string(dataset)),
            (unit, .integer(epochsCompleted)),
            ("batch_size", .integer(settings.batchSize)),
            ("learning_rate", .number(settings.learningRate)),
            ("seed", settings.seed <= UInt64(Int.max) ? .integer(Int(settings.seed)) : .string(String(settings.seed))),
            ("threads", .integer(Threading.threadCount)),
            ("train_samples", .integer(trainSamples)),
            ("test_samples", .integer(testSamples)),
            ("parameters", .integer(parameterCount)),
            ("seconds", .number(seconds)),
            ("samples_per_second", .number(samplesPerSecond)),
        ] + results.map { ($0.key, $0.value.isFinite ? JSONValue.number($0.value) : .null) } + [
            ("final_loss", finalLoss.isFinite ? .number(finalLoss) : .null),
            (unit == "epochs" ? "epoch_losses" : "interval_losses", .array(epochLosses.map { $0.isFinite ? .number($0) : .null })),
        ] + extraMetrics)
    }
}
