import Glassbox
import Testing

/// A classifier task over `FitTests`' data: 200 samples, batches of 16, so 13 steps an epoch.
private func classifierTrainer() -> Trainer<ClassifierTask<Sequential<Float>, LabeledDataset<Float>>> {
    let model = FitTests.model(seed: 3, dropout: false)
    let task = ClassifierTask(model: model, data: FitTests.dataset(), batchSize: 16, optimizer: Adam(model.parameters, lr: 0.01), seed: 5)
    return Trainer(task, epochs: 1)
}

@Suite("step timing and the per-op profile")
struct ProfilerTests {
    @Test("measureSteps runs the steps a run runs, across epoch boundaries, and counts only the timed ones")
    func measureSteps() throws {
        let timed = classifierTrainer()
        let timing = try timed.measureSteps(warmup: 3, steps: 20)
        // Steps 4...23 of a run of 13-step epochs: 10 full batches of epoch 1, the last batch of
        // 8 samples (200 = 12·16 + 8), then 9 full batches of epoch 2.
        #expect(timing.steps == 20 && timing.samples == 19 * 16 + 8)
        #expect(timing.seconds > 0 && timing.stepsPerSecond > 0 && timing.samplesPerSecond == Double(timing.samples) / timing.seconds)

        // 26 steps through `run` (2 epochs of 13) and through `measureSteps` leave the same weights.
        let ran = classifierTrainer()
        ran.epochs = 2
        ran.timeLimit = nil
        let straight = classifierTrainer()
        _ = try straight.measureSteps(warmup: 0, steps: 26)
        try ran.run()
        #expect(ran.task.model.stateDict().map(\.tensor.scalars) == straight.task.model.stateDict().map(\.tensor.scalars))
    }

    @Test("the profile names each op's forward and backward, the optimizer and the data, and sums to about the total")
    func profile() throws {
        let trainer = classifierTrainer()
        let (_, profile) = try OpProfiler.profile { try trainer.measureSteps(warmup: 0, steps: 5) }
        let names = Set(profile.entries.map(\.name))
        for name in ["forward linear", "backward linear", "forward relu", "backward relu", "optimizer", "data"] {
            #expect(names.contains(name), "\(name) missing from \(names.sorted())")
        }
        // Two linear layers a step (each one `linear` op, the bias added by the GEMM): two
        // forwards and two backwards a step.
        #expect(profile.entries.first { $0.name == "forward linear" }?.count == 10)
        #expect(profile.entries.first { $0.name == "backward linear" }?.count == 10)
        let charged = profile.entries.map(\.seconds).reduce(0, +)
        #expect(charged <= profile.totalSeconds * 1.0001 && charged >= profile.totalSeconds * 0.5, "\(charged) of \(profile.totalSeconds) s")
        #expect(zip(profile.entries, profile.entries.dropFirst()).allSatisfy { $0.seconds >= $1.seconds })
        let table = profile.table(top: 3)
        #expect(table.split(separator: "\n").count == 1 + 3 + 2 && table.contains("total"))
    }

    @Test("outside a profile nothing is charged, and profiles of concurrent tasks stay apart")
    func scoped() async throws {
        async let first = OpProfiler.profile { try classifierTrainer().measureSteps(warmup: 0, steps: 2) }.profile
        async let second = OpProfiler.profile { try classifierTrainer().measureSteps(warmup: 0, steps: 4) }.profile
        let (a, b) = try await (first, second)
        #expect(a.entries.first { $0.name == "forward linear" }?.count == 4)
        #expect(b.entries.first { $0.name == "forward linear" }?.count == 8)
    }
}
