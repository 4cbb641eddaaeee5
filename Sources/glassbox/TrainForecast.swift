import Glassbox

/// The series `glassbox train forecast` reads: name and path under the data directory.
private let forecastSeries = [("airline", "airline/Airline.csv"), ("co2", "co2/co2.csv")]

/// `glassbox train forecast`: one ``Forecaster`` (LSTM) per series, trained on all months but
/// the last 24 and scored on those 24 by the mean absolute error of its recursive forecast,
/// next to the seasonal-naive forecast's.
let forecastModel = TrainableModel(
    name: "forecast",
    summary: "LSTM(32) (or --cell gru) forecaster of seasonal log differences, airline passengers and Mauna Loa CO2 "
        + "(last 24 months held out; --data DIR, default ../shared/data/timeseries), Adam",
    defaults: TrainSettings(epochs: 20, batchSize: 32, learningRate: 0.003, seed: 0),
    options: [.cell],
    train: { settings in
        var cell = ForecasterCell.lstm
        if let name = settings.cellName {
            guard let named = ForecasterCell(rawValue: name) else {
                throw CLIError.usage(
                    "train forecast: unknown cell '\(name)' (one of: \(ForecasterCell.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            cell = named
        }
        let directory = settings.dataPath ?? "../shared/data/timeseries"
        let series = try forecastSeries.map { name, file in
            do {
                return (name, try TimeSeries.loadMonthly(path: directory + "/" + file))
            } catch {
                throw CLIError.failure(
                    "train forecast: cannot read the \(name) series: \(error) (--data DIR names the folder holding \(forecastSeries.map(\.1).joined(separator: " and ")))")
            }
        }
        var results: [TrainResult] = []
        var losses = [Double](repeating: 0, count: settings.epochs)
        var seconds = 0.0, trainMonths = 0, parameterCount = 0
        for (name, data) in series {
            let trainCount = data.values.count - TimeSeries.testCount
            var generator = RandomGenerator(seed: settings.seed)
            let model = Forecaster<Float>(cell: cell, generator: &generator)
            let bar = ProgressBar(epochs: settings.epochs, stepsPerEpoch: 1)
            bar.message("\(name): \(trainCount) months for training, \(TimeSeries.testCount) held out")
            let clock = Stopwatch()
            let result = model.backtest(
                data, epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate, seed: settings.seed
            ) { epoch, loss in
                bar.update(epoch: epoch, step: 1, loss: loss, samples: epoch * (trainCount - model.period - model.windowSize))
            }
            seconds += clock.seconds
            trainMonths += trainCount
            parameterCount = model.parameterCount
            for (epoch, loss) in result.losses.enumerated() { losses[epoch] += loss / Double(series.count) }
            let mae = result.meanAbsoluteError
            let naive = data.seasonalNaiveMAE()
            results.append(
                TrainResult(
                    key: "\(name)_mae", value: mae,
                    text: "\(name) test MAE \(TextFormat.fixed(mae, decimals: 3)) (seasonal naive \(TextFormat.fixed(naive, decimals: 3)))"))
            results.append(TrainResult(key: "\(name)_seasonal_naive_mae", value: naive, text: ""))
        }
        return TrainReport(
            dataset: "airline, co2 (\(directory))", trainSamples: trainMonths, testSamples: series.count * TimeSeries.testCount,
            parameterCount: parameterCount, seconds: seconds,
            samplesPerSecond: Double(settings.epochs * trainMonths) / max(seconds, 1e-9),
            results: results, epochLosses: losses, epochsCompleted: settings.epochs)
    })
