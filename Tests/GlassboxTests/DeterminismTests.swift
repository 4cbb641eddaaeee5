import Testing
import Glassbox

/// Same seed + same build ⇒ bitwise-identical results for every thread count.
@Suite("Determinism across thread counts", .serialized)
struct DeterminismTests {
    struct Run: Equatable {
        var output: [Float]
        var gradients: [[Float]]
        var weights: [[Float]]
    }

    /// 20 Adam steps of a 192-192-10 MLP on a fixed batch large enough that GEMMs, elementwise
    /// kernels and reductions split over threads.
    static func train(threads: Int) -> Run {
        let saved = Threading.threadCount
        Threading.threadCount = threads
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 2024)
        let model = Sequential<Float>(
            Linear(inFeatures: 192, outFeatures: 192, generator: &g), Tanh(),
            Linear(inFeatures: 192, outFeatures: 192, generator: &g), GELU(),
            Linear(inFeatures: 192, outFeatures: 10, generator: &g))
        let x = Tensor<Float>.randn([96, 192], generator: &g)
        let labels = IndexTensor((0..<96).map { ($0 * 7) % 10 })
        let optimizer = Adam(model.parameters, lr: 1e-3)
        var gradients: [[Float]] = []
        for step in 0..<20 {
            optimizer.zeroGrad()
            let loss = crossEntropy(model(x), labels)
            loss.backward()
            if step == 19 { gradients = model.parameters.map { $0.grad!.scalars } }
            optimizer.step()
        }
        let output = withoutGrad { model(x) }.scalars
        return Run(output: output, gradients: gradients, weights: model.parameters.map(\.scalars))
    }

    @Test("outputs, gradients and weights after 20 Adam steps are bitwise identical for 1–4 threads")
    func adamStepsAreThreadCountInvariant() {
        let reference = Self.train(threads: 1)
        for threads in 2...4 {
            let run = Self.train(threads: threads)
            #expect(run.output.map(\.bitPattern) == reference.output.map(\.bitPattern), "outputs differ at \(threads) threads")
            #expect(run.gradients.map { $0.map(\.bitPattern) } == reference.gradients.map { $0.map(\.bitPattern) }, "gradients differ at \(threads) threads")
            #expect(run.weights.map { $0.map(\.bitPattern) } == reference.weights.map { $0.map(\.bitPattern) }, "weights differ at \(threads) threads")
        }
    }
}
