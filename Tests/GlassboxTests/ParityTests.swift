import Foundation
import Glassbox
import Testing

/// Compares the nn layer with PyTorch 2.x on fixtures written by `Scripts/make_nn_fixtures.py`
/// (float64 JSON in `Fixtures/nn/`). No Python is needed to run these tests.
@Suite("PyTorch parity (nn)")
struct ParityTests {
    typealias T = Tensor<Double>

    @Test("losses: outputs and input/target gradients", arguments: Fixture.cases("losses.json").map(\.name))
    func loss(name: String) throws {
        let c = try #require(Fixture.cases("losses.json").first { $0.name == name })
        let args = c.object["args"] as? [String: Any] ?? [:]
        let reduction = LossReduction(rawValue: args["reduction"] as? String ?? "mean")!
        let weight = (args["weight"] as? [Double]).map { T($0) }
        let posWeight = (args["pos_weight"] as? [Double]).map { T($0) }
        let input = c.tensor("input", requiresGrad: true)
        let target = c.has("target") ? c.tensor("target", requiresGrad: c.has("grad_target")) : nil
        let index = c.has("target_index") ? c.index("target_index") : nil
        let smoothing = args["label_smoothing"] as? Double ?? 0
        let ignoreIndex = args["ignore_index"] as? Int ?? -100
        let fn = c.object["fn"] as! String
        let output: T
        switch fn {
        case "mse": output = mseLoss(input, target!, reduction: reduction)
        case "l1": output = l1Loss(input, target!, reduction: reduction)
        case "huber": output = huberLoss(input, target!, reduction: reduction, delta: args["delta"] as! Double)
        case "smooth_l1": output = smoothL1Loss(input, target!, reduction: reduction, beta: args["beta"] as! Double)
        case "cross_entropy":
            if let index {
                output = crossEntropy(input, index, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: smoothing)
            } else {
                output = crossEntropy(input, probabilities: target!, weight: weight, reduction: reduction, labelSmoothing: smoothing)
            }
        case "nll": output = nllLoss(input, index!, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
        case "bce": output = binaryCrossEntropy(input, target!, weight: weight, reduction: reduction)
        case "bce_logits":
            output = binaryCrossEntropyWithLogits(input, target!, weight: weight, posWeight: posWeight, reduction: reduction)
        default: Issue.record("unknown loss \(fn)"); return
        }
        Fixture.expectClose(output, c.tensor("output"), rtol: 1e-9, "\(name) output")
        output.backward(c.tensor("grad_output"))
        Fixture.expectClose(try #require(input.grad), c.tensor("grad_input"), rtol: 1e-9, "\(name) grad input")
        if c.has("grad_target") {
            Fixture.expectClose(try #require(target?.grad), c.tensor("grad_target"), rtol: 1e-9, "\(name) grad target")
        }
    }

    @Test("Linear forward and backward", arguments: Fixture.cases("linear.json").map(\.name))
    func linearLayer(name: String) throws {
        let c = try #require(Fixture.cases("linear.json").first { $0.name == name })
        let layer = Linear(weight: c.tensor("weight"), bias: c.has("bias") ? c.tensor("bias") : nil)
        #expect(layer.stateDict().map(\.name) == c.object["state_dict"] as! [String])
        let x = c.tensor("input", requiresGrad: true)
        let y = layer(x)
        Fixture.expectClose(y, c.tensor("output"), rtol: 1e-9, "\(name) output")
        y.backward(c.tensor("grad_output"))
        Fixture.expectClose(try #require(x.grad), c.tensor("grad_input"), rtol: 1e-9, "\(name) grad input")
        Fixture.expectClose(try #require(layer.weight.grad), c.tensor("grad_weight"), rtol: 1e-9, "\(name) grad weight")
        if let bias = layer.bias {
            Fixture.expectClose(try #require(bias.grad), c.tensor("grad_bias"), rtol: 1e-9, "\(name) grad bias")
        }
    }

    @Test("optimizer trajectories and state", arguments: Fixture.cases("optimizers.json").map(\.name))
    func optimizer(name: String) throws {
        let c = try #require(Fixture.cases("optimizers.json").first { $0.name == name })
        let a = c.object["args"] as! [String: Any]
        func arg(_ key: String, _ fallback: Double) -> Double { a[key] as? Double ?? fallback }
        func flag(_ key: String) -> Bool { a[key] as? Bool ?? false }
        let params = (c.object["start"] as! [Any]).map { Fixture.tensor($0, requiresGrad: true) }
        let betas = (a["betas"] as? [Double]).map { ($0[0], $0[1]) } ?? (0.9, 0.999)
        let optimizer: any Optimizer<Double>
        switch c.object["optimizer"] as! String {
        case "SGD":
            optimizer = SGD(params, lr: arg("lr", 1e-3), momentum: arg("momentum", 0), dampening: arg("dampening", 0),
                            weightDecay: arg("weight_decay", 0), nesterov: flag("nesterov"), maximize: flag("maximize"))
        case "Adam":
            optimizer = Adam(params, lr: arg("lr", 1e-3), betas: betas, eps: arg("eps", 1e-8),
                             weightDecay: arg("weight_decay", 0), amsgrad: flag("amsgrad"))
        case "AdamW":
            optimizer = AdamW(params, lr: arg("lr", 1e-3), betas: betas, eps: arg("eps", 1e-8),
                              weightDecay: arg("weight_decay", 1e-2), amsgrad: flag("amsgrad"))
        case "RMSprop":
            optimizer = RMSprop(params, lr: arg("lr", 1e-2), alpha: arg("alpha", 0.99), eps: arg("eps", 1e-8),
                                weightDecay: arg("weight_decay", 0), momentum: arg("momentum", 0), centered: flag("centered"))
        default: Issue.record("unknown optimizer"); return
        }
        let grads = c.object["grads"] as! [[Any]]
        let trajectory = c.object["params_after_step"] as! [[Any]]
        var worst = 0.0
        for (k, stepGrads) in grads.enumerated() {
            for (p, g) in zip(params, stepGrads) { p.grad = g is NSNull ? nil : Fixture.tensor(g) }
            optimizer.step()
            for (p, expected) in zip(params, trajectory[k]) {
                worst = max(worst, Fixture.maxAbsoluteError(p, Fixture.tensor(expected)))
            }
        }
        #expect(worst <= 1e-12, "\(name): max abs error \(worst)")
        Fixture.record("optimizer \(name)", worst)
        let expectedState = c.object["state"] as! [String: Any]
        // PyTorch's SGD keeps no step count; Glassbox keeps one for every optimizer.
        let isSGD = c.object["optimizer"] as! String == "SGD"
        let state = Dictionary(
            uniqueKeysWithValues: optimizer.stateDict().filter { !(isSGD && $0.name.hasSuffix(".step")) }.map { ($0.name, $0.tensor) })
        #expect(Set(state.keys) == Set(expectedState.keys), "\(name): state names")
        for (key, value) in expectedState {
            guard let mine = state[key] else { continue }
            Fixture.expectClose(mine, Fixture.tensor(value), rtol: 1e-9, "\(name) \(key)")
        }
    }

    @Test("LR schedules", arguments: Fixture.cases("schedulers.json").map(\.name))
    func schedule(name: String) throws {
        let c = try #require(Fixture.cases("schedulers.json").first { $0.name == name })
        let expected = c.object["lrs"] as! [Double]
        let optimizer = SGD([T.zeros([1], requiresGrad: true)], lr: c.object["lr"] as! Double)
        let scheduler: any LRScheduler
        switch name {
        case "StepLR": scheduler = StepLR(optimizer, stepSize: 3, gamma: 0.5)
        case "CosineAnnealingLR": scheduler = CosineAnnealingLR(optimizer, tMax: 10, etaMin: 0.001)
        case "LinearLR": scheduler = LinearLR(optimizer, startFactor: 0.25, totalIters: 4)
        case "LambdaLR": scheduler = LambdaLR(optimizer) { epoch in (0..<epoch).reduce(1.0) { r, _ in r * 0.95 } }
        case "SequentialLR":
            scheduler = SequentialLR(
                optimizer, schedulers: [LinearLR(optimizer, startFactor: 0.1, totalIters: 3), CosineAnnealingLR(optimizer, tMax: 7)],
                milestones: [3])
        default: Issue.record("unknown schedule"); return
        }
        var rates = [optimizer.learningRate]
        for _ in 1..<expected.count {
            scheduler.step()
            rates.append(optimizer.learningRate)
        }
        let worst = zip(rates, expected).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 0
        #expect(worst <= 1e-9, "\(name): \(rates) vs \(expected)")
        Fixture.record("schedule \(name) (relative)", worst)
    }

    @Test("gradient clipping", arguments: Fixture.cases("clipping.json").map(\.name))
    func clipping(name: String) throws {
        let c = try #require(Fixture.cases("clipping.json").first { $0.name == name })
        let grads = (c.object["grads"] as! [Any]).map { Fixture.tensor($0) }
        let params = grads.map { T.zeros($0.shape, requiresGrad: true) }
        for (p, g) in zip(params, grads) { p.grad = g }
        if let clipValue = c.object["clip_value"] as? Double {
            clipGradValue(params, clipValue: clipValue)
        } else {
            let normType = c.object["norm_type"] as? Double ?? .infinity
            let total = clipGradNorm(params, maxNorm: c.object["max_norm"] as! Double, normType: normType)
            let expected = c.object["total_norm"] as! Double
            #expect(abs(total - expected) <= 1e-9 * abs(expected), "\(name): total norm \(total) vs \(expected)")
        }
        for (p, expected) in zip(params, c.object["clipped"] as! [Any]) {
            Fixture.expectClose(p.grad!, Fixture.tensor(expected), rtol: 1e-9, "\(name) clipped gradient")
        }
    }
}

/// One fixture case and helpers to read tensors from it.
struct Fixture: Sendable {
    let name: String
    nonisolated(unsafe) let object: [String: Any]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("nn")

    /// The cases of one fixture file (empty, with a recorded issue, if it cannot be read).
    static func cases(_ file: String) -> [Fixture] {
        let url = directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = root["cases"] as? [[String: Any]]
        else { return [] }
        return cases.map { Fixture(name: $0["name"] as! String, object: $0) }
    }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func tensor(_ key: String, requiresGrad: Bool = false) -> Tensor<Double> {
        Fixture.tensor(object[key]!, requiresGrad: requiresGrad)
    }

    func index(_ key: String) -> IndexTensor {
        let o = object[key] as! [String: Any]
        return IndexTensor((o["data"] as! [Any]).map { ($0 as! NSNumber).intValue }, shape: o["shape"] as! [Int])
    }

    static func tensor(_ value: Any, requiresGrad: Bool = false) -> Tensor<Double> {
        let o = value as! [String: Any]
        let data = (o["data"] as! [Any]).map { ($0 as! NSNumber).doubleValue }
        return Tensor(data, shape: o["shape"] as! [Int], requiresGrad: requiresGrad)
    }

    static func maxAbsoluteError(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// Expects `|a − b| ≤ rtol·max(|b|, 1)` elementwise (relative, absolute below 1).
    static func expectClose(
        _ a: Tensor<Double>, _ b: Tensor<Double>, rtol: Double, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
        guard a.shape == b.shape else { return }
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) / max(abs($1), 1) }.max() ?? 0
        #expect(worst <= rtol, "\(what): max error \(worst)", sourceLocation: sourceLocation)
        record(what, worst)
    }

    /// Prints the error when `GLASSBOX_PARITY_REPORT` is set (for the parity figures in Docs/NN.md).
    static func record(_ what: String, _ error: Double) {
        if ProcessInfo.processInfo.environment["GLASSBOX_PARITY_REPORT"] != nil { print("PARITY \(what): \(error)") }
    }
}
