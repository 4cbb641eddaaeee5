import Foundation
import Glassbox
import GlassboxIO
import Testing

@Suite("more activations and losses")
struct ActivationsAndLossesTests {
    private func input(_ values: [Double], _ shape: [Int], name: String = "input") -> (String, ArrayData) {
        (name, ArrayData(doubles: values, shape: shape))
    }

    @Test("leakyRelu: the fused Float kernels give the bits of the composed x·f, forward and gradient, zeros and NaN included, for 1 and 2 threads")
    func leakyReluFusedMatchesComposite() {
        let saved = Threading.threadCount
        defer { Threading.threadCount = saved }
        var g = RandomGenerator(seed: 21)
        for count in [1 << 17 | 5, 37] {  // threaded with a tail; one chunk
            var values = Tensor<Float>.randn([count], generator: &g).scalars
            values[0] = 0
            values[1] = -0.0
            values[2] = .nan
            values[3] = .infinity
            values[4] = -.infinity
            let x = Tensor<Float>(values, shape: [count], requiresGrad: true)
            let upstream = Tensor<Float>.randn([count], generator: &g)
            let slope: Float = 0.2
            let mask = Tensor<Float>(values.map { $0 > 0 ? 1 : 0 }, shape: [count])
            let factor = mask + (1 - mask) * slope
            let composed = x * factor
            let expected = Tensor.gradients(of: (composed * upstream).sum(), withRespectTo: [x])[0]
            for threads in [1, 2] {
                Threading.threadCount = threads
                let y = x.leakyRelu(negativeSlope: slope)
                #expect(y.gradFunctionName == "leakyRelu")
                #expect(zip(y.scalars, composed.scalars).allSatisfy { $0.bitPattern == $1.bitPattern })
                let dx = Tensor.gradients(of: (y * upstream).sum(), withRespectTo: [x])[0]
                #expect(zip(dx.scalars, expected.scalars).allSatisfy { $0.bitPattern == $1.bitPattern })
            }
        }
    }

    @Test("layers: PyTorch's values at a few points, PReLU's state_dict")
    func layers() throws {
        let x = Tensor<Double>([-4, -1, 0.5, 2, 7])
        #expect(ReLU6<Double>()(x).scalars == [0, 0, 0.5, 2, 6])
        #expect(Hardtanh<Double>(minVal: -0.5, maxVal: 1.5)(x).scalars == [-0.5, -0.5, 0.5, 1.5, 1.5])
        #expect(Hardshrink<Double>(lambd: 1)(x).scalars == [-4, 0, 0, 2, 7])
        #expect(Softshrink<Double>(lambd: 1)(x).scalars == [-3, 0, 0, 1, 6])
        #expect(Threshold<Double>(threshold: 0.5, value: -9)(x).scalars == [-9, -9, -9, 2, 7])
        let hardswish: [Double] = [0, -2.0 / 6, 1.75 / 6, 10.0 / 6, 7]
        #expect(Hardswish<Double>()(x).scalars == hardswish)
        let prelu = PReLU<Double>(numParameters: 2, init: 0.1)
        #expect(prelu.stateDict().map(\.name) == ["weight"])
        #expect(prelu(Tensor([-1, 2, -3, -4], shape: [2, 2])).scalars == [-0.1, 2, -0.30000000000000004, -0.4])
        let glu = GLU<Double>(dim: 0)(Tensor([1, 2, 0, 0], shape: [4]))
        #expect(glu.scalars == [0.5, 1])
    }

    @Test("reference errors: random RReLU, a missing input by its PyTorch name, bad arguments")
    func referenceErrors() throws {
        let x = SafeTensors(tensors: [input([1, -2], [2])])
        let rrelu = ReferenceCase(module: "RReLU", args: JSONObject([("lower", .number(0.1)), ("upper", .number(0.3))]), train: true)
        #expect(throws: ReferenceError.self) { try ReferenceRunner.run(rrelu, weights: SafeTensors(), inputs: x) }
        let fixed = ReferenceCase(module: "RReLU", args: JSONObject([("lower", .number(0.25)), ("upper", .number(0.25))]), train: true)
        let out = try ReferenceRunner.run(fixed, weights: SafeTensors(), inputs: x)
        #expect(out["output"] == ArrayData(doubles: [1, -0.5], shape: [2]))

        let gaussian = ReferenceCase(module: "GaussianNLLLoss")
        let noVar = SafeTensors(tensors: [input([1, 2], [2]), input([0, 1], [2], name: "target")])
        #expect(throws: ReferenceError.missingInput("var")) { try ReferenceRunner.run(gaussian, weights: SafeTensors(), inputs: noVar) }
        let triplet = ReferenceCase(module: "TripletMarginLoss", args: JSONObject([("swapp", .bool(true))]))
        #expect(throws: ReferenceError.unknownArgument(module: "TripletMarginLoss", name: "swapp")) {
            try ReferenceRunner.run(triplet, weights: SafeTensors(), inputs: x)
        }
        let multiMargin = ReferenceCase(module: "MultiMarginLoss", args: JSONObject([("p", .integer(3))]))
        #expect(throws: ReferenceError.invalidArgument(module: "MultiMarginLoss", name: "p", expected: "1 or 2")) {
            try ReferenceRunner.run(multiMargin, weights: SafeTensors(), inputs: x)
        }
        let kl = ReferenceCase(module: "KLDivLoss", args: JSONObject([("reduction", .string("batch"))]))
        #expect(throws: ReferenceError.invalidArgument(
            module: "KLDivLoss", name: "reduction", expected: "one of 'none', 'mean', 'sum', 'batchmean'")) {
            try ReferenceRunner.run(kl, weights: SafeTensors(), inputs: x)
        }
    }

    @Test("losses: values PyTorch gives")
    func lossValues() {
        let x = Tensor<Double>([0.5, -1, 2], shape: [3])
        let y = Tensor<Double>([1, -1, -1])
        // hinge_embedding_loss(x, y, margin=1, reduction='sum') = 0.5 + 2 + 0 = 2.5
        #expect(hingeEmbeddingLoss(x, y, reduction: .sum).item == 2.5)
        // margin_ranking_loss([0.5, -1, 2], 0, y, margin=0.5, 'none') = [0, 0, 2.5]
        #expect(marginRankingLoss(x, Tensor.zeros([3]), y, margin: 0.5, reduction: .none).scalars == [0, 0, 2.5])
        // kl_div(log q, p, 'batchmean') on one row is Σ p (log p − log q).
        let p = Tensor<Double>([0.25, 0.75], shape: [1, 2]), q = Tensor<Double>([0.5, 0.5], shape: [1, 2])
        let expected: Double = 0.25 * Foundation.log(0.5) + 0.75 * Foundation.log(1.5)
        let loss: Double = klDivLoss(q.log(), p, reduction: .batchmean).item
        #expect(Swift.abs(loss - expected) < 1e-15)
    }
}
