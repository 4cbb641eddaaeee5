import Glassbox
import Testing

@Suite("attribution")
struct AttributionTests {
    /// A smooth two-layer model on 2×3 "images": flatten, tanh hidden layer, 4 scores.
    static func model() -> Sequential<Double> {
        var g = RandomGenerator(seed: 3)
        return Sequential(
            Flatten(), Linear(inFeatures: 6, outFeatures: 5, generator: &g), Tanh(),
            Linear(inFeatures: 5, outFeatures: 4, generator: &g))
    }

    static func score(_ model: Sequential<Double>, _ x: Tensor<Double>, _ c: Int) -> Double {
        withoutGrad { model(x.unsqueezed(0))[element: [0, c]] }
    }

    @Test("saliency equals the central-difference gradient of the class score")
    func saliencyMatchesFiniteDifferences() {
        let model = Self.model()
        var g = RandomGenerator(seed: 5)
        let x = Tensor<Double>.randn([2, 3], generator: &g)
        let saliency = Attribution.saliency(model, input: x, target: 2)
        #expect(saliency.shape == [2, 3])
        let h = 1e-6
        for i in 0..<6 {
            var plus = x.scalars, minus = x.scalars
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.score(model, Tensor(plus, shape: [2, 3]), 2) - Self.score(model, Tensor(minus, shape: [2, 3]), 2)) / (2 * h)
            #expect(abs(saliency.scalars[i] - numeric) < 1e-8)
        }
        #expect(model.parameters.allSatisfy { $0.grad == nil })
    }

    @Test("integrated gradients are complete: they sum to F(x) − F(baseline)")
    func integratedGradientsCompleteness() {
        let model = Self.model()
        var g = RandomGenerator(seed: 8)
        let x = Tensor<Double>.randn([2, 3], generator: &g) * 2
        let baseline = Tensor<Double>.randn([2, 3], generator: &g)
        for target in 0..<4 {
            let ig = Attribution.integratedGradients(model, input: x, baseline: baseline, target: target, steps: 256, batchSize: 50)
            let expected = Self.score(model, x, target) - Self.score(model, baseline, target)
            #expect(abs(ig.sum().item - expected) < 1e-4 * max(1, abs(expected)))
        }
        // One step is the trapezoid of the two end gradients.
        let one = Attribution.integratedGradients(model, input: x, baseline: baseline, target: 1, steps: 1)
        let ends = (Attribution.saliency(model, input: x, target: 1) + Attribution.saliency(model, input: baseline, target: 1)) * 0.5
        let manual = ends * (x - baseline)
        #expect(zip(one.scalars, manual.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test("the model's training mode is restored")
    func restoresMode() {
        let model = Self.model()
        _ = Attribution.saliency(model, input: Tensor.zeros([2, 3]), target: 0)
        #expect(model.isTraining)
        model.eval()
        _ = Attribution.integratedGradients(model, input: Tensor.ones([2, 3]), target: 0, steps: 4)
        #expect(!model.isTraining)
    }
}
