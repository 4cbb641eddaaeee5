import Glassbox
import Testing

@Suite("Optimizers and schedules")
struct OptimizerTests {
    typealias T = Tensor<Double>

    /// Minimises ‖p − c‖² with `optimizer` and returns the distance to `c`.
    func minimise(_ p: T, _ optimizer: any Optimizer<Double>, steps: Int) -> Double {
        let c = T([1, -2, 3])
        for _ in 0..<steps {
            optimizer.zeroGrad()
            ((p - c).squared().sum()).backward()
            optimizer.step()
        }
        return (p - c).abs().max().item
    }

    @Test("every optimizer converges on a quadratic")
    func converge() {
        func fresh() -> T { T([0, 0, 0], requiresGrad: true) }
        var p = fresh()
        #expect(minimise(p, SGD([p], lr: 0.1), steps: 200) < 1e-6)
        p = fresh()
        #expect(minimise(p, SGD([p], lr: 0.05, momentum: 0.9, nesterov: true), steps: 300) < 1e-6)
        p = fresh()
        #expect(minimise(p, Adam([p], lr: 0.1), steps: 500) < 1e-3)
        p = fresh()
        #expect(minimise(p, AdamW([p], lr: 0.1, weightDecay: 0), steps: 500) < 1e-3)
        p = fresh()
        #expect(minimise(p, RMSprop([p], lr: 0.01, centered: true), steps: 1000) < 1e-2)
    }

    @Test("the first SGD step is p - lr·g; parameters without gradients are untouched")
    func sgdStep() {
        let a = T([1, 2], requiresGrad: true), b = T([5], requiresGrad: true)
        let optimizer = SGD([a, b], lr: 0.5)
        a.grad = T([2, -4])
        optimizer.step()
        #expect(a.scalars == [0, 4])
        #expect(b.scalars == [5])
        #expect(optimizer.state[1].step == 0)
        optimizer.zeroGrad()
        #expect(a.grad == nil)
    }

    @Test("optimizer state round-trips through stateDict")
    func stateRoundTrip() throws {
        let p1 = T([0.5, -1], requiresGrad: true), p2 = T([0.5, -1], requiresGrad: true)
        let a = Adam([p1], lr: 0.1, amsgrad: true), b = Adam([p2], lr: 0.1, amsgrad: true)
        for g in [[1.0, 2], [-0.5, 0.3]] {
            p1.grad = T(g)
            a.step()
        }
        #expect(a.stateDict().map(\.name) == ["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step"])
        p2.assign(p1)
        try b.loadStateDict(Dictionary(uniqueKeysWithValues: a.stateDict().map { ($0.name, $0.tensor) }))
        p1.grad = T([0.7, 0.1])
        p2.grad = T([0.7, 0.1])
        a.step()
        b.step()
        #expect(p1.scalars == p2.scalars)
        #expect(throws: StateDictError.unexpected(name: "state.3.step")) { try b.loadStateDict(["state.3.step": T(1)]) }
    }

    @Test("optimizers work in Float")
    func float() {
        let p = Tensor<Float>([1, 1], requiresGrad: true)
        let optimizer = AdamW([p], lr: 0.1)
        p.grad = Tensor<Float>([1, -1])
        optimizer.step()
        #expect(abs(p.scalars[0] - (1 - 0.1 * 0.01 - 0.1)) < 1e-6)
        #expect(abs(p.scalars[1] - (1 - 0.1 * 0.01 + 0.1)) < 1e-6)
    }

    @Test("Float running averages flush to 0 below the normal range; Double keeps IEEE subnormals")
    func subnormalRunningAverages() {
        // One gradient of 1, then zeros (a dead unit): the averages decay by 0.9 a step, fall
        // below Float's normal range after about 810 steps and, in IEEE arithmetic, stick at
        // one of the smallest subnormals (0.9·m rounds back to m) instead of reaching 0.
        func runFloat(_ optimizer: any Optimizer<Float>, _ p: Tensor<Float>, steps: Int) {
            for step in 0..<steps {
                p.grad = Tensor<Float>([step == 0 ? 1 : 0])
                optimizer.step()
            }
        }
        let pa = Tensor<Float>([1], requiresGrad: true), adam = Adam([pa], lr: 1e-3)
        runFloat(adam, pa, steps: 1000)
        #expect(adam.state[0].buffers["exp_avg"]!.scalars == [0])
        let ps = Tensor<Float>([1], requiresGrad: true), sgd = SGD([ps], lr: 1e-3, momentum: 0.9)
        runFloat(sgd, ps, steps: 1000)
        #expect(sgd.state[0].buffers["momentum_buffer"]!.scalars == [0])
        let pr = Tensor<Float>([1], requiresGrad: true)
        let rms = RMSprop([pr], lr: 1e-3, alpha: 0.9, centered: true)
        runFloat(rms, pr, steps: 1000)
        #expect(rms.state[0].buffers["square_avg"]!.scalars == [0])
        #expect(rms.state[0].buffers["grad_avg"]!.scalars == [0])
        // The parameter still moved by the first steps and stays finite.
        #expect(pa.scalars[0] < 1 && pa.scalars[0].isFinite)

        // Double: the same decay runs through the subnormals and sticks there, as IEEE says.
        let pd = T([1], requiresGrad: true), adamD = Adam([pd], lr: 1e-3)
        for step in 0..<8000 {
            pd.grad = T([step == 0 ? 1 : 0])
            adamD.step()
        }
        let m = adamD.state[0].buffers["exp_avg"]!.scalars[0]
        #expect(m != 0 && m.magnitude < Double.leastNormalMagnitude)
    }

    @Test("schedules drive the optimizer's learning rate")
    func schedules() {
        let optimizer = SGD([T([0], requiresGrad: true)], lr: 1)
        let warmup = LinearLR(optimizer, startFactor: 0.5, totalIters: 2)
        #expect(optimizer.learningRate == 0.5)
        let step = StepLR(optimizer, stepSize: 2, gamma: 0.1)
        #expect(step.baseLearningRate == 1)  // the initial rate, not the warm-up's
        let chain = SequentialLR(optimizer, schedulers: [warmup, step], milestones: [2])
        var rates = [optimizer.learningRate]
        for _ in 0..<5 {
            chain.step()
            rates.append(optimizer.learningRate)
        }
        let expected = [0.5, 0.75, 1, 1, 0.1, 0.1]
        #expect(zip(rates, expected).allSatisfy { abs($0 - $1) < 1e-15 }, "\(rates)")
        #expect(chain.lastLearningRate == optimizer.learningRate)
    }

    @Test("clipGradNorm returns the norm and scales only above maxNorm")
    func clip() {
        let a = T([0, 0], requiresGrad: true), b = T([0], requiresGrad: true)
        a.grad = T([3, 0])
        b.grad = T([4])
        #expect(clipGradNorm([a, b], maxNorm: 10) == 5)
        #expect(a.grad!.scalars == [3, 0])
        #expect(clipGradNorm([a, b], maxNorm: 1) == 5)
        #expect(abs(b.grad!.item - 4 / (5 + 1e-6)) < 1e-15)
        clipGradValue([a, b], clipValue: 0.1)
        #expect(a.grad!.scalars == [0.1, 0])
    }
}
