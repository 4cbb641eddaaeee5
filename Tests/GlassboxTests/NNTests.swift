import Glassbox
import Testing

@Suite("NN layers")
struct NNTests {
    @Test("Sequential parameter names and order follow PyTorch's state_dict")
    func sequentialNames() {
        var g = RandomGenerator(seed: 1)
        let model = Sequential<Float>(
            Linear(inFeatures: 4, outFeatures: 8, generator: &g), ReLU(), Dropout(p: 0.1),
            Linear(inFeatures: 8, outFeatures: 3, bias: false, generator: &g))
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "3.weight"])
        #expect(model.stateDict().map(\.name) == ["0.weight", "0.bias", "3.weight"])
        #expect(model.parameters.map(\.shape) == [[8, 4], [8], [3, 8]])
        #expect(model.parameterCount == 32 + 8 + 24)
        #expect(model.namedBuffers().isEmpty)
        #expect(model.parameters.allSatisfy { $0.requiresGrad })
    }

    @Test("nested Sequential names are dotted paths")
    func nestedNames() {
        let inner = Sequential<Double>(Linear(inFeatures: 2, outFeatures: 2), Tanh())
        let outer = Sequential<Double>(inner, Linear(inFeatures: 2, outFeatures: 1))
        #expect(outer.namedParameters().map(\.name) == ["0.0.weight", "0.0.bias", "1.weight", "1.bias"])
    }

    @Test("Linear init is U(-1/sqrt(in), 1/sqrt(in)) and seeded")
    func linearInit() {
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let a = Linear<Float>(inFeatures: 16, outFeatures: 32, generator: &g1)
        let b = Linear<Float>(inFeatures: 16, outFeatures: 32, generator: &g2)
        #expect(a.weight.scalars == b.weight.scalars)
        #expect(a.bias!.scalars == b.bias!.scalars)
        #expect(a.weight.scalars.allSatisfy { abs($0) <= 0.25 })
        #expect(a.weight.scalars.contains { abs($0) > 0.2 })
        RandomGenerator.manualSeed(3)
        let c = Linear<Double>(inFeatures: 5, outFeatures: 2)
        RandomGenerator.manualSeed(3)
        let d = Linear<Double>(inFeatures: 5, outFeatures: 2)
        let e = Linear<Double>(inFeatures: 5, outFeatures: 2)
        #expect(c.weight.scalars == d.weight.scalars)
        #expect(c.weight.scalars != e.weight.scalars)
    }

    @Test("Linear accepts any leading shape and matches x·Wᵀ + b")
    func linearShapes() {
        let w = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let b = Tensor<Double>([0.5, -1])
        let layer = Linear(weight: w, bias: b)
        let x = Tensor<Double>((0..<12).map(Double.init), shape: [2, 2, 3])
        let y = layer(x)
        #expect(y.shape == [2, 2, 2])
        #expect(y.scalars == [8.5, 16, 26.5, 61, 44.5, 106, 62.5, 151])
        #expect(layer(Tensor<Double>([1, 0, 0])).scalars == [1.5, 3])
        #expect(Linear<Float>(inFeatures: 3, outFeatures: 2, bias: false).ownParameters.count == 1)
    }

    @Test("Dropout: train masks and rescales, eval is the identity, seeded")
    func dropoutModes() {
        let x = Tensor<Double>.ones([1000])
        let layer = Dropout<Double>(p: 0.25, generator: RandomGenerator(seed: 5))
        let y = layer(x).scalars
        #expect(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-12 })
        let kept = y.filter { $0 != 0 }.count
        #expect(kept > 700 && kept < 800)
        let y2 = layer(x).scalars
        #expect(y2 != y)  // the layer's stream advances
        let replay = Dropout<Double>(p: 0.25, generator: RandomGenerator(seed: 5))
        #expect(replay(x).scalars == y)
        layer.eval()
        #expect(!layer.isTraining)
        #expect(layer(x) === x)
        #expect(Dropout<Double>(p: 1)(x).scalars.allSatisfy { $0 == 0 })
    }

    @Test("train() and eval() reach every module")
    func modes() {
        let drop = Dropout<Float>()
        let model = Sequential<Float>(Linear(inFeatures: 2, outFeatures: 2), Sequential<Float>(drop))
        model.eval()
        #expect(!drop.isTraining && !model.isTraining)
        model.train()
        #expect(drop.isTraining)
    }

    @Test("activation layers and Flatten")
    func activationLayers() {
        let x = Tensor<Double>([-2, -0.5, 0.5, 2], shape: [2, 2])
        #expect(ReLU<Double>()(x).scalars == [0, 0, 0.5, 2])
        #expect(LeakyReLU<Double>(negativeSlope: 0.1)(x).scalars == [-0.2, -0.05, 0.5, 2])
        #expect(abs(Sigmoid<Double>()(x).scalars[3] - 1 / (1 + 1 / 7.38905609893065)) < 1e-12)
        #expect(Softmax<Double>(dim: 1)(x).sum(dim: 1).scalars.allSatisfy { abs($0 - 1) < 1e-12 })
        #expect(LogSoftmax<Double>(dim: -1)(x).exp().sum(dim: 1).scalars.allSatisfy { abs($0 - 1) < 1e-12 })
        #expect(Flatten<Double>()(Tensor.zeros([2, 3, 4, 5])).shape == [2, 60])
        #expect(Flatten<Double>(startDim: 0, endDim: 1)(Tensor.zeros([2, 3, 4])).shape == [6, 4])
        for layer: any Layer<Double> in [ELU(), GELU(), GELU(approximate: .tanh), SiLU(), Tanh(), Softplus(), Identity()] {
            #expect(layer(x).shape == [2, 2])
        }
    }

    @Test("loadStateDict copies in place and names bad entries")
    func loadStateDict() throws {
        let model = Sequential<Double>(Linear(inFeatures: 2, outFeatures: 1))
        let weight = model.parameters[0]
        try model.loadStateDict(["0.weight": Tensor([[3, 4]]), "0.bias": Tensor([5])])
        #expect(weight.scalars == [3, 4])
        #expect(model.parameters[1].scalars == [5])
        #expect(throws: StateDictError.missing(name: "0.bias")) { try model.loadStateDict(["0.weight": Tensor([[3, 4]])]) }
        #expect(throws: StateDictError.shapeMismatch(name: "0.weight", expected: [1, 2], found: [2])) {
            try model.loadStateDict(["0.weight": Tensor([3, 4]), "0.bias": Tensor([5])])
        }
        #expect(throws: StateDictError.unexpected(name: "1.weight")) {
            try model.loadStateDict(["0.weight": Tensor([[3, 4]]), "0.bias": Tensor([5]), "1.weight": Tensor([1])])
        }
    }

    @Test("an MLP learns XOR with Adam")
    func xor() {
        var g = RandomGenerator(seed: 0)
        let model = Sequential<Float>(
            Linear(inFeatures: 2, outFeatures: 8, generator: &g), Tanh(),
            Linear(inFeatures: 8, outFeatures: 1, generator: &g))
        let x = Tensor<Float>([[0, 0], [0, 1], [1, 0], [1, 1]])
        let y = Tensor<Float>([[0], [1], [1], [0]])
        let optimizer = Adam(model.parameters, lr: 0.05)
        var loss: Float = .infinity
        for _ in 0..<300 {
            optimizer.zeroGrad()
            let l = mseLoss(model(x), y)
            l.backward()
            optimizer.step()
            loss = l.item
        }
        #expect(loss < 1e-3, "final XOR loss \(loss)")
        let predictions = withoutGrad { model(x) }.scalars
        #expect(zip(predictions, [0, 1, 1, 0] as [Float]).allSatisfy { abs($0 - $1) < 0.1 })
    }

    @Test("a classifier trains with cross-entropy, SGD+momentum and a cosine schedule")
    func classifier() {
        var g = RandomGenerator(seed: 2)
        // Three Gaussian blobs in 2-D.
        let centers: [[Double]] = [[2, 0], [-1, 1.7], [-1, -1.7]]
        var points: [Double] = [], labels: [Int] = []
        for i in 0..<90 {
            let c = i % 3
            points += [centers[c][0] + 0.5 * g.nextNormal(), centers[c][1] + 0.5 * g.nextNormal()]
            labels.append(c)
        }
        let x = Tensor<Double>(points, shape: [90, 2])
        let target = IndexTensor(labels)
        let model = Sequential<Double>(
            Linear(inFeatures: 2, outFeatures: 16, generator: &g), ReLU(),
            Linear(inFeatures: 16, outFeatures: 3, generator: &g))
        let optimizer = SGD(model.parameters, lr: 0.1, momentum: 0.9)
        let schedule = CosineAnnealingLR(optimizer, tMax: 100)
        var loss = 0.0
        for _ in 0..<100 {
            model.zeroGrad()
            let l = crossEntropy(model(x), target)
            l.backward()
            clipGradNorm(model.parameters, maxNorm: 5)
            optimizer.step()
            schedule.step()
            loss = l.item
        }
        #expect(loss < 0.1, "final loss \(loss)")
        #expect(optimizer.learningRate < 1e-12)
        let predicted = withoutGrad { model(x) }.argmax(dim: 1).indices
        #expect(zip(predicted, labels).filter { $0 == $1 }.count >= 88)
    }
}
