import Foundation
import Glassbox
import Testing

@Suite("Losses")
struct LossTests {
    typealias T = Tensor<Double>

    @Test("reductions: none keeps the shape, sum and mean are scalars")
    func reductions() {
        let x = T([[1, 2], [3, 4]]), y = T([[1, 0], [0, 0]])
        #expect(mseLoss(x, y, reduction: .none).shape == [2, 2])
        #expect(mseLoss(x, y, reduction: .sum).item == 29)
        #expect(mseLoss(x, y).item == 29.0 / 4)
        #expect(l1Loss(x, y).item == 9.0 / 4)
        #expect(huberLoss(T([0.5, 3]), T([0, 0]), reduction: .none).scalars == [0.125, 2.5])
        #expect(smoothL1Loss(T([0.5, 3]), T([0, 0]), reduction: .none, beta: 0).scalars == [0.5, 3])
    }

    @Test("cross-entropy equals -log softmax at the target, in Float and Double")
    func crossEntropyValue() {
        let logits = T([[1, 2, 3], [1, 1, 1]])
        let loss = crossEntropy(logits, IndexTensor([2, 0]), reduction: .none)
        let expected0 = -(3 - log(exp(1.0) + exp(2.0) + exp(3.0)))
        #expect(abs(loss.scalars[0] - expected0) < 1e-12)
        #expect(abs(loss.scalars[1] - log(3.0)) < 1e-12)
        let f = crossEntropy(Tensor<Float>([[1, 2, 3], [1, 1, 1]]), IndexTensor([2, 0]))
        #expect(abs(Double(f.item) - (expected0 + log(3.0)) / 2) < 1e-6)
    }

    @Test("ignored targets: no loss, no gradient; the mean is over the others")
    func ignoreIndex() {
        let logits = T([[1, 2, 3], [4, -1, 0], [0, 0, 1]], requiresGrad: true)
        let loss = crossEntropy(logits, IndexTensor([2, -100, 1]))
        let kept = crossEntropy(T([[1, 2, 3], [0, 0, 1]]), IndexTensor([2, 1]))
        #expect(abs(loss.item - kept.item) < 1e-12)
        loss.backward()
        #expect(logits.grad!.scalars[3..<6].allSatisfy { $0 == 0 })
        #expect(crossEntropy(logits, IndexTensor([-100, -100, -100])).item.isNaN)  // 0/0, as in PyTorch
    }

    @Test("label smoothing of 1 gives the uniform-target loss")
    func fullSmoothing() {
        let logits = T([[0.2, -1, 3]])
        let smoothed = crossEntropy(logits, IndexTensor([0]), labelSmoothing: 1)
        let uniform = crossEntropy(logits, probabilities: T([[1, 1, 1]]) / 3)
        #expect(abs(smoothed.item - uniform.item) < 1e-12)
    }

    @Test("binary cross-entropy clamps its logs at -100")
    func bceClamp() {
        let loss = binaryCrossEntropy(T([0, 1]), T([1, 0]), reduction: .none)
        #expect(loss.scalars == [100, 100])
        let logits = T([30, -30, 0])
        let stable = binaryCrossEntropyWithLogits(logits, T([1, 0, 1]), reduction: .none).scalars
        #expect(stable.allSatisfy { $0.isFinite })
        #expect(abs(stable[2] - log(2.0)) < 1e-15)
    }

    @Test("BCE with logits equals BCE of the sigmoid")
    func bceLogitsMatchesBCE() {
        let z = T([-2, -0.5, 0.3, 1.7]), t = T([0, 1, 0.3, 1])
        let a = binaryCrossEntropyWithLogits(z, t).item
        let b = binaryCrossEntropy(z.sigmoid(), t).item
        #expect(abs(a - b) < 1e-12)
    }
}
