import Glassbox
import GlassboxIO

/// Builds an ONNX graph node by node, for the exporters: initializers from Glassbox tensors,
/// constants, nodes with attributes, fresh value names.
public struct ONNXGraphBuilder {
    /// The graph so far.
    public private(set) var graph = ONNXGraph()
    private var counter = 0

    /// An empty graph named `name`.
    public init(name: String) { graph.name = name }

    /// A new value name, `prefix_N`.
    public mutating func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(counter)"
    }

    /// Adds a float initializer with `tensor`'s values and shape under `name`; returns `name`.
    @discardableResult
    public mutating func initializer(_ name: String, _ tensor: Tensor<Float>) -> String {
        initializer(name, values: tensor.scalars.map(Double.init), shape: tensor.shape)
    }

    /// Adds a float initializer of `values` with `shape` under `name`; returns `name`.
    @discardableResult
    public mutating func initializer(_ name: String, values: [Double], shape: [Int]) -> String {
        graph.initializers.append(ONNXTensor(dtype: .float, shape: shape, reals: values).proto(name: name))
        return name
    }

    /// Adds an int64 constant initializer (a shape, axes, indices); returns its name.
    public mutating func constant(_ values: [Int64], shape: [Int]? = nil, prefix: String = "const") -> String {
        let name = fresh(prefix)
        graph.initializers.append(ONNXTensor(dtype: .int64, shape: shape ?? [values.count], ints: values).proto(name: name))
        return name
    }

    /// Adds a float scalar constant; returns its name.
    public mutating func scalar(_ value: Double, prefix: String = "scalar") -> String {
        initializer(fresh(prefix), values: [value], shape: [])
    }

    /// Adds a node `opType(inputs) -> output` with `attributes`; returns the output's name.
    @discardableResult
    public mutating func node(_ opType: String, _ inputs: [String], _ attributes: [ONNXAttribute] = [], output: String? = nil) -> String {
        let name = output ?? fresh(opType.lowercased())
        var node = ONNXNode()
        node.opType = opType
        node.inputs = inputs
        node.outputs = [name]
        node.name = "\(opType)_\(graph.nodes.count)"
        node.attributes = attributes
        graph.nodes.append(node)
        return name
    }

    /// Appends a node built by hand (one with several outputs, such as `Split`).
    public mutating func append(_ node: ONNXNode) { graph.nodes.append(node) }

    /// Declares a float graph input or output: `dims` are sizes, `nil` a symbolic batch `N`.
    public static func floatValue(_ name: String, dims: [Int?]) -> ONNXValueInfo {
        ONNXValueInfo(
            name: name,
            type: .tensor(elementType: ONNXDataType.float.rawValue, shape: dims.map { $0.map { .value(Int64($0)) } ?? .param("N") }))
    }

    /// Declares a float graph output of rank `rank` whose sizes are left to shape inference.
    public static func floatValue(_ name: String, rank: Int) -> ONNXValueInfo {
        ONNXValueInfo(name: name, type: .tensor(elementType: ONNXDataType.float.rawValue, shape: Array(repeating: .unknown, count: rank)))
    }

    /// Declares an int64 graph input: `dims` as in ``floatValue(_:dims:)``.
    public static func int64Value(_ name: String, dims: [Int?]) -> ONNXValueInfo {
        ONNXValueInfo(
            name: name,
            type: .tensor(elementType: ONNXDataType.int64.rawValue, shape: dims.map { $0.map { .value(Int64($0)) } ?? .param("N") }))
    }

    /// Wraps the graph in a model of opset `opset` (the default domain), producer `glassbox`.
    public func model(inputs: [ONNXValueInfo], outputs: [ONNXValueInfo], opset: Int64 = ONNXExport.opset) -> ONNXModel {
        var model = ONNXModel()
        model.irVersion = 8
        model.opsetImports = [ONNXOperatorSetID(domain: "", version: opset)]
        model.producerName = "glassbox"
        model.graph = graph
        model.graph.inputs = inputs
        model.graph.outputs = outputs
        return model
    }
}

extension ONNXAttribute {
    /// An integer attribute.
    public static func int(_ name: String, _ value: Int) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .int
        a.int = Int64(value)
        return a
    }

    /// A float attribute.
    public static func float(_ name: String, _ value: Double) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .float
        a.float = Float(value)
        return a
    }

    /// A list-of-integers attribute.
    public static func ints(_ name: String, _ values: [Int]) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .ints
        a.ints = values.map { Int64($0) }
        return a
    }

    /// A string attribute.
    public static func string(_ name: String, _ value: String) -> ONNXAttribute {
        var a = ONNXAttribute()
        a.name = name
        a.type = .string
        a.string = Array(value.utf8)
        return a
    }
}
