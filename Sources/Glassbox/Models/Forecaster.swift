#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The recurrent layer of a ``Forecaster``.
public enum ForecasterCell: String, Sendable, CaseIterable {
    /// ``LSTM``.
    case lstm
    /// ``GRU``.
    case gru
}

/// A recurrent forecaster of a positive monthly series: an LSTM or GRU reads a window of
/// normalised seasonal log differences and predicts the next one; forecasts several months
/// ahead recursively.
///
/// Normalisation (``differences(_:)``): with `p` the ``period`` (12),
/// `zₜ = log yₜ − log yₜ₋ₚ` (the year-on-year log growth, which removes the trend's level and
/// the seasonal pattern), standardised `uₜ = (zₜ − μ)/σ` with `μ`, `σ` the mean and standard
/// deviation of the training `z` (buffers `difference_mean`, `difference_std`, set by
/// ``fit(_:epochs:batchSize:learningRate:seed:maxGradNorm:onEpoch:)``).
///
/// ```
/// window  [N, windowSize, 1]   u over the last windowSize months
/// rnn     LSTM/GRU(1 → H, batch first)   → [N, windowSize, H]
/// fc      Linear(H, 1) on the last step  → û [N, 1]
/// ```
///
/// Forecast (``forecast(_:horizon:)``): `ẑ = μ + σ·û`, `log ŷₜ = log yₜ₋ₚ + ẑₜ`, where `yₜ₋ₚ`
/// is the history or, beyond `p` steps ahead, an earlier forecast; each `û` is appended to the
/// window for the next step. Only the history passed in is ever read. With `û = 0` the
/// forecast is the seasonal naive one grown by the mean yearly growth `μ`.
public final class Forecaster<Scalar: TensorScalar>: Layer {
    /// The recurrent layer's kind.
    public let cell: ForecasterCell
    /// The recurrent layer: ``LSTM`` or ``GRU`` (one layer, batch first).
    public let rnn: any Layer<Scalar>
    /// The output layer, last hidden state → next normalised difference.
    public let fc: Linear<Scalar>
    /// The months of normalised differences the network reads per prediction.
    public let windowSize: Int
    /// The seasonal period `p` of the differencing.
    public let period: Int
    /// `μ` `[1]`: the mean training difference (0 until ``fit(_:epochs:batchSize:learningRate:seed:maxGradNorm:onEpoch:)``).
    public let differenceMean: Tensor<Scalar>
    /// `σ` `[1]`: the standard deviation of the training differences (1 until fitted).
    public let differenceStd: Tensor<Scalar>
    /// Whether the module is in training mode (no effect: no dropout).
    public var isTraining = true

    /// Creates a forecaster with weights drawn from `generator`.
    ///
    /// - Parameters:
    ///   - cell: LSTM or GRU.
    ///   - hiddenSize: the recurrent layer's hidden size `H`.
    ///   - windowSize: months of differences per prediction.
    ///   - period: the seasonal period `p` (12 for monthly data).
    public init(
        cell: ForecasterCell = .lstm, hiddenSize: Int = 32, windowSize: Int = 12, period: Int = 12,
        generator: inout RandomGenerator
    ) {
        precondition(hiddenSize > 0 && windowSize > 0 && period > 0, "Forecaster: hiddenSize \(hiddenSize), windowSize \(windowSize), period \(period) must be positive")
        self.cell = cell
        switch cell {
        case .lstm: rnn = LSTM(inputSize: 1, hiddenSize: hiddenSize, batchFirst: true, generator: &generator)
        case .gru: rnn = GRU(inputSize: 1, hiddenSize: hiddenSize, batchFirst: true, generator: &generator)
        }
        fc = Linear(inFeatures: hiddenSize, outFeatures: 1, generator: &generator)
        self.windowSize = windowSize
        self.period = period
        differenceMean = Tensor([0], shape: [1])
        differenceStd = Tensor([1], shape: [1])
    }

    /// `rnn`, `fc`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("rnn", rnn), ("fc", fc)] }

    /// `difference_mean`, `difference_std`.
    public var ownBuffers: [(name: String, tensor: Tensor<Scalar>)] {
        [("difference_mean", differenceMean), ("difference_std", differenceStd)]
    }

    /// The predicted next normalised difference `[N, 1]` for windows `[N, T, 1]`.
    public func callAsFunction(_ windows: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(windows.rank == 3 && windows.shape[2] == 1, "Forecaster: windows must be [N, T, 1], got \(windows.shape)")
        let output = rnn(windows)
        return fc(output.sliced(dim: 1, (windows.shape[1] - 1)..<windows.shape[1]).reshaped([windows.shape[0], output.shape[2]]))
    }

    /// The seasonal log differences `zₜ = log yₜ − log yₜ₋ₚ` of `series`, `series.count − p` values.
    ///
    /// - Precondition: every value is positive and there are more than `p`.
    public func differences(_ series: [Double]) -> [Double] {
        precondition(series.count > period, "Forecaster: \(series.count) values, need more than the period \(period)")
        precondition(series.allSatisfy { $0 > 0 }, "Forecaster: the series must be positive (it is log-transformed)")
        return (period..<series.count).map { log(series[$0]) - log(series[$0 - period]) }
    }

    /// Trains on every window of `history` (and nothing else): sets ``differenceMean`` and
    /// ``differenceStd`` from its differences, then minimises the mean squared error of the
    /// next normalised difference with Adam, shuffled mini-batches (order from `seed`) and
    /// gradient-norm clipping.
    ///
    /// - Parameter onEpoch: called after each epoch with its 1-based number and mean loss.
    /// - Returns: the mean loss of each epoch.
    /// - Precondition: `history` has at least `p + windowSize + 1` positive values.
    @discardableResult
    public func fit(
        _ history: [Double], epochs: Int, batchSize: Int = 32, learningRate: Double = 0.003, seed: UInt64,
        maxGradNorm: Double = 1, onEpoch: (_ epoch: Int, _ loss: Double) -> Void = { _, _ in }
    ) -> [Double] {
        precondition(epochs > 0 && batchSize > 0, "Forecaster.fit: epochs \(epochs) and batch size \(batchSize) must be positive")
        let task = ForecastTask(
            model: self, history: history, batchSize: batchSize, learningRate: learningRate, seed: seed, gradientClip: maxGradNorm)
        var losses: [Double] = []
        // Nothing in the task throws: the policy is `.stop` and the losses of these series are finite.
        _ = try? Trainer(task, epochs: epochs).run { event in
            guard case .epochEnded(let record) = event else { return }
            losses.append(record.loss)
            onEpoch(record.epoch, record.loss)
        }
        eval()
        return losses
    }

    /// The next `horizon` values after `history`, in its units, predicted recursively from
    /// `history` alone (see the type's description).
    ///
    /// - Precondition: `history` has at least `p + windowSize` positive values.
    public func forecast(_ history: [Double], horizon: Int) -> [Double] {
        precondition(
            history.count >= period + windowSize,
            "Forecaster.forecast: \(history.count) months, need at least period + windowSize = \(period + windowSize)")
        let mean = Double(differenceMean.item), std = Double(differenceStd.item)
        var u = differences(history).map { ($0 - mean) / std }
        var logs = history.map { log($0) }
        return withoutGrad {
            (0..<horizon).map { _ in
                let window = Tensor(u[(u.count - windowSize)...].map { Scalar($0) }, shape: [1, windowSize, 1])
                let next = Double(self(window).item)
                u.append(next)
                logs.append(logs[logs.count - period] + mean + std * next)
                return exp(logs[logs.count - 1])
            }
        }
    }
}

/// A forecast of a series' test months from the months before them, and its error.
public struct ForecastBacktest: Sendable {
    /// The forecast of the test months.
    public let forecast: [Double]
    /// The actual test months.
    public let actual: [Double]
    /// The mean loss of each training epoch.
    public let losses: [Double]

    /// The mean absolute error of ``forecast``, in the series' units.
    public var meanAbsoluteError: Double {
        zip(forecast, actual).map { abs($0 - $1) }.reduce(0, +) / Double(actual.count)
    }
}

extension Forecaster {
    /// Holds out the last `testCount` months of `series`, trains on the months before them
    /// (``fit(_:epochs:batchSize:learningRate:seed:maxGradNorm:onEpoch:)``) and forecasts the
    /// held-out months from those months alone (``forecast(_:horizon:)``).
    ///
    /// - Precondition: the series is long enough for ``fit(_:epochs:batchSize:learningRate:seed:maxGradNorm:onEpoch:)``
    ///   after the held-out months are removed.
    public func backtest(
        _ series: TimeSeries, testCount: Int = TimeSeries.testCount, epochs: Int, batchSize: Int = 32,
        learningRate: Double = 0.003, seed: UInt64, onEpoch: (_ epoch: Int, _ loss: Double) -> Void = { _, _ in }
    ) -> ForecastBacktest {
        precondition(testCount > 0 && testCount < series.values.count, "Forecaster.backtest: \(testCount) test months of \(series.values.count)")
        let history = Array(series.values.dropLast(testCount))
        let losses = fit(history, epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed, onEpoch: onEpoch)
        return ForecastBacktest(
            forecast: forecast(history, horizon: testCount), actual: Array(series.values.suffix(testCount)), losses: losses)
    }
}
