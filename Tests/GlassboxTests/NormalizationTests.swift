import Foundation
import Glassbox
import GlassboxIO
import GlassboxKernels
import Testing

// BatchNorm1d/2d, GroupNorm and Dropout2d through the public API: outputs against naive
// formulas, running-statistics bookkeeping (momentum, cumulative average, evaluation mode),
// state dicts (PyTorch's I64 num_batches_tracked), the fused backward against the recorded one,
// second derivatives, channel dropout, and the reference runner's state.* outputs.

/// `Tests/Fixtures/reference`, next to this file's folder.
private let referenceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reference").path

/// Per-channel mean and biased variance of `[N, C, *]` in Double.
private func channelStatistics(_ x: Tensor<Double>) -> (mean: [Double], variance: [Double]) {
    let n = x.shape[0], c = x.shape[1], inner = x.count / (n * c)
    var mean: [Double] = [], variance: [Double] = []
    for k in 0..<c {
        let values = (0..<n).flatMap { i in (0..<inner).map { x.scalars[(i * c + k) * inner + $0] } }
        let m = values.reduce(0, +) / Double(values.count)
        mean.append(m)
        variance.append(values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count))
    }
    return (mean, variance)
}

private func expectClose(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12, _ comment: Comment? = nil) {
    #expect(a.count == b.count)
    for (u, v) in zip(a, b) { #expect(abs(u - v) <= tolerance * max(1, abs(v)), comment) }
}

@Suite("Normalization")
struct NormalizationTests {
    @Test("BatchNorm2d in training mode normalises each channel with batch statistics, then weight and bias")
    func batchNormTrainOutput() {
        var g = RandomGenerator(seed: 1)
        let x = Tensor<Double>.randn([4, 3, 5, 2], generator: &g) * 2 + 1
        let layer = BatchNorm2d<Double>(numFeatures: 3)
        layer.weight!.assign(Tensor([0.5, 2, -1]))
        layer.bias!.assign(Tensor([0.1, 0.2, 0.3]))
        let y = layer(x)
        let (mean, variance) = channelStatistics(x)
        var expected = x.scalars
        for i in expected.indices {
            let c = (i / 10) % 3
            expected[i] = (x.scalars[i] - mean[c]) / (variance[c] + 1e-5).squareRoot() * [0.5, 2, -1][c] + [0.1, 0.2, 0.3][c]
        }
        expectClose(y.scalars, expected)
        #expect(y.gradFunctionName == "batchNorm")
    }

    @Test("channelAffine: the fused Float kernels equal the composed multiply and add, forward and every gradient, for 1 and 2 threads")
    func channelAffineMatchesComposite() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 11)
        let x = Tensor<Float>.randn([5, 3, 7, 9], generator: &g, requiresGrad: true)  // inner 63: vectors and a tail
        let weight = Tensor<Float>.randn([3], generator: &g, requiresGrad: true)
        let bias = Tensor<Float>.randn([3], generator: &g, requiresGrad: true)
        let upstream = Tensor<Float>.randn([5, 3, 7, 9], generator: &g)
        let composite = x * weight.reshaped([1, 3, 1, 1]) + bias.reshaped([1, 3, 1, 1])
        let expected = Tensor.gradients(of: (composite * upstream).sum(), withRespectTo: [x, weight, bias])
        var runs: [[[Float]]] = []
        for threads in [1, 2] {
            Threading.threadCount = threads
            let fused = channelAffine(x, weight: weight, bias: bias)
            #expect(fused.scalars == composite.scalars)  // rounded after the product and after the sum, like the composed form
            let grads = Tensor.gradients(of: (fused * upstream).sum(), withRespectTo: [x, weight, bias])
            #expect(grads[0].scalars == expected[0].scalars)
            for k in 1...2 {
                #expect(zip(grads[k].scalars, expected[k].scalars).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
            }
            runs.append(grads.map(\.scalars))
        }
        #expect(runs[0] == runs[1])
    }

    @Test("channelAffineSiLU: the fused Float kernels give the bits of channelAffine then silu, forward and every gradient, for 1 and 2 threads")
    func channelAffineSiLUMatchesTwoOps() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 12)
        // inner 63 (vectors and a tail), 16 (no tail), 40, and 5 (shorter than a vector)
        for shape in [[5, 3, 7, 9], [4, 2, 16], [3, 4, 40], [2, 3, 5]] {
            let c = shape[1]
            let x = Tensor<Float>.randn(shape, generator: &g, requiresGrad: true) * 3
            let weight = Tensor<Float>.randn([c], generator: &g, requiresGrad: true)
            let bias = Tensor<Float>.randn([c], generator: &g, requiresGrad: true)
            let upstream = Tensor<Float>.randn(shape, generator: &g)
            let twoOps = channelAffine(x, weight: weight, bias: bias).silu()
            let expected = Tensor.gradients(of: (twoOps * upstream).sum(), withRespectTo: [x, weight, bias])
            for threads in [1, 2] {
                Threading.threadCount = threads
                let fused = channelAffineSiLU(x, weight: weight, bias: bias)
                #expect(fused.gradFunctionName == "channelAffineSiLU")
                #expect(fused.scalars == twoOps.scalars)
                let grads = Tensor.gradients(of: (fused * upstream).sum(), withRespectTo: [x, weight, bias])
                for k in 0..<3 { #expect(grads[k].scalars == expected[k].scalars, "gradient \(k), shape \(shape), \(threads) threads") }
            }
        }
    }

    @Test("running statistics: momentum update with the unbiased variance, counted batches")
    func runningStatisticsMomentum() {
        var g = RandomGenerator(seed: 2)
        let layer = BatchNorm1d<Double>(numFeatures: 2, momentum: 0.25)
        var mean = [0.0, 0.0], variance = [1.0, 1.0]
        for step in 1...3 {
            let x = Tensor<Double>.randn([6, 2], generator: &g) * Double(step) + 0.5
            _ = layer(x)
            let s = channelStatistics(x)
            mean = zip(mean, s.mean).map { 0.75 * $0 + 0.25 * $1 }
            variance = zip(variance, s.variance).map { 0.75 * $0 + 0.25 * $1 * 6 / 5 }
            expectClose(layer.runningMean!.scalars, mean)
            expectClose(layer.runningVar!.scalars, variance)
            #expect(layer.numBatchesTracked!.item == Double(step))
        }
    }

    @Test("running statistics: momentum nil is the cumulative average of the batch statistics")
    func runningStatisticsCumulative() {
        var g = RandomGenerator(seed: 3)
        let layer = BatchNorm1d<Double>(numFeatures: 3, momentum: nil)
        var means: [[Double]] = [], variances: [[Double]] = []
        for _ in 0..<4 {
            let x = Tensor<Double>.randn([5, 3, 4], generator: &g) + Tensor<Double>.randn([1, 3, 1], generator: &g)
            _ = layer(x)
            let s = channelStatistics(x)
            means.append(s.mean)
            variances.append(s.variance.map { $0 * 20 / 19 })
        }
        expectClose(layer.runningMean!.scalars, (0..<3).map { c in means.reduce(0) { $0 + $1[c] } / 4 })
        expectClose(layer.runningVar!.scalars, (0..<3).map { c in variances.reduce(0) { $0 + $1[c] } / 4 })
        #expect(layer.numBatchesTracked!.item == 4)
    }

    @Test("evaluation mode uses the running statistics and updates nothing")
    func evaluationMode() {
        var g = RandomGenerator(seed: 4)
        let layer = BatchNorm2d<Double>(numFeatures: 2).eval()
        layer.runningMean!.assign(Tensor([0.5, -1]))
        layer.runningVar!.assign(Tensor([4, 0.25]))
        layer.weight!.assign(Tensor([2, 3]))
        layer.bias!.assign(Tensor([1, 0]))
        let x = Tensor<Double>.randn([3, 2, 2, 2], generator: &g, requiresGrad: true)
        let y = layer(x)
        var expected = x.scalars
        for i in expected.indices {
            let c = (i / 4) % 2
            expected[i] = (x.scalars[i] - [0.5, -1][c]) / ([4, 0.25][c] + 1e-5).squareRoot() * [2, 3][c] + [1, 0][c]
        }
        expectClose(y.scalars, expected)
        #expect(layer.runningMean!.scalars == [0.5, -1])
        #expect(layer.runningVar!.scalars == [4, 0.25])
        #expect(layer.numBatchesTracked!.item == 0)
        // The gradient is the constant scale per channel.
        let dx = Tensor.gradients(of: y.sum(), withRespectTo: [x])[0]
        let scale: [Double] = [2 / (4 + 1e-5).squareRoot(), 3 / (0.25 + 1e-5).squareRoot()]
        expectClose(dx.scalars, (0..<24).map { scale[($0 / 4) % 2] })
    }

    @Test("affine false has no parameters; trackRunningStats false has no buffers and always uses batch statistics")
    func optionalState() {
        let plain = BatchNorm2d<Float>(numFeatures: 4, affine: false)
        #expect(plain.parameters.isEmpty)
        #expect(plain.stateDict().map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        let full = BatchNorm1d<Float>(numFeatures: 4)
        #expect(full.stateDict().map(\.name) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(full.weight!.scalars == [1, 1, 1, 1] && full.bias!.scalars == [0, 0, 0, 0])
        #expect(full.runningMean!.scalars == [0, 0, 0, 0] && full.runningVar!.scalars == [1, 1, 1, 1])
        let untracked = BatchNorm1d<Double>(numFeatures: 2, trackRunningStats: false)
        #expect(untracked.namedBuffers().isEmpty)
        var g = RandomGenerator(seed: 5)
        let x = Tensor<Double>.randn([5, 2], generator: &g)
        let train = untracked(x).scalars
        untracked.eval()
        #expect(untracked(x).scalars == train)
        expectClose(channelStatistics(untracked(x).reshaped([5, 2, 1])).mean, [0, 0])
    }

    @Test("BatchNorm1d takes [N, C] and [N, C, L]; the functional form matches the layer")
    func batchNorm1dInputs() {
        var g = RandomGenerator(seed: 6)
        let x2 = Tensor<Float>.randn([8, 3], generator: &g)
        let x3 = Tensor<Float>.randn([4, 3, 5], generator: &g)
        let layer = BatchNorm1d<Float>(numFeatures: 3)
        #expect(layer(x2).shape == [8, 3])
        #expect(layer(x3).shape == [4, 3, 5])
        let mean = Tensor<Float>.zeros([3]), variance = Tensor<Float>.ones([3])
        let functional = batchNorm(x3, runningMean: mean, runningVar: variance, training: true, momentum: 0.1)
        let fresh = BatchNorm1d<Float>(numFeatures: 3, affine: false)
        #expect(fresh(x3).scalars == functional.scalars)
        #expect(fresh.runningMean!.scalars == mean.scalars && fresh.runningVar!.scalars == variance.scalars)
    }

    @Test("the fused backward equals the recorded closed form (first derivatives, all inputs)")
    func fusedBackwardMatchesGraph() {
        var g = RandomGenerator(seed: 7)
        for shape in [[4, 3, 3, 2], [6, 2], [1, 4, 9]] {
            let x = Tensor<Double>.randn(shape, generator: &g, requiresGrad: true)
            let channels = shape[1]
            let w = Tensor<Double>.randn([channels], generator: &g, requiresGrad: true)
            let b = Tensor<Double>.randn([channels], generator: &g, requiresGrad: true)
            let gy = Tensor<Double>.randn(shape, generator: &g)
            let y = batchNorm(x, runningMean: nil, runningVar: nil, weight: w, bias: b, training: true)
            let fused = Tensor.gradients(of: y, withRespectTo: [x, w, b], gradOutput: gy)
            let recorded = Tensor.gradients(of: y, withRespectTo: [x, w, b], gradOutput: gy, createGraph: true)
            for (a, r) in zip(fused, recorded) { expectClose(a.scalars, r.scalars, 1e-12, "\(shape)") }
            #expect(recorded[0].requiresGrad)
        }
    }

    @Test("second derivatives through batch norm match finite differences of the gradient")
    func batchNormSecondOrder() {
        var g = RandomGenerator(seed: 8)
        let x = Tensor<Double>.randn([3, 2, 2, 2], generator: &g, requiresGrad: true)
        let w = Tensor<Double>.randn([2], generator: &g, requiresGrad: true)
        let v = Tensor<Double>.randn([3, 2, 2, 2], generator: &g)
        let gy = Tensor<Double>.randn([3, 2, 2, 2], generator: &g)
        func gradient(_ x: Tensor<Double>, _ w: Tensor<Double>, createGraph: Bool) -> [Tensor<Double>] {
            let y = batchNorm(x, runningMean: nil, runningVar: nil, weight: w, training: true)
            return Tensor.gradients(of: (y * gy).sum(), withRespectTo: [x, w], createGraph: createGraph)
        }
        // Hessian-vector product along (v, 0): ∂⟨∇ₓL, v⟩/∂(x, w).
        let first = gradient(x, w, createGraph: true)
        let hv = Tensor.gradients(of: (first[0] * v).sum(), withRespectTo: [x, w])
        let eps = 1e-5
        let plus = gradient(Tensor((x.detached() + v * eps).scalars, shape: x.shape, requiresGrad: true), w, createGraph: false)
        let minus = gradient(Tensor((x.detached() - v * eps).scalars, shape: x.shape, requiresGrad: true), w, createGraph: false)
        // Symmetry of the Hessian: the x block is H_xx·v, the w block H_wx·v; both equal the
        // change of the matching gradient along v.
        for k in 0..<2 {
            let numeric = zip(plus[k].scalars, minus[k].scalars).map { ($0 - $1) / (2 * eps) }
            expectClose(hv[k].scalars, numeric, 1e-6, "block \(k)")
        }
    }

    @Test("GroupNorm normalises each group of channels per sample; one group per channel and one group overall")
    func groupNormValues() {
        var g = RandomGenerator(seed: 9)
        let x = Tensor<Double>.randn([2, 6, 3, 2], generator: &g)
        for groups in [1, 2, 3, 6] {
            let layer = GroupNorm<Double>(numGroups: groups, numChannels: 6)
            let w = Tensor<Double>.randn([6], generator: &g), b = Tensor<Double>.randn([6], generator: &g)
            layer.weight!.assign(w)
            layer.bias!.assign(b)
            let y = layer(x)
            // Naive: [N, G, rest] rows normalised, then the per-channel affine map.
            let perGroup = 6 / groups * 6
            var expected = x.scalars
            for row in 0..<(2 * groups) {
                let values = Array(x.scalars[(row * perGroup)..<((row + 1) * perGroup)])
                let m = values.reduce(0, +) / Double(perGroup)
                let v = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(perGroup)
                for i in 0..<perGroup {
                    let flat = row * perGroup + i, c = (flat / 6) % 6
                    expected[flat] = (values[i] - m) / (v + 1e-5).squareRoot() * w.scalars[c] + b.scalars[c]
                }
            }
            expectClose(y.scalars, expected, 1e-12, "groups \(groups)")
        }
        #expect(GroupNorm<Float>(numGroups: 4, numChannels: 32).stateDict().map(\.name) == ["weight", "bias"])
        #expect(GroupNorm<Float>(numGroups: 4, numChannels: 32, affine: false).parameters.isEmpty)
    }

    @Test("Dropout2d zeroes whole channels, scales the rest by 1/(1 − p), and is the identity in eval")
    func dropout2dChannels() {
        let x = Tensor<Double>.ones([8, 16, 3, 3], requiresGrad: true)
        let layer = Dropout2d<Double>(p: 0.25, generator: RandomGenerator(seed: 10))
        let y = layer(x)
        var dropped = 0
        for plane in 0..<(8 * 16) {
            let values = Set(y.scalars[(plane * 9)..<((plane + 1) * 9)])
            #expect(values == [0] || values == [1 / 0.75])
            if values == [0] { dropped += 1 }
        }
        #expect(dropped > 16 && dropped < 48)  // 128 channels at p = 0.25: 32 expected
        let dx = Tensor.gradients(of: y.sum(), withRespectTo: [x])[0]
        #expect(dx.scalars == y.scalars)
        // The same generator gives the same mask; the layer's generator advances.
        #expect(Dropout2d<Double>(p: 0.25, generator: RandomGenerator(seed: 10))(x).scalars == y.scalars)
        #expect(layer(x).scalars != y.scalars)
        layer.eval()
        #expect(layer(x) === x)
        var generator = RandomGenerator(seed: 1)
        #expect(dropout2d(x, p: 1, generator: &generator).scalars.allSatisfy { $0 == 0 })
        #expect(dropout2d(x, p: 0, generator: &generator) === x)
        #expect(Dropout2d<Float>(p: 0.5)(Tensor<Float>.ones([2, 3, 4])).shape == [2, 3, 4])
    }

    @Test("Module.load accepts PyTorch's I64 num_batches_tracked; save writes it back as a number")
    func stateDictWithInt64Counter() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-bn-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = SafeTensors(tensors: [
            ("weight", ArrayData(floats: [1, 2], shape: [2])), ("bias", ArrayData(floats: [0, 1], shape: [2])),
            ("running_mean", ArrayData(floats: [0.5, -0.5], shape: [2])), ("running_var", ArrayData(floats: [2, 3], shape: [2])),
            ("num_batches_tracked", ArrayData(int64s: [7], shape: [])),
        ])
        try file.write(to: directory + "/bn.safetensors")
        let layer = BatchNorm2d<Float>(numFeatures: 2, momentum: nil)
        try layer.load(from: directory + "/bn.safetensors")
        #expect(layer.numBatchesTracked!.item == 7)
        #expect(layer.runningVar!.scalars == [2, 3])
        // The next training batch is the 8th of a cumulative average.
        _ = layer(Tensor<Float>.zeros([2, 2, 1, 1]))
        #expect(layer.numBatchesTracked!.item == 8)
        let expectedMean: [Float] = [0.4375, -0.4375]  // ±0.5 · 7/8
        #expect(layer.runningMean!.scalars == expectedMean)
        try layer.save(to: directory + "/saved.safetensors")
        let saved = try SafeTensors(contentsOf: directory + "/saved.safetensors")
        #expect(saved["num_batches_tracked"]?.asDoubles() == [8])
    }

    @Test("reference runner: a training BatchNorm case returns state.running_mean/var, compared with PyTorch's")
    func referenceState() throws {
        let directory = referenceFixtures + "/batchnorm2d_train_f64"
        let referenceCase = try ReferenceCase(json: JSONValue(parsing: FileIO.readBytes(atPath: directory + "/case.json")))
        var weights = try SafeTensors(contentsOf: directory + "/weights.safetensors")
        let inputs = try SafeTensors(contentsOf: directory + "/inputs.safetensors")
        let expected = try SafeTensors(contentsOf: directory + "/expected.safetensors")
        #expect(weights["num_batches_tracked"]?.dtype == .i64)
        let result = try ReferenceRunner.run(referenceCase, weights: weights, inputs: inputs)
        let names = result.tensors.map(\.name)
        #expect(names.contains("state.running_mean") && names.contains("state.running_var"))
        #expect(!names.contains("state.num_batches_tracked"))
        #expect(TensorComparison(result, expected, rtol: 1e-9, atol: 1e-9).passed)
        // The running statistics moved, and a wrong state fails the comparison.
        #expect(result["state.running_mean"] != weights["running_mean"])
        var wrong = result
        wrong.tensors = wrong.tensors.map { $0.name == "state.running_var" ? ($0.name, weights["running_var"]!) : $0 }
        #expect(!TensorComparison(wrong, expected, rtol: 1e-9, atol: 1e-9).passed)
        // Evaluation mode writes no state.
        let evaluation = ReferenceCase(module: referenceCase.module, args: referenceCase.args, train: false)
        #expect(try ReferenceRunner.run(evaluation, weights: weights, inputs: inputs).tensors.allSatisfy { !$0.name.hasPrefix("state.") })
        // num_batches_tracked may be an integer or the inputs' dtype, nothing else.
        weights.tensors = weights.tensors.map { $0.name == "num_batches_tracked" ? ($0.name, ArrayData(floats: [3], shape: [])) : $0 }
        #expect(throws: ReferenceError.invalidWeight(name: "num_batches_tracked", problem: "has dtype F32, expected an integer dtype (I64) or F64")) {
            try ReferenceRunner.run(referenceCase, weights: weights, inputs: inputs)
        }
    }
}
