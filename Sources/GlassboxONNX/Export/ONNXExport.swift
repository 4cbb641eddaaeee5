import Glassbox
import GlassboxIO

/// Export of Glassbox models to ONNX (opset ``opset``), in evaluation mode: a `Sequential` of
/// supported layers (the seed CNN, LeNet-5, the small VGG, the sequential-MNIST LSTM), the
/// ``MLP`` and the ``GPT``. Initializers carry the `state_dict` names (`0.weight`,
/// `transformer.wte.weight`), so an exported graph can be checked entry by entry against the
/// checkpoint.
///
/// Layers and their ONNX form: `Linear` → `Gemm` (rank-2 input) or `MatMul` + `Add`; `Conv2d` →
/// `Conv`; `MaxPool2d` → `MaxPool`; `AvgPool2d` → `AveragePool`; `AdaptiveAvgPool2d((1, 1))` →
/// `GlobalAveragePool`; `BatchNorm1d/2d` → `BatchNormalization` (running statistics);
/// `LayerNorm` → `LayerNormalization`; `Flatten`/`Unflatten` → `Reshape` (or `Flatten`);
/// activations → their ONNX op (GELU as `x·½(1 + erf(x/√2))` or its tanh form); `Dropout`,
/// `Dropout2d`, `Identity` → nothing; `SequenceStep` → `Gather`; `LSTM` → `LSTM` (gates
/// reordered from PyTorch's i, f, g, o to ONNX's i, o, f, c). Anything else throws
/// ``ONNXError`` naming the layer.
public enum ONNXExport {
    /// The opset of exported models (`LayerNormalization` needs 17).
    public static let opset: Int64 = 17

    /// Exports `model` run on inputs of shape `inputShape` (`nil` for the batch dimension) as a
    /// graph `input` → `output`.
    public static func model(_ model: Sequential<Float>, inputShape: [Int?], name: String = "glassbox") throws -> ONNXModel {
        var builder = ONNXGraphBuilder(name: name)
        let (output, rank) = try sequential(model, "input", rank: inputShape.count, prefix: "", &builder)
        _ = builder.node("Identity", [output], output: "output")
        return builder.model(
            inputs: [ONNXGraphBuilder.floatValue("input", dims: inputShape)], outputs: [ONNXGraphBuilder.floatValue("output", rank: rank)])
    }

    /// Exports the MLP (`fc1 → ReLU → fc2 → ReLU → fc3`) on `[N, inputSize]`.
    public static func model(_ mlp: MLP<Float>, name: String = "mlp") throws -> ONNXModel {
        try model(Sequential(mlp.fc1, ReLU(), mlp.fc2, ReLU(), mlp.fc3), inputShape: [nil, mlp.fc1.inFeatures], name: name)
    }

    /// Writes `model` to `path` atomically.
    public static func write(_ model: ONNXModel, to path: String) throws {
        try FileIO.writeAtomically(model.serialized(), toPath: path)
    }

    /// The layers of `sequential` in order; returns the output value and its rank.
    static func sequential(
        _ sequential: Sequential<Float>, _ input: String, rank: Int, prefix: String, _ b: inout ONNXGraphBuilder
    ) throws -> (String, Int) {
        var x = input, r = rank
        for (index, layer) in sequential.layers.enumerated() {
            (x, r) = try self.layer(layer, x, rank: r, prefix: "\(prefix)\(index).", &b)
        }
        return (x, r)
    }

    /// One layer: its nodes and initializers (named `prefix` + the `state_dict` name).
    static func layer(_ layer: any Layer<Float>, _ x: String, rank: Int, prefix: String, _ b: inout ONNXGraphBuilder) throws -> (String, Int) {
        switch layer {
        case let l as Sequential<Float>:
            return try sequential(l, x, rank: rank, prefix: prefix, &b)
        case let l as Linear<Float>:
            return (linear(l, x, rank: rank, prefix: prefix, &b), rank)
        case let l as Conv2d<Float>:
            return (try conv(l, x, prefix: prefix, &b), rank)
        case let l as MaxPool2d<Float>:
            return (b.node("MaxPool", [x], [
                .ints("kernel_shape", [l.kernelSize.0, l.kernelSize.1]), .ints("strides", [l.stride.0, l.stride.1]),
                .ints("pads", [l.padding.0, l.padding.1, l.padding.0, l.padding.1]),
                .ints("dilations", [l.dilation.0, l.dilation.1]), .int("ceil_mode", l.ceilMode ? 1 : 0),
            ]), rank)
        case let l as AvgPool2d<Float>:
            guard l.divisorOverride == nil else { throw ONNXError("export: AvgPool2d with divisor_override has no ONNX form") }
            return (b.node("AveragePool", [x], [
                .ints("kernel_shape", [l.kernelSize.0, l.kernelSize.1]), .ints("strides", [l.stride.0, l.stride.1]),
                .ints("pads", [l.padding.0, l.padding.1, l.padding.0, l.padding.1]),
                .int("ceil_mode", l.ceilMode ? 1 : 0), .int("count_include_pad", l.countIncludePad ? 1 : 0),
            ]), rank)
        case let l as AdaptiveAvgPool2d<Float>:
            guard l.outputSize.0 == 1 && l.outputSize.1 == 1 else {
                throw ONNXError("export: AdaptiveAvgPool2d to \(l.outputSize) has no ONNX form (only (1, 1))")
            }
            return (b.node("GlobalAveragePool", [x]), rank)
        case let l as BatchNormBase<Float>:
            return (try batchNorm(l, x, prefix: prefix, &b), rank)
        case let l as LayerNorm<Float>:
            return (layerNorm(l, x, prefix: prefix, &b), rank)
        case let l as Flatten<Float>:
            let start = l.startDim < 0 ? l.startDim + rank : l.startDim
            let end = l.endDim < 0 ? l.endDim + rank : l.endDim
            if start == 1 && end == rank - 1 { return (b.node("Flatten", [x], [.int("axis", 1)]), 2) }
            let shape = [Int64](repeating: 0, count: start) + [-1] + [Int64](repeating: 0, count: rank - 1 - end)
            return (b.node("Reshape", [x, b.constant(shape, prefix: "shape")]), shape.count)
        case let l as Unflatten<Float>:
            let dim = l.dim < 0 ? l.dim + rank : l.dim
            let shape = [Int64](repeating: 0, count: dim) + l.unflattenedSize.map { Int64($0) }
                + [Int64](repeating: 0, count: rank - 1 - dim)
            return (b.node("Reshape", [x, b.constant(shape, prefix: "shape")]), shape.count)
        case let l as SequenceStep<Float>:
            return (b.node("Gather", [x, b.constant([Int64(l.index)], shape: [], prefix: "index")], [.int("axis", 1)]), rank - 1)
        case let l as LSTM<Float>:
            return (try lstm(l, x, prefix: prefix, &b), rank)
        case is ReLU<Float>: return (b.node("Relu", [x]), rank)
        case is Tanh<Float>: return (b.node("Tanh", [x]), rank)
        case is Sigmoid<Float>: return (b.node("Sigmoid", [x]), rank)
        case let l as LeakyReLU<Float>: return (b.node("LeakyRelu", [x], [.float("alpha", Double(l.negativeSlope))]), rank)
        case let l as ELU<Float>: return (b.node("Elu", [x], [.float("alpha", Double(l.alpha))]), rank)
        case let l as Softmax<Float>: return (b.node("Softmax", [x], [.int("axis", l.dim)]), rank)
        case let l as LogSoftmax<Float>: return (b.node("LogSoftmax", [x], [.int("axis", l.dim)]), rank)
        case is SiLU<Float>: return (b.node("Mul", [x, b.node("Sigmoid", [x])]), rank)
        case let l as GELU<Float>: return (gelu(x, approximate: l.approximate, &b), rank)
        case is Dropout<Float>, is Dropout2d<Float>, is Identity<Float>: return (x, rank)
        default:
            throw ONNXError("export: layer \(prefix.dropLast()) (\(type(of: layer))) has no ONNX export")
        }
    }

    static func linear(_ l: Linear<Float>, _ x: String, rank: Int, prefix: String, _ b: inout ONNXGraphBuilder) -> String {
        let weight = b.initializer(prefix + "weight", l.weight)
        let bias = l.bias.map { b.initializer(prefix + "bias", $0) }
        if rank == 2 { return b.node("Gemm", [x, weight] + (bias.map { [$0] } ?? []), [.int("transB", 1)]) }
        let product = b.node("MatMul", [x, b.node("Transpose", [weight], [.ints("perm", [1, 0])])])
        return bias.map { b.node("Add", [product, $0]) } ?? product
    }

    static func conv(_ l: Conv2d<Float>, _ x: String, prefix: String, _ b: inout ONNXGraphBuilder) throws -> String {
        var attributes: [ONNXAttribute] = [
            .ints("kernel_shape", [l.kernelSize.height, l.kernelSize.width]), .ints("strides", [l.stride.height, l.stride.width]),
            .ints("dilations", [l.dilation.height, l.dilation.width]), .int("group", l.groups),
        ]
        switch l.padding {
        case .explicit(let height, let width): attributes.append(.ints("pads", [height, width, height, width]))
        case .same: attributes.append(.string("auto_pad", "SAME_UPPER"))
        case .valid: attributes.append(.ints("pads", [0, 0, 0, 0]))
        }
        let inputs = [x, b.initializer(prefix + "weight", l.weight)] + (l.bias.map { [b.initializer(prefix + "bias", $0)] } ?? [])
        return b.node("Conv", inputs, attributes)
    }

    static func batchNorm(_ l: BatchNormBase<Float>, _ x: String, prefix: String, _ b: inout ONNXGraphBuilder) throws -> String {
        guard let mean = l.runningMean, let variance = l.runningVar else {
            throw ONNXError("export: layer \(prefix.dropLast()) (BatchNorm without running statistics) has no evaluation-mode ONNX form")
        }
        let n = l.numFeatures
        let scale = l.weight.map { b.initializer(prefix + "weight", $0) } ?? b.initializer(prefix + "weight", values: Array(repeating: 1, count: n), shape: [n])
        let shift = l.bias.map { b.initializer(prefix + "bias", $0) } ?? b.initializer(prefix + "bias", values: Array(repeating: 0, count: n), shape: [n])
        return b.node("BatchNormalization", [
            x, scale, shift, b.initializer(prefix + "running_mean", mean), b.initializer(prefix + "running_var", variance),
        ], [.float("epsilon", l.eps)])
    }

    static func layerNorm(_ l: LayerNorm<Float>, _ x: String, prefix: String, _ b: inout ONNXGraphBuilder) -> String {
        let count = l.normalizedShape.reduce(1, *)
        let scale = l.weight.map { b.initializer(prefix + "weight", $0) }
            ?? b.initializer(b.fresh("ones"), values: Array(repeating: 1, count: count), shape: l.normalizedShape)
        let inputs = [x, scale] + (l.bias.map { [b.initializer(prefix + "bias", $0)] } ?? [])
        return b.node("LayerNormalization", inputs, [.int("axis", -l.normalizedShape.count), .float("epsilon", l.eps)])
    }

    static func gelu(_ x: String, approximate: Tensor<Float>.GELUApproximation, _ b: inout ONNXGraphBuilder) -> String {
        let half = b.node("Mul", [x, b.scalar(0.5)])
        switch approximate {
        case .none:
            // x·½·(1 + erf(x/√2))
            let erf = b.node("Erf", [b.node("Mul", [x, b.scalar((0.5).squareRoot())])])
            return b.node("Mul", [half, b.node("Add", [erf, b.scalar(1)])])
        case .tanh:
            // x·½·(1 + tanh(√(2/π)(x + 0.044715x³)))
            let cube = b.node("Mul", [b.node("Mul", [x, x]), x])
            let inner = b.node("Add", [x, b.node("Mul", [cube, b.scalar(0.044715)])])
            let t = b.node("Tanh", [b.node("Mul", [inner, b.scalar((2 / Double.pi).squareRoot())])])
            return b.node("Mul", [half, b.node("Add", [t, b.scalar(1)])])
        }
    }

    /// `LSTM` as one ONNX `LSTM` node per layer on `[T, B, ·]`; transposes around it when
    /// ``LSTM/batchFirst``. Returns the output sequence (both directions concatenated).
    static func lstm(_ l: LSTM<Float>, _ x: String, prefix: String, _ b: inout ONNXGraphBuilder) throws -> String {
        let parameters = Dictionary(uniqueKeysWithValues: l.namedParameters().map { ($0.name, $0.tensor) })
        let h = l.hiddenSize
        let directions = l.bidirectional ? ["", "_reverse"] : [""]
        // PyTorch's gate blocks i, f, g, o → ONNX's i, o, f, c.
        func reordered(_ t: Tensor<Float>) -> [Float] {
            let rows = t.scalars, width = t.count / (4 * h)
            func block(_ k: Int) -> ArraySlice<Float> { rows[(k * h * width)..<((k + 1) * h * width)] }
            return Array(block(0) + block(3) + block(1) + block(2))
        }
        var sequence = l.batchFirst ? b.node("Transpose", [x], [.ints("perm", [1, 0, 2])]) : x
        for layer in 0..<l.numLayers {
            var w: [Float] = [], r: [Float] = [], bias: [Float] = []
            var inputWidth = 0
            for suffix in directions {
                let weightIH = parameters["weight_ih_l\(layer)\(suffix)"]!
                inputWidth = weightIH.shape[1]
                w += reordered(weightIH)
                r += reordered(parameters["weight_hh_l\(layer)\(suffix)"]!)
                if l.bias {
                    bias += reordered(parameters["bias_ih_l\(layer)\(suffix)"]!) + reordered(parameters["bias_hh_l\(layer)\(suffix)"]!)
                } else {
                    bias += [Float](repeating: 0, count: 8 * h)
                }
            }
            let d = directions.count
            let name = "\(prefix)l\(layer)"
            let inputs = [
                sequence,
                b.initializer(name + ".W", values: w.map(Double.init), shape: [d, 4 * h, inputWidth]),
                b.initializer(name + ".R", values: r.map(Double.init), shape: [d, 4 * h, h]),
                b.initializer(name + ".B", values: bias.map(Double.init), shape: [d, 8 * h]),
            ]
            let y = b.node("LSTM", inputs, [
                .int("hidden_size", h), .string("direction", l.bidirectional ? "bidirectional" : "forward"),
            ])
            // Y [T, D, B, H] → [T, B, D·H]
            let moved = b.node("Transpose", [y], [.ints("perm", [0, 2, 1, 3])])
            sequence = b.node("Reshape", [moved, b.constant([0, 0, -1], prefix: "shape")])
        }
        return l.batchFirst ? b.node("Transpose", [sequence], [.ints("perm", [1, 0, 2])]) : sequence
    }
}
