/// The operator registry: op type (prefixed by `domain:` outside `ai.onnx`) → implementation.
enum ONNXOperators {
    /// Every implemented operator.
    nonisolated(unsafe) static let table: [String: ONNXOperator] = {
        var t: [String: ONNXOperator] = [:]
        for family in [elementwise, cast, shape, reduction, linear, normalization, control, attention, convolutionPooling, quantization, scatter, misc, resizing, recurrentOps, stringOps, training, stateSpace, gridSample, flexAttention, signal, image, tfidf, signalMore] {
            t.merge(family) { first, _ in first }
        }
        return t
    }()

    /// The names of the implemented operators, sorted.
    static var names: [String] { table.keys.sorted() }
}

/// The operator types this runtime implements (`Add`, `ai.onnx.ml:LabelEncoder`, …), sorted.
public var onnxSupportedOperators: [String] { ONNXOperators.names }
