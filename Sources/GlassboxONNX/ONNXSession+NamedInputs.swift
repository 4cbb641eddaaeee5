import GlassboxIO

extension ONNXSession {
    /// Graph inputs from named arrays (the tensors of a safetensors file, `source` naming it in
    /// errors). Each name must be a graph input; a float array takes the declared float type of
    /// its input (so F32 data feeds a `double` graph and the other way round); any other array
    /// must have the declared element type; declared fixed dimensions must match. Names in
    /// `ignoring` (such as `grad_output`) are skipped.
    public func namedInputs(
        _ arrays: [(name: String, array: ArrayData)], source: String, ignoring: Set<String> = []
    ) throws -> [String: ONNXValue] {
        let declared = Dictionary(model.graph.inputs.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        var inputs: [String: ONNXValue] = [:]
        for (name, array) in arrays where !ignoring.contains(name) {
            guard let type = declared[name] else {
                throw ONNXError("\(source): '\(name)' is not a graph input (inputs: \(inputNames.joined(separator: ", ")))")
            }
            var tensor = ONNXTensor(array)
            if case .tensor(let rawType, let shape) = type, let dtype = ONNXDataType(rawValue: rawType) {
                if dtype.isFloatingPoint && tensor.dtype.isFloatingPoint {
                    tensor = ONNXTensor(dtype: dtype, shape: tensor.shape, reals: tensor.reals)
                } else if dtype != tensor.dtype {
                    throw ONNXError("\(source): input '\(name)' is \(array.dtype), the graph declares \(dtype)")
                }
                if let shape {
                    let fits = shape.count == tensor.rank
                        && zip(shape, tensor.shape).allSatisfy { if case .value(let v) = $0 { Int(v) == $1 } else { true } }
                    if !fits {
                        throw ONNXError("\(source): input '\(name)' has shape \(tensor.shape), the graph declares [\(shape.map(\.description).joined(separator: ", "))]")
                    }
                }
            }
            inputs[name] = .tensor(tensor)
        }
        return inputs
    }
}
