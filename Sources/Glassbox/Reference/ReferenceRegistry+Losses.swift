import GlassboxIO

extension ReferenceRegistry {
    /// `KLDivLoss`, `PoissonNLLLoss`, `GaussianNLLLoss`, `HingeEmbeddingLoss`,
    /// `MarginRankingLoss`, `SoftMarginLoss`, `MultiLabelMarginLoss`,
    /// `MultiLabelSoftMarginLoss`, `MultiMarginLoss`, `TripletMarginLoss`, `CosineEmbeddingLoss`,
    /// `CTCLoss`.
    static func lossBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "KLDivLoss": { args, _ in
                let reduction = KLDivReduction(rawValue: try args.choice("reduction", ["none", "mean", "sum", "batchmean"], default: "mean"))!
                let logTarget = try args.bool("log_target", default: false)
                return lossModel(["input", "target"]) { inputs, _ in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    try checkBroadcast(target, "target", to: input.shape)
                    return klDivLoss(input, target, reduction: reduction, logTarget: logTarget)
                }
            },
            "PoissonNLLLoss": { args, _ in
                let logInput = try args.bool("log_input", default: true)
                let full = try args.bool("full", default: false)
                let eps = try args.double("eps", default: 1e-8)
                let reduction = try args.reduction()
                return lossModel(["input", "target"]) { inputs, _ in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    try checkBroadcast(target, "target", to: input.shape)
                    return poissonNLLLoss(input, target, logInput: logInput, full: full, eps: Scalar(eps), reduction: reduction)
                }
            },
            "GaussianNLLLoss": { args, _ in
                let full = try args.bool("full", default: false)
                let eps = try args.double("eps", default: 1e-6)
                let reduction = try args.reduction()
                return lossModel(["input", "target", "var"]) { inputs, _ in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    let variance = try floatingInput(inputs, "var")
                    try checkBroadcast(target, "target", to: input.shape)
                    let v = variance.shape == Array(input.shape.dropLast()) ? variance.shape + [1] : variance.shape
                    let mismatched = zip(v, input.shape).filter { $0 != $1 }
                    guard v.count == input.rank, mismatched.isEmpty || mismatched.map(\.0) == [1] else {
                        throw ReferenceError.invalidInput(
                            name: "var", problem: "has shape \(variance.shape), expected \(input.shape), \(Array(input.shape.dropLast())) or one dimension 1")
                    }
                    guard variance.scalars.allSatisfy({ $0 >= 0 }) else {
                        throw ReferenceError.invalidInput(name: "var", problem: "has a negative entry")
                    }
                    return gaussianNLLLoss(input, target, variance: variance, full: full, eps: Scalar(eps), reduction: reduction)
                }
            },
            "HingeEmbeddingLoss": { args, _ in
                let margin = try args.double("margin", default: 1)
                let reduction = try args.reduction()
                return lossModel(["input", "target"]) { inputs, _ in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    try checkBroadcast(target, "target", to: input.shape)
                    return hingeEmbeddingLoss(input, target, margin: Scalar(margin), reduction: reduction)
                }
            },
            "MarginRankingLoss": { args, _ in
                let margin = try args.double("margin", default: 0)
                let reduction = try args.reduction()
                return lossModel(["input1", "input2", "target"]) { inputs, _ in
                    let input1 = try floatingInput(inputs, "input1")
                    let input2 = try floatingInput(inputs, "input2")
                    let target = try floatingInput(inputs, "target")
                    guard input2.rank == input1.rank, target.rank == input1.rank,
                        let shape = broadcastShape(input1.shape, input2.shape), broadcastShape(shape, target.shape) != nil
                    else {
                        throw ReferenceError.invalidInput(
                            name: "target", problem: "has shape \(target.shape): input1 \(input1.shape), input2 \(input2.shape) and target must have one rank and broadcast")
                    }
                    return marginRankingLoss(input1, input2, target, margin: Scalar(margin), reduction: reduction)
                }
            },
            "SoftMarginLoss": { args, _ in
                let reduction = try args.reduction()
                return lossModel(["input", "target"]) { inputs, _ in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    try checkShape(target, "target", input.shape)
                    return softMarginLoss(input, target, reduction: reduction)
                }
            },
            "MultiLabelSoftMarginLoss": { args, _ in
                try args.tensorInWeights("weight")
                let reduction = try args.reduction()
                return lossModel(["input", "target"], optionalBuffers: ["weight"]) { inputs, buffers in
                    let (input, target) = (try floatingInput(inputs, "input"), try floatingInput(inputs, "target"))
                    guard input.rank == 1 || input.rank == 2 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(input.shape), expected [N, C] or [C]")
                    }
                    try checkShape(target, "target", input.shape)
                    let weight = try classWeightBuffer(buffers["weight"], classes: input.shape[input.rank - 1])
                    return multiLabelSoftMarginLoss(input, target, weight: weight, reduction: reduction)
                }
            },
            "MultiMarginLoss": { args, _ in
                let p = try args.int("p", default: 1)
                let margin = try args.double("margin", default: 1)
                try args.tensorInWeights("weight")
                let reduction = try args.reduction()
                guard p == 1 || p == 2 else { throw ReferenceError.invalidArgument(module: "MultiMarginLoss", name: "p", expected: "1 or 2") }
                return lossModel(["input", "target"], indexInputs: ["target"], optionalBuffers: ["weight"]) { inputs, buffers in
                    let input = try floatingInput(inputs, "input")
                    guard input.rank == 1 || input.rank == 2, input.shape.last! > 0 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(input.shape), expected [N, C] or [C]")
                    }
                    let target = try classIndices(inputs, "target")
                    let (rows, classes) = input.rank == 1 ? (1, input.shape[0]) : (input.shape[0], input.shape[1])
                    guard target.shape.count <= 1, target.indices.count == rows else {
                        throw ReferenceError.invalidInput(name: "target", problem: "has shape \(target.shape), expected [\(rows)]")
                    }
                    if let bad = target.indices.first(where: { !(0..<classes).contains($0) }) {
                        throw ReferenceError.invalidInput(name: "target", problem: "holds class \(bad), outside 0..<\(classes)")
                    }
                    let weight = try classWeightBuffer(buffers["weight"], classes: classes)
                    return multiMarginLoss(input, target, p: p, margin: Scalar(margin), weight: weight, reduction: reduction)
                }
            },
            "MultiLabelMarginLoss": { args, _ in
                let reduction = try args.reduction()
                return lossModel(["input", "target"], indexInputs: ["target"]) { inputs, _ in
                    let input = try floatingInput(inputs, "input")
                    guard input.rank == 1 || input.rank == 2 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(input.shape), expected [N, C] or [C]")
                    }
                    let target = try classIndices(inputs, "target")
                    guard target.shape == input.shape else {
                        throw ReferenceError.invalidInput(name: "target", problem: "has shape \(target.shape), expected \(input.shape)")
                    }
                    let classes = input.shape[input.rank - 1]
                    if let bad = target.indices.first(where: { $0 < -1 || $0 >= classes }) {
                        throw ReferenceError.invalidInput(name: "target", problem: "holds \(bad), outside -1..<\(classes)")
                    }
                    return multiLabelMarginLoss(input, target, reduction: reduction)
                }
            },
            "TripletMarginLoss": { args, _ in
                let margin = try args.double("margin", default: 1)
                let p = try args.double("p", default: 2)
                let eps = try args.double("eps", default: 1e-6)
                let swap = try args.bool("swap", default: false)
                let reduction = try args.reduction()
                guard p > 0 else { throw ReferenceError.invalidArgument(module: "TripletMarginLoss", name: "p", expected: "> 0") }
                guard margin > 0 else { throw ReferenceError.invalidArgument(module: "TripletMarginLoss", name: "margin", expected: "> 0") }
                return lossModel(["anchor", "positive", "negative"]) { inputs, _ in
                    let anchor = try floatingInput(inputs, "anchor")
                    guard anchor.rank == 1 || anchor.rank == 2 else {
                        throw ReferenceError.invalidInput(name: "anchor", problem: "has shape \(anchor.shape), expected [N, D] or [D]")
                    }
                    let positive = try floatingInput(inputs, "positive")
                    let negative = try floatingInput(inputs, "negative")
                    try checkShape(positive, "positive", anchor.shape)
                    try checkShape(negative, "negative", anchor.shape)
                    return tripletMarginLoss(
                        anchor: anchor, positive: positive, negative: negative, margin: Scalar(margin), p: Scalar(p), eps: Scalar(eps),
                        swap: swap, reduction: reduction)
                }
            },
            "CosineEmbeddingLoss": { args, _ in
                let margin = try args.double("margin", default: 0)
                let reduction = try args.reduction()
                return lossModel(["input1", "input2", "target"]) { inputs, _ in
                    let input1 = try floatingInput(inputs, "input1")
                    guard input1.rank == 1 || input1.rank == 2 else {
                        throw ReferenceError.invalidInput(name: "input1", problem: "has shape \(input1.shape), expected [N, D] or [D]")
                    }
                    let input2 = try floatingInput(inputs, "input2")
                    try checkShape(input2, "input2", input1.shape)
                    let target = try floatingInput(inputs, "target")
                    try checkShape(target, "target", Array(input1.shape.dropLast()))
                    return cosineEmbeddingLoss(input1, input2, target, margin: Scalar(margin), reduction: reduction)
                }
            },
            "CTCLoss": { args, _ in
                let blank = try args.int("blank", default: 0)
                let reduction = try args.reduction()
                let zeroInfinity = try args.bool("zero_infinity", default: false)
                let names = ["log_probs", "targets", "input_lengths", "target_lengths"]
                return lossModel(names, indexInputs: Set(names.dropFirst())) { inputs, _ in
                    let logProbs = try floatingInput(inputs, "log_probs")
                    guard logProbs.rank == 2 || logProbs.rank == 3, logProbs.shape.allSatisfy({ $0 > 0 }) else {
                        throw ReferenceError.invalidInput(name: "log_probs", problem: "has shape \(logProbs.shape), expected non-empty [T, N, C] or [T, C]")
                    }
                    let (frames, classes) = (logProbs.shape[0], logProbs.shape[logProbs.rank - 1])
                    let batch = logProbs.rank == 3 ? logProbs.shape[1] : 1
                    guard (0..<classes).contains(blank) else {
                        throw ReferenceError.invalidArgument(module: "CTCLoss", name: "blank", expected: "in 0..<\(classes) (the classes of log_probs)")
                    }
                    let targets = try classIndices(inputs, "targets")
                    let inputLengths = try classIndices(inputs, "input_lengths").indices
                    let targetLengths = try classIndices(inputs, "target_lengths").indices
                    guard inputLengths.count == batch, inputLengths.allSatisfy({ (1...frames).contains($0) }) else {
                        throw ReferenceError.invalidInput(name: "input_lengths", problem: "must hold \(batch) lengths in 1...\(frames)")
                    }
                    let padded = targets.shape.count == 2 || logProbs.rank == 2
                    let rowLength = targets.shape.last ?? 0
                    guard targets.shape.count <= 2, !padded || targets.shape.count == 1 || targets.shape[0] == batch else {
                        throw ReferenceError.invalidInput(name: "targets", problem: "has shape \(targets.shape), expected [\(batch), S] or 1-D")
                    }
                    guard targetLengths.count == batch, targetLengths.allSatisfy({ $0 >= 0 && (!padded || $0 <= rowLength) }),
                        padded || targetLengths.reduce(0, +) == targets.indices.count
                    else {
                        throw ReferenceError.invalidInput(name: "target_lengths", problem: "must hold \(batch) lengths that fit targets \(targets.shape)")
                    }
                    var offset = 0
                    for (n, length) in targetLengths.enumerated() {
                        let start = padded ? n * rowLength : offset
                        offset += length
                        if let bad = targets.indices[start..<(start + length)].first(where: { !(0..<classes).contains($0) || $0 == blank }) {
                            throw ReferenceError.invalidInput(name: "targets", problem: "holds \(bad): labels must be in 0..<\(classes) and not blank")
                        }
                    }
                    return ctcLoss(
                        logProbs: logProbs, targets: targets, inputLengths: inputLengths, targetLengths: targetLengths, blank: blank,
                        reduction: reduction, zeroInfinity: zeroInfinity)
                }
            },
        ]
    }

    // MARK: Helpers

    /// A loss consuming the named inputs (all required), with the given index inputs and
    /// optional buffers.
    private static func lossModel<Scalar: TensorScalar>(
        _ names: [String], indexInputs: Set<String> = [], optionalBuffers: [String] = [],
        _ compute: @escaping ([String: ReferenceValue<Scalar>], [String: Tensor<Scalar>]) throws -> Tensor<Scalar>
    ) -> ReferenceModel<Scalar> {
        ReferenceModel(optionalBuffers: optionalBuffers, inputNames: names, indexInputs: indexInputs, forward: compute)
    }

    /// The floating-point input `name`.
    private static func floatingInput<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> Tensor<Scalar> {
        guard let value = inputs[name] else { throw ReferenceError.missingInput(name) }
        guard case .floating(let tensor) = value else {
            throw ReferenceError.invalidInput(name: name, problem: "must be floating point (F32 or F64)")
        }
        return tensor
    }

    /// The class-index input `name` (an integer dtype).
    private static func classIndices<Scalar>(_ inputs: [String: ReferenceValue<Scalar>], _ name: String) throws -> IndexTensor {
        guard let value = inputs[name] else { throw ReferenceError.missingInput(name) }
        guard case .indices(let indices) = value else {
            throw ReferenceError.invalidInput(name: name, problem: "must hold class indices (an integer dtype such as I64)")
        }
        return indices
    }

    /// Checks that `tensor` has exactly `shape`.
    private static func checkShape<Scalar>(_ tensor: Tensor<Scalar>, _ name: String, _ shape: [Int]) throws {
        guard tensor.shape == shape else { throw ReferenceError.invalidInput(name: name, problem: "has shape \(tensor.shape), expected \(shape)") }
    }

    /// Checks that `tensor` broadcasts to `shape` without growing it.
    private static func checkBroadcast<Scalar>(_ tensor: Tensor<Scalar>, _ name: String, to shape: [Int]) throws {
        guard broadcastShape(tensor.shape, shape) == shape else {
            throw ReferenceError.invalidInput(name: name, problem: "has shape \(tensor.shape), which does not broadcast to the input's \(shape)")
        }
    }

    /// An optional per-class `weight` buffer, checked to be `[classes]`.
    private static func classWeightBuffer<Scalar>(_ weight: Tensor<Scalar>?, classes: Int) throws -> Tensor<Scalar>? {
        guard let weight else { return nil }
        guard weight.shape == [classes] else {
            throw ReferenceError.invalidWeight(name: "weight", problem: "has shape \(weight.shape), expected [\(classes)]")
        }
        return weight
    }
}
