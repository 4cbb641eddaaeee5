import GlassboxIO

/// A loaded ONNX model, ready to run.
///
/// ```swift
/// let session = try ONNXSession(path: "model.onnx")
/// let outputs = try session.run(["x": .tensor(x)])
/// ```
public final class ONNXSession: @unchecked Sendable {
    /// The model.
    public let model: ONNXModel
    /// The folder external data is read from.
    public let directory: String?
    /// Opset version per domain (`""` for `ai.onnx`).
    let opsets: [String: Int]
    /// Model-local functions by `domain:name`.
    let functions: [String: ONNXFunction]

    /// Loads a model; `directory` is where external data files lie.
    public init(model: ONNXModel, directory: String? = nil) throws {
        self.model = model
        self.directory = directory
        opsets = ONNXSession.opsetTable(model.opsetImports)
        var table: [String: ONNXFunction] = [:]
        for f in model.functions { table[f.domain + ":" + f.name] = f }
        functions = table
    }

    /// Reads and loads the model file at `path`.
    public convenience init(path: String) throws {
        let bytes = try FileIO.readBytes(atPath: path)
        let model: ONNXModel
        do { model = try ONNXModel(serialized: bytes) } catch { throw ONNXError("\(path): \(error)") }
        let slash = path.lastIndex(of: "/")
        try self.init(model: model, directory: slash.map { String(path[..<$0]) } ?? ".")
    }

    static func opsetTable(_ imports: [ONNXOperatorSetID]) -> [String: Int] {
        var table: [String: Int] = [:]
        for o in imports { table[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version) }
        return table
    }

    /// The graph's inputs that are not initializers, in order.
    public var inputNames: [String] {
        let initialized = Set(model.graph.initializers.map(\.name))
        return model.graph.inputs.map(\.name).filter { !initialized.contains($0) }
    }

    /// Runs the main graph on named inputs; returns the outputs in graph order.
    public func run(_ inputs: [String: ONNXValue]) throws -> [ONNXValue] {
        let graph = model.graph
        let positional: [ONNXValue?] = graph.inputs.map { inputs[$0.name] }
        for (info, value) in zip(graph.inputs, positional) where value == nil {
            if !graph.initializers.contains(where: { $0.name == info.name }) {
                throw ONNXError("graph input '\(info.name)' is missing")
            }
        }
        return try runGraph(graph, inputs: positional, outer: [:], opsets: opsets)
    }

    /// Runs `graph` with `inputs` bound by position (a `nil` input keeps its initializer), values
    /// of enclosing graphs in `outer`.
    func runGraph(_ graph: ONNXGraph, inputs: [ONNXValue?], outer: [String: ONNXValue], opsets: [String: Int]) throws -> [ONNXValue] {
        var values = outer
        for t in graph.initializers { values[t.name] = .tensor(try ONNXTensor(proto: t, directory: directory)) }
        for s in graph.sparseInitializers { values[s.values.name] = .tensor(try ONNXTensor(sparse: s, directory: directory)) }
        for (info, value) in zip(graph.inputs, inputs) {
            if let value { values[info.name] = value }
        }
        try execute(graph.nodes, values: &values, opsets: opsets)
        return try graph.outputs.map { info in
            guard let v = values[info.name] else { throw ONNXError("graph output '\(info.name)' was not computed") }
            return v
        }
    }

    /// Runs `nodes` in order, adding their outputs to `values`.
    func execute(_ nodes: [ONNXNode], values: inout [String: ONNXValue], opsets: [String: Int]) throws {
        for node in nodes {
            let inputs: [ONNXValue?] = try node.inputs.map { name in
                if name.isEmpty { return nil }
                guard let v = values[name] else {
                    throw ONNXError("node '\(node.name)' (\(node.opType)): input '\(name)' is not defined")
                }
                return v
            }
            var trimmed = inputs
            while let last = trimmed.last, last == nil { trimmed.removeLast() }
            let outputs = try call(node, inputs: trimmed, values: values, opsets: opsets)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                if let value { values[name] = value }
            }
        }
    }

    /// Runs one node: a built-in op, or a model-local function.
    func call(_ node: ONNXNode, inputs: [ONNXValue?], values: [String: ONNXValue], opsets: [String: Int]) throws -> [ONNXValue?] {
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        if let function = functions[domain + ":" + node.opType] {
            return try callFunction(function, node: node, inputs: inputs, opsets: opsets)
        }
        let opset = opsets[domain] ?? (domain == "" ? 21 : 1)
        guard let op = ONNXOperators.table[(domain == "" ? "" : domain + ":") + node.opType] else {
            throw ONNXError("node '\(node.name)' (\(node.opType)): unsupported operator \(domain.isEmpty ? "" : domain + ".")\(node.opType) (opset \(opset))")
        }
        let ctx = ONNXNodeContext(node: node, opset: opset, inputs: inputs, scope: values, session: self)
        do {
            return try op(ctx)
        } catch let error as ONNXError {
            throw error.message.hasPrefix("node '") ? error : ctx.fail(error.message)
        }
    }

    /// Expands a model-local function at a call site.
    func callFunction(_ function: ONNXFunction, node: ONNXNode, inputs: [ONNXValue?], opsets: [String: Int]) throws -> [ONNXValue?] {
        var values: [String: ONNXValue] = [:]
        for (formal, actual) in zip(function.inputs, inputs) { if let actual { values[formal] = actual } }
        let (body, functionOpsets) = ONNXSession.expandedBody(function, node: node, opsets: opsets)
        try execute(body, values: &values, opsets: functionOpsets)
        return function.outputs.map { values[$0] }
    }

    /// A function's nodes at a call site — attribute references (`ref_attr_name`) bound to the
    /// caller's attributes or the function's defaults — and the opsets they run under (the
    /// caller's, overridden by the function's own imports).
    static func expandedBody(_ function: ONNXFunction, node: ONNXNode, opsets: [String: Int]) -> ([ONNXNode], [String: Int]) {
        var attributes: [String: ONNXAttribute] = [:]
        for a in function.attributeDefaults { attributes[a.name] = a }
        for a in node.attributes { attributes[a.name] = a }
        let body: [ONNXNode] = function.nodes.map { bodyNode in
            var n = bodyNode
            n.attributes = bodyNode.attributes.compactMap { a in
                guard !a.refAttrName.isEmpty else { return a }
                guard var bound = attributes[a.refAttrName] else { return nil }
                bound.name = a.name
                return bound
            }
            return n
        }
        var functionOpsets = opsets
        for (k, v) in opsetTable(function.opsetImports) { functionOpsets[k] = v }
        return (body, functionOpsets)
    }
}

extension ONNXTensor {
    /// The dense tensor of a `SparseTensorProto`.
    init(sparse: ONNXSparseTensorProto, directory: String?) throws {
        let values = try ONNXTensor(proto: sparse.values, directory: directory)
        let indices = try ONNXTensor(proto: sparse.indices, directory: directory).ints
        let shape = sparse.dims.map { Int($0) }
        let count = shape.reduce(1, *)
        var flat: [Int] = []
        if indices.count == values.count {
            flat = indices.map { Int($0) }
        } else {
            let rank = shape.count
            for i in 0..<values.count {
                var f = 0
                for d in 0..<rank { f = f * shape[d] + Int(indices[i * rank + d]) }
                flat.append(f)
            }
        }
        guard flat.allSatisfy({ $0 >= 0 && $0 < count }) else { throw ONNXError("sparse tensor: index out of range") }
        var dense = [Double](repeating: 0, count: count)
        let v = values.reals
        for (i, f) in flat.enumerated() { dense[f] = v[i] }
        self.init(dtype: values.dtype, shape: shape, reals: dense)
    }
}
