import Glassbox
import GlassboxIO

// Differentiating an ONNX graph: every float graph input and initializer becomes a Glassbox
// `Tensor` leaf that requires a gradient, and each node on a path from a leaf runs as Glassbox
// tensor ops (the rules in `GradientRules+*.swift`), so that Glassbox's reverse-mode autograd
// records it. Nodes that no leaf reaches — shape arithmetic, integer indices, masks, constants —
// run on the plain executor (`ONNXOperators`), as in `ONNXSession.run`. A node that needs a
// gradient but has no rule stops the run with an error naming the node and op.

/// The result of ``ONNXSession/runWithGradients(_:gradOutput:)``.
public struct ONNXGradientResult: Sendable {
    /// The graph outputs, in graph order.
    public var outputs: [ONNXValue]
    /// The gradient of `sum(output_0 · gradOutput)` with respect to every float graph input (in
    /// graph order) and then every float initializer (in graph order), named by graph value name.
    public var gradients: [(name: String, gradient: ONNXTensor)]
}

extension ONNXSession {
    /// Runs the main graph on named inputs through Glassbox's autograd and returns the outputs
    /// and the gradients of `sum(output_0 · gradOutput)` (`gradOutput` all ones when `nil`) with
    /// respect to every float graph input and initializer.
    ///
    /// The computation runs in `Double` when the graph's float inputs and initializers are all
    /// `double` (see ``ONNXModel/promotedToDouble()``), else in `Float`.
    public func runWithGradients(_ inputs: [String: ONNXValue], gradOutput: ONNXTensor? = nil) throws -> ONNXGradientResult {
        let graph = model.graph
        for info in graph.inputs where inputs[info.name] == nil {
            if !graph.initializers.contains(where: { $0.name == info.name }) {
                throw ONNXError("graph input '\(info.name)' is missing")
            }
        }
        if isAllDouble(inputs) { return try ONNXGradientRun<Double>(session: self).run(inputs, gradOutput: gradOutput) }
        return try ONNXGradientRun<Float>(session: self).run(inputs, gradOutput: gradOutput)
    }

    /// Runs the main graph on named inputs with its float tensors on Glassbox tensors — the
    /// GEMM-based convolution, matrix products and SIMD kernels of the library, in `Float` (in
    /// `Double` for an all-`double` graph) — instead of the plain executor's direct loops on
    /// `Double`. Nodes without a tensor rule run on the plain executor. Faster, and not the
    /// reference: `Float` rounding differs from the plain executor's `Double`-then-round.
    public func runOnTensors(_ inputs: [String: ONNXValue]) throws -> [ONNXValue] {
        let graph = model.graph
        for info in graph.inputs where inputs[info.name] == nil {
            if !graph.initializers.contains(where: { $0.name == info.name }) {
                throw ONNXError("graph input '\(info.name)' is missing")
            }
        }
        if isAllDouble(inputs) { return try withoutGrad { try ONNXGradientRun<Double>(session: self, inference: true).run(inputs, gradOutput: nil).outputs } }
        return try withoutGrad { try ONNXGradientRun<Float>(session: self, inference: true).run(inputs, gradOutput: nil).outputs }
    }

    /// Whether every float initializer and input is `double`.
    private func isAllDouble(_ inputs: [String: ONNXValue]) -> Bool {
        let floatTypes = model.graph.initializers.compactMap { ONNXDataType(rawValue: $0.dataType) }.filter(\.isFloatingPoint)
            + inputs.values.compactMap { if case .tensor(let t) = $0, t.dtype.isFloatingPoint { t.dtype } else { nil } }
        return floatTypes.allSatisfy { $0 == .double }
    }
}

/// A value of a differentiable run: a float tensor on Glassbox's autograd (with its ONNX element
/// type), or any other value as the plain executor holds it.
enum GradientValue<Scalar: TensorScalar> {
    /// A float tensor.
    case tensor(Tensor<Scalar>, ONNXDataType)
    /// Anything else (and float tensors no leaf reaches).
    case plain(ONNXValue)

    /// Whether the value depends on a leaf.
    var requiresGrad: Bool { if case .tensor(let t, _) = self { t.requiresGrad } else { false } }

    /// Whether the value is a Glassbox tensor.
    var isTensor: Bool { if case .tensor = self { true } else { false } }

    /// The value as the plain executor holds it, for a rule's context in a run on tensors: a
    /// large tensor keeps its type and shape but not its elements (rules read float data through
    /// ``GradientNodeContext/tensor(_:)``; small ones — scalars, pads, scales — are converted).
    var cheapPlain: ONNXValue {
        if case .tensor(let t, let dtype) = self, t.count > 64 { return .tensor(ONNXTensor(dtype: dtype, shape: t.shape, storage: .real([]))) }
        return plain
    }

    /// The value as the plain executor holds it.
    var plain: ONNXValue {
        switch self {
        case .tensor(let t, let dtype): .tensor(ONNXTensor(dtype: dtype, shape: t.shape, reals: t.scalars.map { Double($0) }))
        case .plain(let v): v
        }
    }
}

/// A Glassbox tensor holding an ONNX tensor's elements.
func glassboxTensor<Scalar: TensorScalar>(_ t: ONNXTensor, requiresGrad: Bool = false) -> Tensor<Scalar> {
    Tensor(t.reals.map { Scalar($0) }, shape: t.shape, requiresGrad: requiresGrad)
}

/// What a gradient rule sees of its node: the plain context (attributes, opset, plain inputs)
/// and the inputs as tensors.
struct GradientNodeContext<Scalar: TensorScalar> {
    /// The node's plain context: attributes, opset, inputs converted to plain values.
    let plain: ONNXNodeContext
    /// The inputs, `nil` where omitted.
    let inputs: [GradientValue<Scalar>?]

    /// An error naming the node and op.
    func fail(_ message: String) -> ONNXError { plain.fail(message) }

    /// Whether input `index` is present.
    func has(_ index: Int) -> Bool { index < inputs.count && inputs[index] != nil }

    /// Input `index` as a tensor (a plain value — float, integer or bool — becomes a constant).
    func tensor(_ index: Int) throws -> Tensor<Scalar> {
        guard index < inputs.count, let value = inputs[index] else { throw fail("input \(index) is missing") }
        switch value {
        case .tensor(let t, _): return t
        case .plain(let v):
            let t = try v.tensor("\(plain.label) input \(index)")
            guard t.dtype.isFloatingPoint || t.dtype.isInteger || t.dtype == .bool else {
                throw fail("input \(index) must be a number tensor, got \(t.dtype)")
            }
            return glassboxTensor(t)  // a constant (an integer Pow exponent, say)
        }
    }

    /// Float input `index` as a tensor, or `nil` when omitted.
    func optionalTensor(_ index: Int) throws -> Tensor<Scalar>? { has(index) ? try tensor(index) : nil }

    /// The ONNX element type of input `index` (`float` when omitted).
    func dtype(_ index: Int) -> ONNXDataType {
        switch index < inputs.count ? inputs[index] : nil {
        case .tensor(_, let d)?: d
        case .plain(.tensor(let t))?: t.dtype
        default: .float
        }
    }
}

/// A gradient rule: the node's float outputs as Glassbox tensors (`nil` for an output not
/// produced), computed with differentiable ops.
typealias GradientRule<Scalar: TensorScalar> = (GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?]

/// Ops whose outputs carry no gradient whatever their inputs (shapes, comparisons, indices):
/// they run on the plain executor even when a leaf reaches them.
let nonDifferentiableOps: Set<String> = [
    "Shape", "Size", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "ArgMax", "ArgMin",
    "IsNaN", "IsInf", "Not", "NonZero", "ConstantOfShape", "EyeLike", "Floor", "Ceil", "Round", "Sign",
    "RandomNormalLike", "RandomUniformLike", "Bernoulli",
]

/// One differentiable run of a session's main graph in `Scalar` precision; with `inference`,
/// a run on tensors without gradients (``ONNXSession/runOnTensors(_:)``): every float tensor
/// is a Glassbox tensor, a node without a rule runs on the plain executor, and nothing is
/// checked against the plain executor.
struct ONNXGradientRun<Scalar: TensorScalar> {
    let session: ONNXSession
    var inference = false

    func run(_ inputs: [String: ONNXValue], gradOutput: ONNXTensor?) throws -> ONNXGradientResult {
        let graph = session.model.graph
        var values: [String: GradientValue<Scalar>] = [:]
        var leaves: [(String, Tensor<Scalar>, ONNXDataType)] = []
        var inputLeaves: [(String, Tensor<Scalar>, ONNXDataType)] = []
        for proto in graph.initializers {
            let t = try ONNXTensor(proto: proto, directory: session.directory)
            values[proto.name] = leaf(proto.name, t, into: &leaves)
        }
        for s in graph.sparseInitializers {
            values[s.values.name] = .plain(.tensor(try ONNXTensor(sparse: s, directory: session.directory)))
        }
        for info in graph.inputs {
            guard let value = inputs[info.name] else { continue }
            leaves.removeAll { $0.0 == info.name }
            if case .tensor(let t) = value {
                values[info.name] = leaf(info.name, t, into: &inputLeaves)
            } else {
                values[info.name] = .plain(value)
            }
        }
        for node in graph.nodes { try execute(node, values: &values, opsets: session.opsets) }
        let outputs: [GradientValue<Scalar>] = try graph.outputs.map { info in
            guard let v = values[info.name] else { throw ONNXError("graph output '\(info.name)' was not computed") }
            return v
        }
        if !inference, case .tensor(let y, _)? = outputs.first, y.requiresGrad {
            let seed: Tensor<Scalar>
            if let gradOutput {
                guard gradOutput.shape == y.shape else {
                    throw ONNXError("grad_output has shape \(gradOutput.shape), output 0 '\(graph.outputs[0].name)' has \(y.shape)")
                }
                seed = glassboxTensor(gradOutput)
            } else {
                seed = Tensor.ones(y.shape)
            }
            (y * seed).sum().backward()
        }
        let gradients = (inputLeaves + leaves).map { name, t, dtype in
            (name, ONNXTensor(dtype: dtype, shape: t.shape, reals: (t.grad?.scalars ?? [Scalar](repeating: 0, count: t.count)).map { Double($0) }))
        }
        return ONNXGradientResult(outputs: outputs.map(\.plain), gradients: gradients)
    }

    /// A float tensor becomes a leaf that requires a gradient (recorded in `leaves`); others stay plain.
    private func leaf(_ name: String, _ t: ONNXTensor, into leaves: inout [(String, Tensor<Scalar>, ONNXDataType)]) -> GradientValue<Scalar> {
        guard t.dtype.isFloatingPoint else { return .plain(.tensor(t)) }
        let tensor: Tensor<Scalar> = glassboxTensor(t, requiresGrad: !inference)
        leaves.append((name, tensor, t.dtype))
        return .tensor(tensor, t.dtype)
    }

    /// Runs one node: through its gradient rule when a leaf reaches it, else on the plain executor;
    /// a call of a model-local function and an `If` run their bodies node by node here.
    func execute(_ node: ONNXNode, values: inout [String: GradientValue<Scalar>], opsets: [String: Int]) throws {
        let inputs: [GradientValue<Scalar>?] = try node.inputs.map { name in
            if name.isEmpty { return nil }
            guard let v = values[name] else { throw ONNXError("node '\(node.name)' (\(node.opType)): input '\(name)' is not defined") }
            return v
        }
        var trimmed = inputs
        while let last = trimmed.last, last == nil { trimmed.removeLast() }
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        let opset = opsets[domain] ?? (domain == "" ? 21 : 1)
        let ctx = ONNXNodeContext(node: node, opset: opset, inputs: trimmed.map { inference ? $0?.cheapPlain : $0?.plain }, scope: [:], session: session)
        let castsToNonFloat = (node.opType == "Cast" || node.opType == "CastLike") && !(castType(ctx, inputs: trimmed)?.isFloatingPoint ?? true)
        // CastLike differentiates its input 0 only (input 1 gives the type).
        let carriers = node.opType == "CastLike" ? Array(trimmed.prefix(1)) : trimmed
        let subgraphReaches = try subgraphsReadDifferentiated(node, values: values)
        let onTensors = carriers.contains { inference ? $0?.isTensor ?? false : $0?.requiresGrad ?? false } || subgraphReaches
        var differentiable = onTensors && !nonDifferentiableOps.contains(node.opType) && !castsToNonFloat
        if inference && differentiable && (domain != "" || gradientRule(node.opType) as GradientRule<Scalar>? == nil) { differentiable = false }
        guard differentiable else {
            var scope: [String: ONNXValue] = [:]
            if node.attributes.contains(where: { $0.graph != nil || !$0.graphs.isEmpty }) {
                for (k, v) in values { scope[k] = v.plain }
            }
            let outputs = try session.call(node, inputs: trimmed.map { $0?.plain }, values: scope, opsets: opsets)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                if let value { values[name] = .plain(value) }
            }
            return
        }
        if let function = session.functions[domain + ":" + node.opType] {
            return try callFunction(function, node: node, inputs: trimmed, values: &values, opsets: opsets)
        }
        if domain == "" && node.opType == "If" { return try runIf(node, ctx, values: &values, opsets: opsets) }
        guard domain == "", !subgraphReaches, let rule: GradientRule<Scalar> = gradientRule(node.opType) else {
            throw ctx.fail("no gradient for \(domain.isEmpty ? "" : domain + ".")\(node.opType) (a differentiated input reaches it)")
        }
        // The plain op runs first: it checks the node (one-line errors where Glassbox's ops
        // would stop on a precondition) and gives the shapes the rule must reproduce and the
        // outputs the rule does not give (Dropout's mask).
        let reference = inference ? [] : try session.call(node, inputs: ctx.inputs, values: [:], opsets: opsets)
        let outputs: [Tensor<Scalar>?]
        do {
            outputs = try rule(GradientNodeContext(plain: ctx, inputs: trimmed))
        } catch let error as ONNXError {
            throw error.message.hasPrefix("node '") ? error : ctx.fail(error.message)
        }
        for (k, (value, expected)) in zip(outputs, reference).enumerated() {
            if let value, case .tensor(let t)? = expected, t.shape != value.shape {
                throw ctx.fail("gradient rule gives output \(k) the shape \(value.shape), the op gives \(t.shape)")
            }
        }
        let dtype = trimmed.first { inference ? $0?.isTensor ?? false : $0?.requiresGrad ?? false }.map { $0.map { v -> ONNXDataType in
            if case .tensor(_, let d) = v { return d }
            return .float
        } ?? .float } ?? .float
        let outputType = node.opType == "Cast" || node.opType == "CastLike" ? castType(ctx, inputs: trimmed) ?? dtype : dtype
        if inference && node.outputs.enumerated().contains(where: { !$1.isEmpty && ($0 >= outputs.count || outputs[$0] == nil) }) {
            // An output the rule does not give (Dropout's mask): the node runs on the plain executor.
            let plainOutputs = try session.call(node, inputs: trimmed.map { $0?.plain }, values: [:], opsets: opsets)
            for (name, value) in zip(node.outputs, plainOutputs) where !name.isEmpty { if let value { values[name] = .plain(value) } }
            return
        }
        for (k, name) in node.outputs.enumerated() where !name.isEmpty {
            if k < outputs.count, let value = outputs[k] {
                values[name] = .tensor(value, outputType)
            } else if k < reference.count, let value = reference[k] {
                values[name] = .plain(value)
            }
        }
    }

    /// The float type a Cast/CastLike converts to.
    private func castType(_ ctx: ONNXNodeContext, inputs: [GradientValue<Scalar>?]) -> ONNXDataType? {
        if ctx.node.opType == "Cast" { return ONNXDataType(rawValue: ctx.int("to", 1)) }
        if inputs.count > 1, let target = inputs[1] {
            if case .tensor(_, let d) = target { return d }
            if case .plain(.tensor(let t)) = target { return t.dtype }
        }
        return nil
    }
}

/// The rule for `op`, or `nil` when it has none.
func gradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    let families: [(String) -> GradientRule<Scalar>?] = [
        elementwiseGradientRule, activationGradientRule, reductionGradientRule, shapeGradientRule,
        convolutionGradientRule, normalizationGradientRule, recurrentGradientRule, lossGradientRule,
    ]
    for family in families { if let rule = family(op) { return rule } }
    return nil
}
