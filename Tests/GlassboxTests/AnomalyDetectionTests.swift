import Glassbox
import Testing

/// A layer that takes the logarithm of `input − shift`: with `shift` above every input, a
/// planted NaN in the middle of a model.
final class ShiftedLog: Layer {
    typealias Scalar = Float
    let shift: Float
    var isTraining = true
    init(shift: Float) { self.shift = shift }
    func callAsFunction(_ input: Tensor<Float>) -> Tensor<Float> { (input - shift).log() }
}

@Suite("Anomaly detection (withAnomalyDetection)")
struct AnomalyDetectionTests {
    /// Linear(4, 8) → Tanh → Linear(8, 8) → Tanh → log(x − shift) → Linear(8, 3): tanh keeps
    /// the values in (−1, 1), so a shift of 2 makes every logarithm's argument negative.
    static func model(shift: Float) -> Sequential<Float> {
        var g = RandomGenerator(seed: 11)
        return Sequential(
            Linear<Float>(inFeatures: 4, outFeatures: 8, generator: &g), Tanh(),
            Linear<Float>(inFeatures: 8, outFeatures: 8, generator: &g), Tanh(),
            ShiftedLog(shift: shift),
            Linear<Float>(inFeatures: 8, outFeatures: 3, generator: &g))
    }

    static func batch() -> (Tensor<Float>, IndexTensor) {
        var g = RandomGenerator(seed: 12)
        return (Tensor<Float>.randn([5, 4], generator: &g), IndexTensor([0, 1, 2, 0, 1]))
    }

    @Test("a log of a negative number deep in a model is named, as forward, with its shapes")
    func plantedNaNInModel() throws {
        let model = Self.model(shift: 2)
        let (x, labels) = Self.batch()
        // Without detection the NaN goes unnoticed until the loss.
        #expect(crossEntropy(model(x), labels).item.isNaN)

        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                let loss = crossEntropy(model(x), labels)
                loss.backward()
            }
        }
        #expect(error?.op == .log)
        #expect(error?.phase == .forward)
        #expect(error?.value == .nan)
        #expect(error?.inputShapes == [[5, 8]])
        #expect(error?.outputShape == [5, 8])
        #expect(error?.gradientInput == nil)
        #expect(
            error?.description
                == "anomaly detected in the forward pass: 'log' returned NaN (inputs [5, 8] → output [5, 8])")
    }

    @Test("a finite model passes, returns the body's value, and the mode is scoped")
    func cleanRunReturns() throws {
        let model = Self.model(shift: -2)  // log(x + 2) with x in (−1, 1): finite
        let (x, labels) = Self.batch()
        #expect(!isAnomalyDetectionEnabled)
        let loss = try withAnomalyDetection {
            #expect(isAnomalyDetectionEnabled)
            let loss = crossEntropy(model(x), labels)
            loss.backward()
            try checkAnomalies()
            return loss.item
        }
        #expect(loss.isFinite)
        #expect(!isAnomalyDetectionEnabled)
        try checkAnomalies()  // outside a scope: nothing to throw
    }

    @Test("log(0) is reported as Inf")
    func infinityIsNamed() {
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection { _ = Tensor<Double>([1, 0, 2]).log() }
        }
        #expect(error?.op == .log)
        #expect(error?.value == .infinity)
    }

    @Test("sqrt at 0 is finite forward but gives an infinite gradient: named as sqrt's backward")
    func backwardOnlyAnomaly() {
        let x = Tensor<Double>([0, 1, 4], requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                let y = x.sqrt()
                #expect(y.scalars == [0, 1, 2])
                (y * 3).sum().backward()
            }
        }
        // Not the `divide` inside sqrt's backward function: the node whose backward it is.
        #expect(error?.op == .sqrt)
        #expect(error?.phase == .backward)
        #expect(error?.value == .infinity)
        #expect(error?.gradientInput == 0)
        #expect(error?.inputShapes == [[3]])
        #expect(error?.outputShape == [3])
        #expect(
            error?.description
                == "anomaly detected in the backward pass: the backward of 'sqrt' returned Inf in the gradient of "
                + "input 0 of shape [3] (its forward: inputs [3] → output [3])")
    }

    @Test("a two-input op's backward names the input whose gradient is not finite")
    func backwardNamesTheInput() {
        // a/b = 1 both times; ∂a = g/b is finite, but ∂b = −g·a/b² overflows where b² underflows.
        let a = Tensor<Double>([1, 1e-200], requiresGrad: true)
        let b = Tensor<Double>([1, 1e-200], requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection { (a / b).sum().backward() }
        }
        #expect(error?.op == .divide)
        #expect(error?.phase == .backward)
        #expect(error?.value == .infinity)
        #expect(error?.gradientInput == 1)
        #expect(error?.inputShapes == [[2], [2]])
    }

    @Test("checkAnomalies stops a training step before the optimizer touches the weights")
    func checkStopsBeforeStep() {
        let w = Tensor<Double>([0, 1, 4], requiresGrad: true)
        let optimizer = SGD([w], lr: 0.1)
        var stepped = false
        #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                w.sqrt().sum().backward()
                try checkAnomalies()
                optimizer.step()
                stepped = true
            }
        }
        #expect(!stepped)
        #expect(w.scalars == [0, 1, 4])
    }

    @Test("the first anomaly wins over later ones and over the body's own error")
    func firstAnomalyWins() {
        struct Late: Error {}
        let x = Tensor<Double>([-1, 4], requiresGrad: true)
        let error = #expect(throws: AnomalyError.self) {
            try withAnomalyDetection {
                let y = x.log().sqrt()  // log(−1) = NaN first; sqrt(NaN) = NaN after
                y.sum().backward()
                throw Late()
            }
        }
        #expect(error?.op == .log)
        #expect(error?.phase == .forward)
        // Without an anomaly, the body's error comes through unchanged.
        #expect(throws: Late.self) { try withAnomalyDetection { throw Late() } }
    }
}
