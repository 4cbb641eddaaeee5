// ONNX `ModelProto`, `GraphProto`, `NodeProto`, `AttributeProto`, `ValueInfoProto`/`TypeProto`,
// `FunctionProto` and `OperatorSetIdProto`, decoded from and encoded to the protobuf wire format.
// Fields Glassbox does not use (training info, quantization annotations, device configurations)
// are skipped when reading and not written.

/// Reads one embedded message of type `T` at the reader's current field.
private func sub<T>(_ r: inout ProtobufReader, _ type: ProtobufWireType, _ name: String, _ make: (inout ProtobufReader) throws -> T) throws -> T {
    try r.expect(type, .lengthDelimited)
    var s = try r.messageReader(name)
    return try make(&s)
}

/// An `OperatorSetIdProto`: a domain (`""` is `ai.onnx`) and its version.
public struct ONNXOperatorSetID: Sendable, Equatable {
    /// The domain (`""` or `ai.onnx` for the default domain, `ai.onnx.ml`, …).
    public var domain: String
    /// The opset version.
    public var version: Int64
    /// An opset import.
    public init(domain: String, version: Int64) {
        self.domain = domain
        self.version = version
    }

    init(reader r: inout ProtobufReader) throws {
        domain = ""
        version = 0
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited); domain = try r.string()
            case 2: try r.expect(type, .varint); version = try r.int64()
            default: try r.skip(type)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.string(1, domain)
        w.int(2, version)
        return w
    }
}

/// A `TypeProto`: the type of a graph value.
public indirect enum ONNXType: Sendable, Equatable {
    /// A tensor of an element type (``ONNXDataType`` raw value) and a shape whose dimensions
    /// are sizes, symbolic names, or unknown (`nil` shape: rank unknown).
    case tensor(elementType: Int, shape: [ONNXDimension]?)
    /// A sparse tensor.
    case sparseTensor(elementType: Int, shape: [ONNXDimension]?)
    /// A sequence of values of one type.
    case sequence(ONNXType?)
    /// An optional value.
    case optional(ONNXType?)
    /// A map from a key element type to values.
    case map(keyType: Int, valueType: ONNXType?)
    /// A type Glassbox does not model (opaque) or an empty `TypeProto`.
    case unknown

    init(reader r: inout ProtobufReader) throws {
        var result = ONNXType.unknown
        while let (field, type) = try r.nextField() {
            switch field {
            case 1, 8:
                var s = try sub(&r, type, "TypeProto.Tensor") { $0 }
                var elem = 0
                var shape: [ONNXDimension]? = nil
                while let (f, t) = try s.nextField() {
                    switch f {
                    case 1: try s.expect(t, .varint); elem = Int(truncatingIfNeeded: try s.int64())
                    case 2: shape = try sub(&s, t, "TensorShapeProto") { try ONNXDimension.readShape(&$0) }
                    default: try s.skip(t)
                    }
                }
                result = field == 1 ? .tensor(elementType: elem, shape: shape) : .sparseTensor(elementType: elem, shape: shape)
            case 4, 9:
                var s = try sub(&r, type, field == 4 ? "TypeProto.Sequence" : "TypeProto.Optional") { $0 }
                var elem: ONNXType? = nil
                while let (f, t) = try s.nextField() {
                    if f == 1 { elem = try sub(&s, t, "TypeProto") { try ONNXType(reader: &$0) } } else { try s.skip(t) }
                }
                result = field == 4 ? .sequence(elem) : .optional(elem)
            case 5:
                var s = try sub(&r, type, "TypeProto.Map") { $0 }
                var key = 0
                var value: ONNXType? = nil
                while let (f, t) = try s.nextField() {
                    switch f {
                    case 1: try s.expect(t, .varint); key = Int(truncatingIfNeeded: try s.int64())
                    case 2: value = try sub(&s, t, "TypeProto") { try ONNXType(reader: &$0) }
                    default: try s.skip(t)
                    }
                }
                result = .map(keyType: key, valueType: value)
            default: try r.skip(type)
            }
        }
        self = result
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        switch self {
        case .tensor(let elem, let shape), .sparseTensor(let elem, let shape):
            var t = ProtobufWriter()
            t.int(1, Int64(elem))
            if let shape { t.message(2, ONNXDimension.encodeShape(shape)) }
            if case .tensor = self { w.message(1, t) } else { w.message(8, t) }
        case .sequence(let elem), .optional(let elem):
            var t = ProtobufWriter()
            if let elem { t.message(1, elem.encoded()) }
            if case .sequence = self { w.message(4, t) } else { w.message(9, t) }
        case .map(let key, let value):
            var t = ProtobufWriter()
            t.int(1, Int64(key))
            if let value { t.message(2, value.encoded()) }
            w.message(5, t)
        case .unknown: break
        }
        return w
    }
}

/// One dimension of a `TensorShapeProto`.
public enum ONNXDimension: Sendable, Equatable, CustomStringConvertible {
    /// A known size.
    case value(Int64)
    /// A symbolic size (`batch`).
    case param(String)
    /// Neither.
    case unknown

    /// `3`, `batch` or `?`.
    public var description: String {
        switch self {
        case .value(let v): "\(v)"
        case .param(let p): p
        case .unknown: "?"
        }
    }

    static func readShape(_ r: inout ProtobufReader) throws -> [ONNXDimension] {
        var dims: [ONNXDimension] = []
        while let (field, type) = try r.nextField() {
            guard field == 1 else { try r.skip(type); continue }
            var s = try sub(&r, type, "TensorShapeProto.Dimension") { $0 }
            var dim = ONNXDimension.unknown
            while let (f, t) = try s.nextField() {
                switch f {
                case 1: try s.expect(t, .varint); dim = .value(try s.int64())
                case 2: try s.expect(t, .lengthDelimited); dim = .param(try s.string())
                default: try s.skip(t)
                }
            }
            dims.append(dim)
        }
        return dims
    }

    static func encodeShape(_ dims: [ONNXDimension]) -> ProtobufWriter {
        var w = ProtobufWriter()
        for d in dims {
            var t = ProtobufWriter()
            switch d {
            case .value(let v): t.int(1, v)
            case .param(let p): t.string(2, p)
            case .unknown: break
            }
            w.message(1, t)
        }
        return w
    }
}

/// A `ValueInfoProto`: a graph input, output or intermediate value and its type.
public struct ONNXValueInfo: Sendable, Equatable {
    /// The value name.
    public var name: String
    /// Its type (``ONNXType/unknown`` when absent).
    public var type: ONNXType
    /// A value info.
    public init(name: String, type: ONNXType) {
        self.name = name
        self.type = type
    }

    init(reader r: inout ProtobufReader) throws {
        name = ""
        type = .unknown
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: try r.expect(t, .lengthDelimited); name = try r.string()
            case 2: type = try sub(&r, t, "TypeProto") { try ONNXType(reader: &$0) }
            default: try r.skip(t)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.string(1, name)
        w.message(2, type.encoded())
        return w
    }
}

/// The kind of an attribute (`AttributeProto.AttributeType`).
public enum ONNXAttributeType: Int, Sendable {
    case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5, floats = 6, ints = 7
    case strings = 8, tensors = 9, graphs = 10, sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
}

/// An `AttributeProto`: a named node attribute, or a reference (`refAttrName`) to an attribute of
/// the enclosing function.
public struct ONNXAttribute: Sendable, Equatable {
    /// The attribute name.
    public var name: String = ""
    /// In a function body: the name of the calling node's attribute this one takes its value from.
    public var refAttrName: String = ""
    /// The declared kind.
    public var type: ONNXAttributeType = .undefined
    /// `f`.
    public var float: Float = 0
    /// `i`.
    public var int: Int64 = 0
    /// `s` (bytes, usually UTF-8).
    public var string: [UInt8] = []
    /// `t`.
    public var tensor: ONNXTensorProto? = nil
    /// `g`.
    public var graph: ONNXGraph? = nil
    /// `sparse_tensor`.
    public var sparseTensor: ONNXSparseTensorProto? = nil
    /// `tp`.
    public var typeProto: ONNXType? = nil
    /// `floats`.
    public var floats: [Float] = []
    /// `ints`.
    public var ints: [Int64] = []
    /// `strings`.
    public var strings: [[UInt8]] = []
    /// `tensors`.
    public var tensors: [ONNXTensorProto] = []
    /// `graphs`.
    public var graphs: [ONNXGraph] = []
    /// `sparse_tensors`.
    public var sparseTensors: [ONNXSparseTensorProto] = []
    /// `type_protos`.
    public var typeProtos: [ONNXType] = []

    /// An empty attribute.
    public init() {}

    init(reader r: inout ProtobufReader) throws {
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: try r.expect(t, .lengthDelimited); name = try r.string()
            case 21: try r.expect(t, .lengthDelimited); refAttrName = try r.string()
            case 20:
                try r.expect(t, .varint)
                let raw = try r.int64()
                guard let kind = ONNXAttributeType(rawValue: Int(truncatingIfNeeded: raw)) else {
                    throw ProtobufError.invalidValue(message: "AttributeProto", field: "type", reason: "unknown attribute type \(raw)")
                }
                type = kind
            case 2: try r.expect(t, .fixed32); float = try r.float()
            case 3: try r.expect(t, .varint); int = try r.int64()
            case 4: try r.expect(t, .lengthDelimited); string = try r.bytesField()
            case 5: tensor = try sub(&r, t, "TensorProto") { try ONNXTensorProto(reader: &$0) }
            case 6: graph = try sub(&r, t, "GraphProto") { try ONNXGraph(reader: &$0) }
            case 22: sparseTensor = try sub(&r, t, "SparseTensorProto") { try ONNXSparseTensorProto(reader: &$0) }
            case 14: typeProto = try sub(&r, t, "TypeProto") { try ONNXType(reader: &$0) }
            case 7: try r.repeatedFloat(t, into: &floats)
            case 8: try r.repeatedVarint(t, into: &ints)
            case 9: try r.expect(t, .lengthDelimited); strings.append(try r.bytesField())
            case 10: tensors.append(try sub(&r, t, "TensorProto") { try ONNXTensorProto(reader: &$0) })
            case 11: graphs.append(try sub(&r, t, "GraphProto") { try ONNXGraph(reader: &$0) })
            case 23: sparseTensors.append(try sub(&r, t, "SparseTensorProto") { try ONNXSparseTensorProto(reader: &$0) })
            case 15: typeProtos.append(try sub(&r, t, "TypeProto") { try ONNXType(reader: &$0) })
            default: try r.skip(t)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.string(1, name)
        if !refAttrName.isEmpty { w.string(21, refAttrName) }
        w.int(20, Int64(type.rawValue))
        switch type {
        case .float: w.float(2, float)
        case .int: w.int(3, int)
        case .string: w.bytes(4, string)
        case .tensor: if let tensor { w.message(5, tensor.encoded()) }
        case .graph: if let graph { w.message(6, graph.encoded()) }
        case .sparseTensor: if let sparseTensor { w.message(22, sparseTensor.encoded()) }
        case .typeProto: if let typeProto { w.message(14, typeProto.encoded()) }
        case .floats: w.packedFloats(7, floats)
        case .ints: w.packedInts(8, ints)
        case .strings: for s in strings { w.bytes(9, s) }
        case .tensors: for x in tensors { w.message(10, x.encoded()) }
        case .graphs: for x in graphs { w.message(11, x.encoded()) }
        case .sparseTensors: for x in sparseTensors { w.message(23, x.encoded()) }
        case .typeProtos: for x in typeProtos { w.message(15, x.encoded()) }
        case .undefined: break
        }
        return w
    }
}

/// A `NodeProto`: one operator call.
public struct ONNXNode: Sendable, Equatable {
    /// Input value names (`""` for an omitted optional input).
    public var inputs: [String] = []
    /// Output value names.
    public var outputs: [String] = []
    /// The node name.
    public var name: String = ""
    /// The operator (`Conv`).
    public var opType: String = ""
    /// The operator's domain (`""` for `ai.onnx`).
    public var domain: String = ""
    /// The attributes.
    public var attributes: [ONNXAttribute] = []

    /// An empty node.
    public init() {}

    init(reader r: inout ProtobufReader) throws {
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: try r.expect(t, .lengthDelimited); inputs.append(try r.string())
            case 2: try r.expect(t, .lengthDelimited); outputs.append(try r.string())
            case 3: try r.expect(t, .lengthDelimited); name = try r.string()
            case 4: try r.expect(t, .lengthDelimited); opType = try r.string()
            case 7: try r.expect(t, .lengthDelimited); domain = try r.string()
            case 5: attributes.append(try sub(&r, t, "AttributeProto") { try ONNXAttribute(reader: &$0) })
            default: try r.skip(t)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        for i in inputs { w.string(1, i) }
        for o in outputs { w.string(2, o) }
        if !name.isEmpty { w.string(3, name) }
        w.string(4, opType)
        if !domain.isEmpty { w.string(7, domain) }
        for a in attributes { w.message(5, a.encoded()) }
        return w
    }
}

/// A `GraphProto`: nodes in topological order, initializers, inputs and outputs.
public struct ONNXGraph: Sendable, Equatable {
    /// The nodes.
    public var nodes: [ONNXNode] = []
    /// The graph name.
    public var name: String = ""
    /// Constant tensors (weights), by name.
    public var initializers: [ONNXTensorProto] = []
    /// Sparse constant tensors.
    public var sparseInitializers: [ONNXSparseTensorProto] = []
    /// The graph inputs.
    public var inputs: [ONNXValueInfo] = []
    /// The graph outputs.
    public var outputs: [ONNXValueInfo] = []
    /// Types of intermediate values.
    public var valueInfo: [ONNXValueInfo] = []

    /// An empty graph.
    public init() {}

    init(reader r: inout ProtobufReader) throws {
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: nodes.append(try sub(&r, t, "NodeProto") { try ONNXNode(reader: &$0) })
            case 2: try r.expect(t, .lengthDelimited); name = try r.string()
            case 5: initializers.append(try sub(&r, t, "TensorProto") { try ONNXTensorProto(reader: &$0) })
            case 15: sparseInitializers.append(try sub(&r, t, "SparseTensorProto") { try ONNXSparseTensorProto(reader: &$0) })
            case 11: inputs.append(try sub(&r, t, "ValueInfoProto") { try ONNXValueInfo(reader: &$0) })
            case 12: outputs.append(try sub(&r, t, "ValueInfoProto") { try ONNXValueInfo(reader: &$0) })
            case 13: valueInfo.append(try sub(&r, t, "ValueInfoProto") { try ONNXValueInfo(reader: &$0) })
            default: try r.skip(t)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        for n in nodes { w.message(1, n.encoded()) }
        if !name.isEmpty { w.string(2, name) }
        for x in initializers { w.message(5, x.encoded()) }
        for x in sparseInitializers { w.message(15, x.encoded()) }
        for x in inputs { w.message(11, x.encoded()) }
        for x in outputs { w.message(12, x.encoded()) }
        for x in valueInfo { w.message(13, x.encoded()) }
        return w
    }
}

/// A `FunctionProto`: a model-local function, expanded where a node calls it.
public struct ONNXFunction: Sendable, Equatable {
    /// The function (operator) name.
    public var name: String = ""
    /// Its domain.
    public var domain: String = ""
    /// Formal input names.
    public var inputs: [String] = []
    /// Formal output names.
    public var outputs: [String] = []
    /// Attribute names without defaults.
    public var attributeNames: [String] = []
    /// Attributes with default values.
    public var attributeDefaults: [ONNXAttribute] = []
    /// The body.
    public var nodes: [ONNXNode] = []
    /// The opsets the body uses.
    public var opsetImports: [ONNXOperatorSetID] = []

    /// An empty function.
    public init() {}

    init(reader r: inout ProtobufReader) throws {
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: try r.expect(t, .lengthDelimited); name = try r.string()
            case 10: try r.expect(t, .lengthDelimited); domain = try r.string()
            case 4: try r.expect(t, .lengthDelimited); inputs.append(try r.string())
            case 5: try r.expect(t, .lengthDelimited); outputs.append(try r.string())
            case 6: try r.expect(t, .lengthDelimited); attributeNames.append(try r.string())
            case 11: attributeDefaults.append(try sub(&r, t, "AttributeProto") { try ONNXAttribute(reader: &$0) })
            case 7: nodes.append(try sub(&r, t, "NodeProto") { try ONNXNode(reader: &$0) })
            case 9: opsetImports.append(try sub(&r, t, "OperatorSetIdProto") { try ONNXOperatorSetID(reader: &$0) })
            default: try r.skip(t)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.string(1, name)
        w.string(10, domain)
        for x in inputs { w.string(4, x) }
        for x in outputs { w.string(5, x) }
        for x in attributeNames { w.string(6, x) }
        for x in attributeDefaults { w.message(11, x.encoded()) }
        for x in nodes { w.message(7, x.encoded()) }
        for x in opsetImports { w.message(9, x.encoded()) }
        return w
    }
}

/// A `ModelProto`: the graph, the opsets it imports and model-local functions.
public struct ONNXModel: Sendable, Equatable {
    /// The IR version.
    public var irVersion: Int64 = 0
    /// The opsets imported.
    public var opsetImports: [ONNXOperatorSetID] = []
    /// The producer's name.
    public var producerName: String = ""
    /// The producer's version.
    public var producerVersion: String = ""
    /// The model's domain.
    public var domain: String = ""
    /// The model version.
    public var modelVersion: Int64 = 0
    /// A documentation string.
    public var docString: String = ""
    /// The main graph.
    public var graph = ONNXGraph()
    /// Metadata `key`/`value` pairs.
    public var metadata: [ONNXStringPair] = []
    /// Model-local functions.
    public var functions: [ONNXFunction] = []

    /// An empty model.
    public init() {}

    /// Decodes a serialized `ModelProto`.
    public init(serialized bytes: [UInt8]) throws {
        var r = ProtobufReader(bytes, message: "ModelProto")
        while let (field, t) = try r.nextField() {
            switch field {
            case 1: try r.expect(t, .varint); irVersion = try r.int64()
            case 8: opsetImports.append(try sub(&r, t, "OperatorSetIdProto") { try ONNXOperatorSetID(reader: &$0) })
            case 2: try r.expect(t, .lengthDelimited); producerName = try r.string()
            case 3: try r.expect(t, .lengthDelimited); producerVersion = try r.string()
            case 4: try r.expect(t, .lengthDelimited); domain = try r.string()
            case 5: try r.expect(t, .varint); modelVersion = try r.int64()
            case 6: try r.expect(t, .lengthDelimited); docString = try r.string()
            case 7: graph = try sub(&r, t, "GraphProto") { try ONNXGraph(reader: &$0) }
            case 14: metadata.append(try sub(&r, t, "StringStringEntryProto") { try ONNXStringPair(reader: &$0) })
            case 25: functions.append(try sub(&r, t, "FunctionProto") { try ONNXFunction(reader: &$0) })
            default: try r.skip(t)
            }
        }
    }

    /// The serialized bytes.
    public func serialized() -> [UInt8] {
        var w = ProtobufWriter()
        w.int(1, irVersion)
        for o in opsetImports { w.message(8, o.encoded()) }
        if !producerName.isEmpty { w.string(2, producerName) }
        if !producerVersion.isEmpty { w.string(3, producerVersion) }
        if !domain.isEmpty { w.string(4, domain) }
        if modelVersion != 0 { w.int(5, modelVersion) }
        if !docString.isEmpty { w.string(6, docString) }
        w.message(7, graph.encoded())
        for m in metadata { w.message(14, m.encoded()) }
        for f in functions { w.message(25, f.encoded()) }
        return w.bytes
    }
}

/// A `SequenceProto` or `OptionalProto` test-data value: a tensor, a sequence or an optional.
public indirect enum ONNXValueProto: Sendable, Equatable {
    /// A tensor.
    case tensor(ONNXTensorProto)
    /// A sequence of values (with the declared element kind for empty sequences).
    case sequence([ONNXValueProto], elementKind: Int)
    /// An optional (`nil`: no value), with its declared element kind.
    case optional(ONNXValueProto?, elementKind: Int)

    /// Decodes a serialized `SequenceProto`.
    public init(serializedSequence bytes: [UInt8]) throws {
        var r = ProtobufReader(bytes, message: "SequenceProto")
        self = try ONNXValueProto.readSequence(&r)
    }

    /// Decodes a serialized `OptionalProto`.
    public init(serializedOptional bytes: [UInt8]) throws {
        var r = ProtobufReader(bytes, message: "OptionalProto")
        self = try ONNXValueProto.readOptional(&r)
    }

    static func readSequence(_ r: inout ProtobufReader) throws -> ONNXValueProto {
        var kind = 0
        var items: [ONNXValueProto] = []
        while let (field, t) = try r.nextField() {
            switch field {
            case 2: try r.expect(t, .varint); kind = Int(truncatingIfNeeded: try r.int64())
            case 3: items.append(.tensor(try sub(&r, t, "TensorProto") { try ONNXTensorProto(reader: &$0) }))
            case 5: items.append(try sub(&r, t, "SequenceProto") { try readSequence(&$0) })
            case 7: items.append(try sub(&r, t, "OptionalProto") { try readOptional(&$0) })
            default: try r.skip(t)
            }
        }
        return .sequence(items, elementKind: kind)
    }

    static func readOptional(_ r: inout ProtobufReader) throws -> ONNXValueProto {
        var kind = 0
        var item: ONNXValueProto? = nil
        while let (field, t) = try r.nextField() {
            switch field {
            case 2: try r.expect(t, .varint); kind = Int(truncatingIfNeeded: try r.int64())
            case 3: item = .tensor(try sub(&r, t, "TensorProto") { try ONNXTensorProto(reader: &$0) })
            case 5: item = try sub(&r, t, "SequenceProto") { try readSequence(&$0) }
            case 7: item = try sub(&r, t, "OptionalProto") { try readOptional(&$0) }
            default: try r.skip(t)
            }
        }
        return .optional(item, elementKind: kind)
    }

    /// The serialized bytes: a `TensorProto`, `SequenceProto` or `OptionalProto`.
    public func serialized() -> [UInt8] { encoded().bytes }

    func encoded() -> ProtobufWriter {
        switch self {
        case .tensor(let t): return t.encoded()
        case .sequence(let items, let kind):
            var w = ProtobufWriter()
            w.int(2, Int64(kind))
            for item in items {
                switch item {
                case .tensor(let t): w.message(3, t.encoded())
                case .sequence: w.message(5, item.encoded())
                case .optional: w.message(7, item.encoded())
                }
            }
            return w
        case .optional(let item, let kind):
            var w = ProtobufWriter()
            w.int(2, Int64(kind))
            switch item {
            case .tensor(let t)?: w.message(3, t.encoded())
            case .sequence?: w.message(5, item!.encoded())
            case .optional?: w.message(7, item!.encoded())
            case nil: break
            }
            return w
        }
    }
}
