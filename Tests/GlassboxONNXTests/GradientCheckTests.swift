#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO
import GlassboxONNX
import Testing

/// The ONNX node-test suite beside the repository (`../shared/data/onnx-node`), if present.
private let suite = #filePath.replacing("Tests/GlassboxONNXTests/GradientCheckTests.swift", with: "../shared/data/onnx-node")
private let suiteIsPresent = FileIO.exists(atPath: suite + "/README.md")

/// A deterministic, non-constant seed for the output gradient (ones would make, e.g., every
/// Softmax gradient zero).
private func seed(_ shape: [Int]) -> ONNXTensor {
    let count = shape.reduce(1, *)
    let values: [Double] = (0..<count).map { (i: Int) -> Double in 0.5 + sin(Double(i) * 0.7 + 0.3) }
    return ONNXTensor(dtype: .double, shape: shape, reals: values)
}

/// `sum(output_0 · g)` on the plain executor.
private func objective(_ session: ONNXSession, _ inputs: [String: ONNXValue], _ g: ONNXTensor) throws -> Double {
    let y = try session.run(inputs)[0].tensor("output 0").reals
    return zip(y, g.reals).reduce(0) { $0 + $1.0 * $1.1 }
}

/// How a suite test's analytic F64 gradient compares with central differences of the plain
/// executor: `nil` when it agrees (or has nothing to check), else why not; `skipped` when a node
/// has no gradient rule or the inputs are too large to difference cheaply.
private enum CheckResult { case agrees, skipped, disagrees(String) }

private func check(_ name: String) throws -> CheckResult {
    let directory = suite + "/" + name
    let original = try ONNXSession(path: directory + "/model.onnx")
    let session = try ONNXSession(model: try original.model.promotedToDouble(), directory: original.directory)
    var inputs: [String: ONNXValue] = [:]
    var floatNames: [String] = []
    for (k, info) in session.model.graph.inputs.enumerated() {
        let path = directory + "/test_data_set_0/input_\(k).pb"
        guard FileIO.exists(atPath: path) else { continue }
        guard case .tensor(var t) = try ONNXConformance.readValue(path, type: info.type) else { return .skipped }
        if t.dtype.isFloatingPoint {
            t = ONNXTensor(dtype: .double, shape: t.shape, reals: t.reals)
            floatNames.append(info.name)
        }
        inputs[info.name] = .tensor(t)
    }
    let floatCount = floatNames.reduce(0) { n, name in n + ((try? inputs[name]!.tensor("")).map(\.count) ?? 0) }
    guard !floatNames.isEmpty, floatCount <= 120 else { return .skipped }
    // Tests the plain executor does not run in F64 (unsupported or random ops, BitCast) are
    // not about gradients.
    guard case .tensor(let y)? = try? session.run(inputs).first, y.dtype == .double, y.count > 0 else { return .skipped }
    let g = seed(y.shape)
    let result: ONNXGradientResult
    do {
        result = try session.runWithGradients(inputs, gradOutput: g)
    } catch let error as ONNXError where error.message.contains("no gradient for") {
        return .skipped
    }
    let h = 1e-6
    // Resize's roi and scales choose the sampling grid: not differentiated (as in PyTorch).
    for name in floatNames where !["roi", "scales"].contains(name) {
        let x = try inputs[name]!.tensor(name)
        let analytic = try #require(result.gradients.first { $0.name == name }).gradient.reals
        for i in 0..<x.count {
            var values = x.reals
            values[i] += h
            var shifted = inputs
            shifted[name] = .tensor(ONNXTensor(dtype: .double, shape: x.shape, reals: values))
            let up = try objective(session, shifted, g)
            values[i] -= 2 * h
            shifted[name] = .tensor(ONNXTensor(dtype: .double, shape: x.shape, reals: values))
            let down = try objective(session, shifted, g)
            let numeric = (up - down) / (2 * h)
            if abs(analytic[i] - numeric) > 1e-5 * max(1, abs(numeric)) {
                return .disagrees("grad.\(name)[\(i)]: analytic \(analytic[i]), central difference \(numeric)")
            }
        }
    }
    return .agrees
}

/// Suite tests whose inputs sit where the function has no derivative: the gradient there is
/// one-sided (or 0 for steps) by convention, as in PyTorch, and central differences straddle the
/// kink.
private let atAKink: Set<String> = [
    "test_elu_example", "test_elu_example_expanded_ver18", "test_leakyrelu_example", "test_leakyrelu_example_expanded",
    "test_selu_example", "test_selu_example_expanded_ver18", "test_thresholdedrelu_example",
    "test_thresholdedrelu_example_expanded_ver18",  // x = 0 or x = alpha exactly
    "test_reduce_min_default_axes_keepdims_example",  // ties for the minimum
    "test_floor_example", "test_round", "test_sign",  // steps: gradient 0 almost everywhere, inputs on a step
]

/// Every node test of the ONNX suite whose float inputs are small (≤ 120 elements) and whose
/// nodes all have gradient rules: the F64 gradient through Glassbox's autograd agrees with
/// central differences (h = 1e-6) of the plain executor within 1e-5 — the rules differentiate
/// the same function the runtime computes, attribute variants included (pads, strides, groups,
/// auto_pad, ceil_mode, count_include_pad, Resize modes, RNN directions and layouts, axes…),
/// and gradients flow through `If` (the expanded AffineGrid tests). Release
/// builds check every such test (729 of the 1884); debug builds every eighth.
@Suite struct GradientCheckTests {
    @Test(.enabled(if: suiteIsPresent, "the ONNX node-test suite is not at ../shared/data/onnx-node"))
    func suiteGradientsAgreeWithFiniteDifferences() throws {
        var names = try ONNXConformance.testNames(suite: suite)
        #if DEBUG
        names = names.enumerated().filter { $0.offset % 8 == 0 }.map(\.element)
        #endif
        var checked = 0
        var disagreements: [String] = []
        for name in names {
            let result: CheckResult
            do { result = try check(name) } catch { result = .disagrees("\(error)") }
            switch result {
            case .agrees: checked += 1
            case .skipped: continue
            case .disagrees(let why):
                checked += 1
                if !atAKink.contains(name) { disagreements.append("\(name): \(why)") }
            }
        }
        #expect(checked >= names.count / 4, "only \(checked) of \(names.count) suite tests were checked")
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(checked) disagree: \(disagreements.prefix(20))")
    }
}
