import GlassboxIO

extension ReferenceRegistry {
    /// `EmbeddingBag`: inputs `input` (I64 ids: 2-D, one bag per row, or 1-D with `offsets`),
    /// optional `offsets` (I64) and `per_sample_weights` (floats shaped like `input`, mode `sum`
    /// only; differentiated). The computation runs in the floating inputs' dtype, else the
    /// weights'; the output file gets `output`, `grad.weight` (and `grad.per_sample_weights`).
    /// `max_norm` renormalises the rows read, in place, before the lookup, as PyTorch does.
    static func embeddingBagBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "EmbeddingBag": { args, train in
                let module = "EmbeddingBag"
                let count = try args.int("num_embeddings")
                let dim = try args.int("embedding_dim")
                guard count > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_embeddings", expected: "> 0") }
                guard dim > 0 else { throw ReferenceError.invalidArgument(module: module, name: "embedding_dim", expected: "> 0") }
                let maxNorm = try optionalPositive(&args, module, "max_norm")
                let normType = try args.double("norm_type", default: 2, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude)
                if try args.bool("scale_grad_by_freq", default: false) {
                    throw ReferenceError.unsupported("EmbeddingBag: scale_grad_by_freq=true is not supported")
                }
                let mode = EmbeddingBagMode(rawValue: try args.choice("mode", ["sum", "mean", "max"], default: "mean"))!
                _ = try args.bool("sparse", default: false)  // same gradient values, stored dense
                let includeLast = try args.bool("include_last_offset", default: false)
                let padding = try args.optionalInt("padding_idx")
                if let padding, !(-count..<count).contains(padding) {
                    throw ReferenceError.invalidArgument(module: module, name: "padding_idx", expected: "in -\(count)..<\(count) or null")
                }
                if let value = args.raw("_weight"), value != .null {
                    throw ReferenceError.invalidArgument(module: module, name: "_weight", expected: "given as the weights entry 'weight' (leave it out or null)")
                }
                let layer = EmbeddingBag<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [count, dim]), requiresGrad: true), mode: mode,
                    includeLastOffset: includeLast, paddingIdx: padding)
                layer.train(train)
                return ReferenceModel(
                    parameters: layer.namedParameters(), inputNames: ["input"], optionalInputNames: ["offsets", "per_sample_weights"],
                    indexInputs: ["input", "offsets"]
                ) { inputs, _ in
                    guard case .indices(let ids)? = inputs["input"] else {
                        throw ReferenceError.invalidInput(name: "input", problem: "must hold integer ids (I64)")
                    }
                    if let bad = ids.indices.first(where: { !(0..<count).contains($0) }) {
                        throw ReferenceError.invalidInput(name: "input", problem: "id \(bad) is outside 0..<\(count)")
                    }
                    var offsets: [Int]?
                    if let value = inputs["offsets"] {
                        guard case .indices(let o) = value, o.shape.count == 1 else {
                            throw ReferenceError.invalidInput(name: "offsets", problem: "must be 1-D integers (I64)")
                        }
                        guard ids.shape.count == 1 else {
                            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(ids.shape): with offsets it must be 1-D")
                        }
                        let ends = o.indices + (includeLast ? [] : [ids.indices.count])
                        guard o.indices.first == 0, zip(ends, ends.dropFirst()).allSatisfy({ $0 <= $1 }), (ends.last ?? 0) <= ids.indices.count,
                              !includeLast || o.indices.count >= 1 else {
                            throw ReferenceError.invalidInput(
                                name: "offsets", problem: "must start at 0 and be non-decreasing within the \(ids.indices.count) ids")
                        }
                        offsets = o.indices
                    } else if ids.shape.count != 2 {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(ids.shape): without offsets it must be 2-D [bags, size]")
                    }
                    var weights: Tensor<Scalar>?
                    if let value = inputs["per_sample_weights"] {
                        guard case .floating(let w) = value, w.shape == ids.shape else {
                            throw ReferenceError.invalidInput(name: "per_sample_weights", problem: "must be floats of the input's shape \(ids.shape)")
                        }
                        guard mode == .sum else {
                            throw ReferenceError.invalidInput(name: "per_sample_weights", problem: "needs mode 'sum' (the case has '\(mode.rawValue)')")
                        }
                        weights = w
                    }
                    if let maxNorm { embeddingRenormalize(layer.weight, ids: ids, maxNorm: maxNorm, normType: normType) }
                    return [("output", layer(ids, offsets: offsets, perSampleWeights: weights))]
                }
            }
        ]
    }

    /// An optional positive number (`max_norm`): nil when absent or null.
    static func optionalPositive(_ args: inout ReferenceArguments, _ module: String, _ name: String) throws -> Double? {
        guard let value = args.raw(name), value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite, number > 0 else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "a positive number or null")
        }
        return number
    }
}
