import GlassboxIO

// `--dtype f64`: the same model with every float tensor in double precision — initializers,
// Constant/ConstantOfShape values, the `to` of Cast and the `dtype` of the generators, and the
// declared types of inputs, outputs and intermediate values — in the main graph, subgraphs and
// model-local functions.

extension ONNXModel {
    /// This model with every `float` (and float16/bfloat16) tensor made `double`, so that the
    /// runtime computes it in `Double` throughout: the exact reference run of the graph.
    public func promotedToDouble() throws -> ONNXModel {
        var model = self
        model.graph = try graph.promotedToDouble()
        model.functions = try functions.map { f in
            var f = f
            f.nodes = try f.nodes.map { try $0.promotedToDouble() }
            f.attributeDefaults = try f.attributeDefaults.map { try $0.promotedToDouble() }
            return f
        }
        return model
    }
}

/// Whether `rawType` (an ``ONNXDataType`` raw value) is a float type to promote.
private func promotes(_ rawType: Int) -> Bool {
    rawType == ONNXDataType.float.rawValue || rawType == ONNXDataType.float16.rawValue
        || rawType == ONNXDataType.bfloat16.rawValue
}

extension ONNXGraph {
    func promotedToDouble() throws -> ONNXGraph {
        var g = self
        g.initializers = try initializers.map { try $0.promotedToDouble() }
        g.nodes = try nodes.map { try $0.promotedToDouble() }
        g.inputs = inputs.map { $0.promotedToDouble() }
        g.outputs = outputs.map { $0.promotedToDouble() }
        g.valueInfo = valueInfo.map { $0.promotedToDouble() }
        return g
    }
}

extension ONNXTensorProto {
    func promotedToDouble() throws -> ONNXTensorProto {
        guard promotes(dataType) else { return self }
        let t = try ONNXTensor(proto: self)
        return ONNXTensor(dtype: .double, shape: t.shape, reals: t.reals).proto(name: name)
    }
}

extension ONNXValueInfo {
    func promotedToDouble() -> ONNXValueInfo {
        var v = self
        v.type = type.promotedToDouble()
        return v
    }
}

extension ONNXType {
    func promotedToDouble() -> ONNXType {
        switch self {
        case .tensor(let e, let shape): .tensor(elementType: promotes(e) ? ONNXDataType.double.rawValue : e, shape: shape)
        case .sparseTensor(let e, let shape):
            .sparseTensor(elementType: promotes(e) ? ONNXDataType.double.rawValue : e, shape: shape)
        case .sequence(let e): .sequence(e?.promotedToDouble())
        case .optional(let e): .optional(e?.promotedToDouble())
        case .map(let k, let v): .map(keyType: k, valueType: v?.promotedToDouble())
        case .unknown: .unknown
        }
    }
}

extension ONNXNode {
    func promotedToDouble() throws -> ONNXNode {
        var n = self
        n.attributes = try attributes.map { try $0.promotedToDouble() }
        return n
    }
}

extension ONNXAttribute {
    func promotedToDouble() throws -> ONNXAttribute {
        var a = self
        if (name == "to" || name == "dtype"), type == .int, promotes(Int(int)) { a.int = Int64(ONNXDataType.double.rawValue) }
        a.tensor = try tensor?.promotedToDouble()
        a.tensors = try tensors.map { try $0.promotedToDouble() }
        a.graph = try graph?.promotedToDouble()
        a.graphs = try graphs.map { try $0.promotedToDouble() }
        a.typeProto = typeProto?.promotedToDouble()
        a.typeProtos = typeProtos.map { $0.promotedToDouble() }
        return a
    }
}
