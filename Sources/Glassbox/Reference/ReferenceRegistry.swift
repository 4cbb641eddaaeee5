import GlassboxIO

/// The `torch.nn` modules that `glassbox reference` can run: one entry per class name, mapping
/// the case's `args` to a ``ReferenceModel`` (what it holds in its `state_dict`, which inputs it
/// consumes, how it computes).
///
/// Wiring a new module in is one entry in ``builders(_:)``: read each constructor keyword
/// from ``ReferenceArguments`` with PyTorch's default, and return ``ReferenceModel/layer(_:train:check:)``
/// for a layer or ``loss(_:indexTarget:optionalBuffers:_:)`` for a loss.
public enum ReferenceRegistry {
    /// Builds the model for `module` from `args`, in training mode when `train`.
    public typealias Builder<Scalar: TensorScalar> =
        (_ args: inout ReferenceArguments, _ train: Bool) throws -> ReferenceModel<Scalar>

    /// Every supported `torch.nn` class name, sorted.
    public static var moduleNames: [String] { builders(Double.self).keys.sorted() }

    /// At most `count` supported names nearest to `name`: by edit distance, ignoring case, ties
    /// in alphabetical order, keeping those within half the name's length (at least 2) when any
    /// is (`Conv4d` → `Conv1d`, `Conv2d`, `Conv3d`).
    public static func closestModuleNames(to name: String, count: Int = 5) -> [String] {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1] + Array(repeating: 0, count: b.count)
                for (j, y) in b.enumerated() {
                    current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
        let target = Array(name.lowercased())
        let ranked = moduleNames.map { ($0, distance(target, Array($0.lowercased()))) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(count)
        // Names within half the name's length (at least 2) of it; the nearest ones if none is.
        let near = ranked.filter { $0.1 <= Swift.max(2, target.count / 2) }
        return (near.isEmpty ? Array(ranked) : near).map(\.0)
    }

    /// Builds the model for one case: looks `module` up, reads `args`, rejects unknown keywords
    /// and parameters that would hold more than `maxParameterElements` elements in all.
    ///
    /// - Throws: ``ReferenceError`` for an unknown module, a bad argument or a layer too large.
    public static func build<Scalar: TensorScalar>(
        module: String, args: JSONObject, train: Bool, as _: Scalar.Type,
        maxParameterElements: Int = ReferenceArguments.defaultMaxParameterElements
    ) throws -> ReferenceModel<Scalar> {
        guard let builder = builders(Scalar.self)[module] else {
            throw ReferenceError.unknownModule(module, closest: closestModuleNames(to: module))
        }
        var arguments = ReferenceArguments(module: module, values: args, maxParameterElements: maxParameterElements)
        let model = try builder(&arguments, train)
        try arguments.finish()
        return model
    }

    /// The registry: `torch.nn` class name → builder (the core layers and losses here, the
    /// vision layers in `ReferenceRegistry+Convolution.swift`, `+Pooling`, `+Normalization`; `Embedding`
    /// in `+Embedding`; attention and transformer layers in `+Attention`; the recurrent layers in
    /// `+Recurrent`).
    public static func builders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        let base = coreBuilders(Scalar.self)
            .merging(convolutionBuilders(Scalar.self)) { first, _ in first }
            .merging(resamplingBuilders(Scalar.self)) { first, _ in first }  // before pooling: its Upsample wins
            .merging(poolingBuilders(Scalar.self)) { first, _ in first }
            .merging(normalizationBuilders(Scalar.self)) { first, _ in first }
            .merging(normalizationBreadthBuilders(Scalar.self)) { first, _ in first }
            .merging(shapeBuilders(Scalar.self)) { first, _ in first }
            .merging(embeddingBuilders(Scalar.self)) { first, _ in first }
            .merging(attentionBuilders(Scalar.self)) { first, _ in first }
            .merging(recurrentBuilders(Scalar.self)) { first, _ in first }
            .merging(twoInputBuilders(Scalar.self)) { first, _ in first }
            .merging(transformerBuilders(Scalar.self)) { first, _ in first }
            .merging(embeddingBagBuilders(Scalar.self)) { first, _ in first }
            .merging(activationBuilders(Scalar.self)) { first, _ in first }
            .merging(lossBuilders(Scalar.self)) { first, _ in first }
            .merging(paddingBuilders(Scalar.self)) { first, _ in first }
            .merging(convolutionNDBuilders(Scalar.self)) { first, _ in first }
            .merging(poolingNDBuilders(Scalar.self)) { first, _ in first }
        return base.merging(variantBuilders(Scalar.self, base: base)) { first, _ in first }
    }

    /// Layers, activations and losses of the foundation.
    static func coreBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            // Layers.
            "Linear": { args, train in
                let inFeatures = try args.int("in_features")
                let outFeatures = try args.int("out_features")
                let bias = try args.bool("bias", default: true)
                guard inFeatures >= 0 else { throw ReferenceError.invalidArgument(module: "Linear", name: "in_features", expected: "≥ 0") }
                guard outFeatures >= 0 else { throw ReferenceError.invalidArgument(module: "Linear", name: "out_features", expected: "≥ 0") }
                let layer = Linear<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [outFeatures, inFeatures]), requiresGrad: true),
                    bias: bias ? Tensor.zeros(try args.parameterShape("bias", [outFeatures]), requiresGrad: true) : nil)
                return .layer(layer, train: train) { shape in
                    guard shape.last == inFeatures else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [..., \(inFeatures)]")
                    }
                }
            },
            "Flatten": { args, train in
                let start = try args.int("start_dim", default: 1)
                let end = try args.int("end_dim", default: -1)
                return .layer(Flatten<Scalar>(startDim: start, endDim: end), train: train) { shape in
                    let rank = Swift.max(shape.count, 1)
                    let s = start < 0 ? start + rank : start
                    let e = end < 0 ? end + rank : end
                    guard (0..<rank).contains(s), (0..<rank).contains(e), s <= e, !shape.isEmpty else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape): cannot flatten dims \(start)...\(end)")
                    }
                }
            },
            "Dropout": { args, train in
                let p = try args.double("p", default: 0.5, in: 0...1)
                _ = try args.bool("inplace", default: false)
                if train && p > 0 {
                    throw ReferenceError.unsupported(
                        "Dropout: train=true with p=\(p) is not reproducible (Glassbox's random stream differs from PyTorch's); use train=false")
                }
                return .layer(Dropout<Scalar>(p: p), train: train)
            },
            "Identity": { args, train in
                args.ignoreAll()  // torch.nn.Identity ignores its arguments.
                return .layer(Identity<Scalar>(), train: train)
            },

            // Activations.
            "ReLU": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(ReLU<Scalar>(), train: train)
            },
            "LeakyReLU": { args, train in
                let slope = try args.double("negative_slope", default: 0.01)
                _ = try args.bool("inplace", default: false)
                return .layer(LeakyReLU<Scalar>(negativeSlope: Scalar(slope)), train: train)
            },
            "ELU": { args, train in
                let alpha = try args.double("alpha", default: 1)
                _ = try args.bool("inplace", default: false)
                return .layer(ELU<Scalar>(alpha: Scalar(alpha)), train: train)
            },
            "GELU": { args, train in
                let approximate = try args.choice("approximate", ["none", "tanh"], default: "none")
                return .layer(GELU<Scalar>(approximate: approximate == "tanh" ? .tanh : .none), train: train)
            },
            "SiLU": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(SiLU<Scalar>(), train: train)
            },
            "Sigmoid": { _, train in .layer(Sigmoid<Scalar>(), train: train) },
            "Tanh": { _, train in .layer(Tanh<Scalar>(), train: train) },
            "Softplus": { args, train in
                let beta = try args.double("beta", default: 1)
                let threshold = try args.double("threshold", default: 20)
                guard beta != 0 else { throw ReferenceError.invalidArgument(module: "Softplus", name: "beta", expected: "non-zero") }
                return .layer(Softplus<Scalar>(beta: Scalar(beta), threshold: Scalar(threshold)), train: train)
            },
            "Softmax": { args, _ in
                let dim = try args.optionalInt("dim")
                return softmaxLayer(dim: dim) { x, dim in x.softmax(dim: dim) }
            },
            "LogSoftmax": { args, _ in
                let dim = try args.optionalInt("dim")
                return softmaxLayer(dim: dim) { x, dim in x.logSoftmax(dim: dim) }
            },

            // Losses: `input` and `target`.
            "MSELoss": { args, _ in
                let reduction = try args.reduction()
                return loss("MSELoss") { input, target, _ in
                    mseLoss(input, try floating(target, like: input, broadcast: true), reduction: reduction)
                }
            },
            "L1Loss": { args, _ in
                let reduction = try args.reduction()
                return loss("L1Loss") { input, target, _ in
                    l1Loss(input, try floating(target, like: input, broadcast: true), reduction: reduction)
                }
            },
            "HuberLoss": { args, _ in
                let reduction = try args.reduction()
                let delta = try args.double("delta", default: 1)
                guard delta > 0 else { throw ReferenceError.invalidArgument(module: "HuberLoss", name: "delta", expected: "> 0") }
                return loss("HuberLoss") { input, target, _ in
                    huberLoss(input, try floating(target, like: input, broadcast: true), reduction: reduction, delta: Scalar(delta))
                }
            },
            "SmoothL1Loss": { args, _ in
                let reduction = try args.reduction()
                let beta = try args.double("beta", default: 1)
                guard beta >= 0 else { throw ReferenceError.invalidArgument(module: "SmoothL1Loss", name: "beta", expected: "≥ 0") }
                return loss("SmoothL1Loss") { input, target, _ in
                    smoothL1Loss(input, try floating(target, like: input, broadcast: true), reduction: reduction, beta: Scalar(beta))
                }
            },
            "CrossEntropyLoss": { args, _ in
                try args.tensorInWeights("weight")
                let ignoreIndex = try args.int("ignore_index", default: -100)
                let reduction = try args.reduction()
                let smoothing = try args.double("label_smoothing", default: 0, in: 0...1)
                return loss("CrossEntropyLoss", indexTarget: true, optionalBuffers: ["weight"]) { input, target, buffers in
                    let weight = try classWeight(buffers["weight"], input: input)
                    switch target {
                    case .indices(let indices):
                        try checkClassIndices(indices, input: input, ignoreIndex: ignoreIndex)
                        return crossEntropy(
                            input, indices, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
                            labelSmoothing: Scalar(smoothing))
                    case .floating(let probabilities):
                        guard probabilities.shape == input.shape else {
                            throw ReferenceError.invalidInput(
                                name: "target", problem: "has shape \(probabilities.shape), expected \(input.shape) (class probabilities)")
                        }
                        return crossEntropy(
                            input, probabilities: probabilities, weight: weight, reduction: reduction,
                            labelSmoothing: Scalar(smoothing))
                    case .mask:
                        throw ReferenceError.invalidInput(name: "target", problem: "must hold class indices or probabilities")
                    }
                }
            },
            "NLLLoss": { args, _ in
                try args.tensorInWeights("weight")
                let ignoreIndex = try args.int("ignore_index", default: -100)
                let reduction = try args.reduction()
                return loss("NLLLoss", indexTarget: true, optionalBuffers: ["weight"]) { input, target, buffers in
                    guard case .indices(let indices) = target else {
                        throw ReferenceError.invalidInput(name: "target", problem: "must hold class indices (an integer dtype such as I64)")
                    }
                    try checkClassIndices(indices, input: input, ignoreIndex: ignoreIndex)
                    let weight = try classWeight(buffers["weight"], input: input)
                    return nllLoss(input, indices, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
                }
            },
            "BCELoss": { args, _ in
                try args.tensorInWeights("weight")
                let reduction = try args.reduction()
                return loss("BCELoss", optionalBuffers: ["weight"]) { input, target, buffers in
                    let target = try floating(target, like: input, broadcast: false)
                    let weight = try broadcastBuffer(buffers["weight"], name: "weight", to: input.shape)
                    return binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
                }
            },
            "BCEWithLogitsLoss": { args, _ in
                try args.tensorInWeights("weight")
                try args.tensorInWeights("pos_weight")
                let reduction = try args.reduction()
                return loss("BCEWithLogitsLoss", optionalBuffers: ["weight", "pos_weight"]) { input, target, buffers in
                    let target = try floating(target, like: input, broadcast: false)
                    let weight = try broadcastBuffer(buffers["weight"], name: "weight", to: input.shape)
                    let posWeight = try broadcastBuffer(buffers["pos_weight"], name: "pos_weight", to: input.shape)
                    return binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
                }
            },
        ]
    }

    // MARK: Helpers for entries

    /// A loss taking a floating-point `input` and a `target` (class indices allowed when
    /// `indexTarget`), with the given optional buffers (`weight`, `pos_weight`).
    public static func loss<Scalar: TensorScalar>(
        _ name: String, indexTarget: Bool = false, optionalBuffers: [String] = [],
        _ compute: @escaping (Tensor<Scalar>, ReferenceValue<Scalar>, [String: Tensor<Scalar>]) throws -> Tensor<Scalar>
    ) -> ReferenceModel<Scalar> {
        ReferenceModel(
            optionalBuffers: optionalBuffers, inputNames: ["input", "target"],
            indexInputs: indexTarget ? ["target"] : []
        ) { inputs, buffers in
            guard case .floating(let input)? = inputs["input"] else { throw ReferenceError.missingInput("input") }
            guard let target = inputs["target"] else { throw ReferenceError.missingInput("target") }
            return try compute(input, target, buffers)
        }
    }

    /// Softmax and LogSoftmax: `dim` may be negative; `nil` picks PyTorch's legacy implicit dim
    /// (0 for inputs of rank 0, 1 or 3, else 1).
    private static func softmaxLayer<Scalar: TensorScalar>(
        dim: Int?, _ apply: @escaping (Tensor<Scalar>, Int) -> Tensor<Scalar>
    ) -> ReferenceModel<Scalar> {
        ReferenceModel(inputNames: ["input"]) { inputs, _ in
            guard case .floating(let input)? = inputs["input"] else { throw ReferenceError.missingInput("input") }
            let rank = input.rank
            let resolved = dim ?? ([0, 1, 3].contains(rank) ? 0 : 1)
            let bound = Swift.max(rank, 1)
            guard (-bound..<bound).contains(resolved) else {
                throw ReferenceError.invalidInput(name: "input", problem: "has rank \(rank): dim \(resolved) out of range")
            }
            if rank == 0 { return apply(input.reshaped([1]), 0).reshaped([]) }
            return apply(input, resolved)
        }
    }

    /// The shape two shapes broadcast to, or `nil` if they do not.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        let a = [Int](repeating: 1, count: rank - a.count) + a
        let b = [Int](repeating: 1, count: rank - b.count) + b
        var result: [Int] = []
        for (x, y) in zip(a, b) {
            guard x == y || x == 1 || y == 1 else { return nil }
            result.append(x == 1 ? y : x)
        }
        return result
    }

    /// A floating-point target of the input's shape, or with `broadcast` one that broadcasts
    /// against it (as PyTorch's regression losses allow, with a warning).
    private static func floating<Scalar>(_ target: ReferenceValue<Scalar>, like input: Tensor<Scalar>, broadcast: Bool) throws
        -> Tensor<Scalar>
    {
        guard case .floating(let tensor) = target else {
            throw ReferenceError.invalidInput(name: "target", problem: "must be floating point (F32 or F64)")
        }
        if broadcast {
            guard broadcastShape(tensor.shape, input.shape) != nil else {
                throw ReferenceError.invalidInput(
                    name: "target", problem: "has shape \(tensor.shape), which does not broadcast with input \(input.shape)")
            }
        } else if tensor.shape != input.shape {
            throw ReferenceError.invalidInput(name: "target", problem: "has shape \(tensor.shape), expected \(input.shape)")
        }
        return tensor
    }

    /// Checks class indices against `input` `[N, C, d…]` or `[C]`: shape `[N, d…]` or `[]`,
    /// values in `0..<C` or `ignoreIndex`.
    private static func checkClassIndices<Scalar>(_ target: IndexTensor, input: Tensor<Scalar>, ignoreIndex: Int) throws {
        guard input.rank >= 1 else {
            throw ReferenceError.invalidInput(name: "input", problem: "must have rank ≥ 1 ([N, C, ...] or [C])")
        }
        let expected = input.rank == 1 ? [] : [input.shape[0]] + input.shape.dropFirst(2)
        guard target.shape == expected else {
            throw ReferenceError.invalidInput(name: "target", problem: "has shape \(target.shape), expected \(expected)")
        }
        let classes = input.rank == 1 ? input.shape[0] : input.shape[1]
        if let bad = target.indices.first(where: { $0 != ignoreIndex && !(0..<classes).contains($0) }) {
            throw ReferenceError.invalidInput(name: "target", problem: "holds class \(bad), outside 0..<\(classes)")
        }
    }

    /// The class `weight` buffer, checked to be `[C]`.
    private static func classWeight<Scalar>(_ weight: Tensor<Scalar>?, input: Tensor<Scalar>) throws -> Tensor<Scalar>? {
        guard let weight else { return nil }
        let classes = input.rank == 1 ? input.shape[0] : (input.rank >= 2 ? input.shape[1] : 1)
        guard weight.shape == [classes] else {
            throw ReferenceError.invalidWeight(name: "weight", problem: "has shape \(weight.shape), expected [\(classes)]")
        }
        return weight
    }

    /// An optional buffer that must broadcast to `shape` without growing it.
    private static func broadcastBuffer<Scalar>(_ buffer: Tensor<Scalar>?, name: String, to shape: [Int]) throws
        -> Tensor<Scalar>?
    {
        guard let buffer else { return nil }
        guard broadcastShape(buffer.shape, shape) == shape else {
            throw ReferenceError.invalidWeight(name: name, problem: "has shape \(buffer.shape), which does not broadcast to \(shape)")
        }
        return buffer
    }
}
