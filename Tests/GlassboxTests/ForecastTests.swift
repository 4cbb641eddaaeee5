import Foundation
import Glassbox
import Testing

/// The ``Forecaster``: shapes and names, the seasonal log differencing, that a backtest reads
/// only the months before the test period, and (release builds) that training beats the
/// seasonal-naive forecast on a trending seasonal series.
@Suite("Forecaster: LSTM/GRU on seasonal log differences")
struct ForecastTests {
    /// 120 months of a growing seasonal series: 100·e^(0.01t)·(1 + 0.2·sin(2πt/12)), with a
    /// small deterministic wiggle.
    static let series: [Double] = (0..<120).map { t in
        let x = Double(t)
        return 100 * exp(0.01 * x) * (1 + 0.2 * sin(2 * Double.pi * x / 12)) * (1 + 0.01 * sin(0.7 * x))
    }

    @Test("shapes and names, for LSTM and GRU", arguments: ForecasterCell.allCases)
    func shapes(cell: ForecasterCell) {
        var g = RandomGenerator(seed: 1)
        let model = Forecaster<Float>(cell: cell, hiddenSize: 8, windowSize: 6, generator: &g)
        #expect(model(Tensor<Float>.randn([5, 6, 1], generator: &g)).shape == [5, 1])
        #expect(
            model.stateDict().map(\.name) == [
                "difference_mean", "difference_std", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "fc.weight", "fc.bias",
            ])
        #expect(model.namedParameters()[0].tensor.shape == [(cell == .lstm ? 4 : 3) * 8, 1])
    }

    @Test("seasonal log differences: constant for exponential growth with a fixed season")
    func differences() {
        var g = RandomGenerator(seed: 2)
        let model = Forecaster<Double>(generator: &g)
        let growing = (0..<40).map { t in exp(0.02 * Double(t)) * (2 + Double(t % 12)) }
        let z = model.differences(growing)
        #expect(z.count == 28)
        #expect(z.allSatisfy { abs($0 - 0.24) < 1e-12 })
    }

    @Test("a backtest never reads the test months: changing them changes the error, not the forecast")
    func backtestIgnoresTestMonths() {
        var changed = Self.series
        for t in (changed.count - TimeSeries.testCount)..<changed.count { changed[t] *= 1.5 }
        func run(_ values: [Double]) -> ForecastBacktest {
            var g = RandomGenerator(seed: 3)
            let model = Forecaster<Float>(hiddenSize: 4, generator: &g)
            return model.backtest(TimeSeries(values: values, start: (2000, 1)), epochs: 2, seed: 4)
        }
        let a = run(Self.series), b = run(changed)
        #expect(a.forecast.count == TimeSeries.testCount)
        #expect(a.forecast == b.forecast)
        #expect(a.losses == b.losses)
        #expect(a.actual != b.actual && a.meanAbsoluteError != b.meanAbsoluteError)
    }

    @Test("the forecast reads only the history it is given")
    func forecastReadsOnlyHistory() {
        var g = RandomGenerator(seed: 5)
        let model = Forecaster<Float>(hiddenSize: 4, generator: &g)
        let history = Array(Self.series.prefix(96))
        let forecast = model.forecast(history, horizon: 3)
        #expect(forecast.count == 3)
        // One step is the network's prediction applied to the value a period earlier.
        let z = model.differences(history).suffix(model.windowSize).map { Float($0) }
        let u = Double(model(Tensor(z, shape: [1, model.windowSize, 1])).item)
        #expect(abs(forecast[0] - history[history.count - 12] * exp(u)) < 1e-9 * forecast[0])
    }

    @Test(
        "training beats the seasonal-naive forecast on a trending seasonal series, for LSTM and GRU",
        .slow, arguments: ForecasterCell.allCases)
    func trainingBeatsSeasonalNaive(cell: ForecasterCell) {
        let data = TimeSeries(values: Self.series, start: (2000, 1))
        var g = RandomGenerator(seed: 6)
        let model = Forecaster<Float>(cell: cell, generator: &g)
        let result = model.backtest(data, epochs: 20, seed: 7)
        #expect(result.losses.last! < result.losses.first!, "\(result.losses)")
        #expect(result.meanAbsoluteError < data.seasonalNaiveMAE() / 2, "\(result.meanAbsoluteError) vs \(data.seasonalNaiveMAE())")
    }
}
