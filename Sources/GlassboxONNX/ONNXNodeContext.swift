import GlassboxIO

/// An operator implementation: the node's context in, one value per output out (`nil` for an
/// output the op does not produce).
typealias ONNXOperator = (ONNXNodeContext) throws -> [ONNXValue?]

/// What an operator sees of its node: attributes, inputs, the opset version of its domain, and
/// a way to run subgraphs (`If`, `Loop`, `Scan`) with the current scope.
public struct ONNXNodeContext {
    /// The node.
    public let node: ONNXNode
    /// The opset version of the node's domain.
    public let opset: Int
    /// The inputs, `nil` where omitted (`""`).
    public let inputs: [ONNXValue?]
    /// Values visible to subgraphs (the enclosing graphs' values).
    let scope: [String: ONNXValue]
    let session: ONNXSession

    /// `node 'name' (Op)`: how errors name the node.
    var label: String { "node '\(node.name.isEmpty ? node.outputs.first ?? "" : node.name)' (\(node.opType))" }

    /// An error naming the node and op.
    func fail(_ message: String) -> ONNXError { ONNXError("\(label): \(message)") }

    /// The attribute called `name`.
    func attribute(_ name: String) -> ONNXAttribute? { node.attributes.first { $0.name == name } }

    /// An integer attribute.
    func int(_ name: String, _ defaultValue: Int) -> Int { attribute(name).map { Int(truncatingIfNeeded: $0.int) } ?? defaultValue }

    /// An integer attribute, or `nil`.
    func int(_ name: String) -> Int? { attribute(name).map { Int(truncatingIfNeeded: $0.int) } }

    /// An integer-list attribute, or `nil`.
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int(truncatingIfNeeded: $0) } } }

    /// A float attribute.
    func float(_ name: String, _ defaultValue: Double) -> Double { attribute(name).map { Double($0.float) } ?? defaultValue }

    /// A float-list attribute, or `nil`.
    func floats(_ name: String) -> [Double]? { attribute(name).map { $0.floats.map { Double($0) } } }

    /// A string attribute.
    func string(_ name: String, _ defaultValue: String) -> String {
        attribute(name).map { String(decoding: $0.string, as: UTF8.self) } ?? defaultValue
    }

    /// A string-list attribute, or `nil`.
    func strings(_ name: String) -> [String]? { attribute(name).map { $0.strings.map { String(decoding: $0, as: UTF8.self) } } }

    /// A tensor attribute, or `nil`.
    func tensorAttribute(_ name: String) throws -> ONNXTensor? {
        guard let t = attribute(name)?.tensor else { return nil }
        return try ONNXTensor(proto: t, directory: session.directory)
    }

    /// The number of inputs given (trailing omitted ones dropped).
    var inputCount: Int { inputs.count }

    /// Whether input `index` is present.
    func has(_ index: Int) -> Bool { index < inputs.count && inputs[index] != nil }

    /// Input `index`, which must be a tensor.
    func input(_ index: Int) throws -> ONNXTensor {
        guard index < inputs.count, let value = inputs[index] else { throw fail("input \(index) is missing") }
        guard case .tensor(let t) = value else { throw fail("input \(index) must be a tensor, got a \(value.kind)") }
        return t
    }

    /// Input `index` if present.
    func optionalInput(_ index: Int) throws -> ONNXTensor? { has(index) ? try input(index) : nil }

    /// Input `index` as integers (for axes, shapes, …), or `nil` if omitted.
    func intsInput(_ index: Int) throws -> [Int]? { try optionalInput(index).map { $0.ints.map { Int(truncatingIfNeeded: $0) } } }

    /// Runs `graph` (a subgraph attribute) with `inputs` bound to its inputs, in this scope.
    func run(_ graph: ONNXGraph, _ inputs: [ONNXValue?], extraScope: [String: ONNXValue] = [:]) throws -> [ONNXValue] {
        var outer = scope
        for (k, v) in extraScope { outer[k] = v }
        return try session.runGraph(graph, inputs: inputs, outer: outer, opsets: session.opsets)
    }

    /// A single tensor result.
    static func one(_ t: ONNXTensor) -> [ONNXValue?] { [.tensor(t)] }
}

/// Normalises `axis` (possibly negative) against `rank`, or fails naming the node.
func normalizeAxis(_ axis: Int, _ rank: Int, _ ctx: ONNXNodeContext) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < max(rank, 1) else { throw ctx.fail("axis \(axis) out of range for rank \(rank)") }
    return a
}
