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
    options: [.cell, .out, .resume, .stopAfter],
    train: { settings in
        var cell = ForecasterCell.lstm
        if let name = settings.cellName {
            guard let named = ForecasterCell(rawValue: name) else {
                throw TrainingSetupError.usage(
                    "train forecast: unknown cell '\(name)' (one of: \(ForecasterCell.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            cell = named
        }
        let directory = settings.dataPath ?? "../shared/data/timeseries"
        let series = try forecastSeries.map { name, file in
            do {
                return (name, try TimeSeries.loadMonthly(path: directory + "/" + file))
            } catch {
                throw TrainingSetupError.failure(
                    "train forecast: cannot read the \(name) series: \(error) (--data DIR names the folder holding \(forecastSeries.map(\.1).joined(separator: " and ")))")
            }
        }
        var results: [TrainResult] = []
        var losses = [Double](repeating: 0, count: settings.epochs)
        var seconds = 0.0, trainMonths = 0, parameterCount = 0, completed = 0
        for (name, data) in series {
            // One run per series, checkpointed (with --out DIR) in DIR/NAME.
            var run = settings
            run.outDirectory = settings.outDirectory.map { $0 + "/" + name }
            let command = "train forecast (\(name))"
            if let metadata = try takeResumedSettings(&run, model: "forecast", command: command) {
                run.cellName = metadata["cell"]
            }
            try checkOutDirectory(run, files: ["model.safetensors"], command: command)
            let runCell = run.cellName.flatMap(ForecasterCell.init(rawValue:)) ?? cell
            let history = Array(data.values.dropLast(TimeSeries.testCount))
            var generator = RandomGenerator(seed: run.seed)
            let model = Forecaster<Float>(cell: runCell, generator: &generator)
            let task = ForecastTask(model: model, history: history, batchSize: run.batchSize, learningRate: run.learningRate, seed: run.seed)
            let trainer = Trainer(task, epochs: run.epochs)
            trainer.identity = runIdentity(run, model: "forecast").merging(["series": name, "cell": runCell.rawValue]) { _, new in new }
            trainer.metadata = ["epochs": String(run.epochs)]
            Console.err("\(name): \(history.count) months for training, \(TimeSeries.testCount) held out")
            let clock = Stopwatch()
            try runTrainer(trainer, settings: run, command: command)
            seconds += clock.seconds
            model.eval()
            if let directory = run.outDirectory {
                try setupFailing("\(command): cannot save the weights") {
                    try model.save(to: directory + "/model.safetensors", metadata: ["model": "forecast", "series": name])
                }
            }
            trainMonths += history.count
            parameterCount = model.parameterCount
            completed = trainer.completedEpochs
            for record in trainer.history where record.epoch <= losses.count { losses[record.epoch - 1] += record.loss / Double(series.count) }
            let forecast = model.forecast(history, horizon: TimeSeries.testCount)
            let actual = Array(data.values.suffix(TimeSeries.testCount))
            let mae = zip(forecast, actual).map { abs($0 - $1) }.reduce(0, +) / Double(actual.count)
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
            results: results, epochLosses: Array(losses.prefix(completed)), epochsCompleted: completed)
    })
