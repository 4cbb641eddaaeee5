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

    // Debug builds run unoptimised code ~100× slower: a smaller model there (still above the
    // GEMM's threading threshold); release builds (run by CI) use the full size.
    #if DEBUG
    static let width = 96, batch = 48
    #else
    static let width = 256, batch = 128
    #endif

    /// 20 Adam steps of a width-width-10 MLP on a fixed batch large enough that GEMMs,
    /// elementwise kernels and reductions split over threads.
    static func train(threads: Int) -> Run {
        let saved = Threading.threadCount
        Threading.threadCount = threads
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 2024)
        let model = Sequential<Float>(
            Linear(inFeatures: width, outFeatures: width, generator: &g), Tanh(),
            Linear(inFeatures: width, outFeatures: width, generator: &g), GELU(),
            Linear(inFeatures: width, outFeatures: 10, generator: &g))
        let x = Tensor<Float>.randn([batch, width], generator: &g)
        let labels = IndexTensor((0..<batch).map { ($0 * 7) % 10 })
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
