import Glassbox
import GlassboxKernels

/// `glassbox bench train MODEL`: steady-state optimizer steps per second of exactly the recipe
/// `glassbox train MODEL` runs with its defaults (``TrainableModel/measureSteps(settings:warmup:steps:profiled:)``),
/// warm-up and evaluation excluded — the figure `Benchmarks/ratios.py` sets beside
/// `Benchmarks/torch_train.py MODEL`. `--profile` adds where the timed steps went.
func runTrainBenchmark(_ arguments: ParsedArguments) throws -> Int32 {
    let names = trainableModels.map(\.name).joined(separator: ", ")
    guard arguments.positionals.count == 2 else { throw CLIError.usage("bench train: which model? (one of: \(names))") }
    let name = arguments.positionals[1]
    guard let model = trainableModels.first(where: { $0.name == name }) else {
        throw CLIError.usage("bench train: unknown model '\(name)' (one of: \(names))")
    }
    let steps = try arguments.int("steps", in: 1...100_000)
    let warmup = try arguments.int("warmup", in: 0...10_000) ?? 3
    if let threads = try arguments.int("threads") { Threading.threadCount = threads }
    var settings = model.defaults
    // The step-based language models have no default length; their schedule spans the run.
    if model.options.contains(.steps) && settings.steps == nil && settings.minutes == nil { settings.steps = 2000 }
    let measured = try model.measureSteps(settings: settings, warmup: warmup, steps: steps, profiled: arguments.flag("profile"))
    let timing = measured.timing
    let configuration = BuildConfiguration.name
    if let profile = measured.profile { Console.err(profile.table(top: 20)) }
    if arguments.flag("json") {
        Console.out(
            "{\"benchmark\":\"train\",\"model\":\"\(name)\",\"steps\":\(timing.steps),\"warmup\":\(warmup),"
                + "\"seconds\":\(TextFormat.fixed(timing.seconds, decimals: 6)),"
                + "\"steps_per_second\":\(TextFormat.fixed(timing.stepsPerSecond, decimals: 6)),"
                + "\"samples_per_second\":\(TextFormat.fixed(timing.samplesPerSecond, decimals: 2)),"
                + "\"threads\":\(Threading.threadCount),\"peak_rss_mb\":\(TextFormat.fixed(peakResidentMegabytes(), decimals: 1)),"
                + "\"configuration\":\"\(configuration)\"}")
    } else {
        Console.out(
            "\(name): \(TextFormat.fixed(timing.stepsPerSecond, decimals: 2)) steps/s, "
                + "\(TextFormat.fixed(timing.samplesPerSecond, decimals: 0)) samples/s (\(timing.steps) steps in "
                + "\(TextFormat.fixed(timing.seconds, decimals: 2)) s after \(warmup) warm-up, \(Threading.threadCount) threads, "
                + "\(configuration) build, peak RSS \(TextFormat.fixed(peakResidentMegabytes(), decimals: 0)) MB)")
    }
    return 0
}
