import GlassboxIO

extension ReferenceRegistry {
    /// `Embedding`: input `input` holds integer ids (I64); the computation runs in the weights'
    /// dtype; the output file gets `output` and `grad.weight`.
    static func embeddingBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "Embedding": { args, train in
                let count = try args.int("num_embeddings")
                let dim = try args.int("embedding_dim")
                let padding = try args.optionalInt("padding_idx")
                guard count > 0 else { throw ReferenceError.invalidArgument(module: "Embedding", name: "num_embeddings", expected: "> 0") }
                guard dim > 0 else { throw ReferenceError.invalidArgument(module: "Embedding", name: "embedding_dim", expected: "> 0") }
                if let padding, !(-count..<count).contains(padding) {
                    throw ReferenceError.invalidArgument(module: "Embedding", name: "padding_idx", expected: "in -\(count)..<\(count) or null")
                }
                let maxNorm = try optionalPositive(&args, "Embedding", "max_norm")
                let normType = try args.double("norm_type", default: 2, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude)
                if try args.bool("scale_grad_by_freq", default: false) {
                    throw ReferenceError.unsupported("Embedding: scale_grad_by_freq=true is not supported")
                }
                _ = try args.bool("sparse", default: false)  // same gradient values, stored dense
                let layer = Embedding<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [count, dim]), requiresGrad: true), paddingIdx: padding)
                layer.train(train)
                return ReferenceModel(parameters: layer.namedParameters(), inputNames: ["input"], indexInputs: ["input"]) { inputs, _ in
                    guard case .indices(let ids)? = inputs["input"] else {
                        throw ReferenceError.invalidInput(name: "input", problem: "must hold integer ids (I64)")
                    }
                    if let bad = ids.indices.first(where: { !(0..<count).contains($0) }) {
                        throw ReferenceError.invalidInput(name: "input", problem: "id \(bad) is outside 0..<\(count)")
                    }
                    if let maxNorm { layer.renormalize(ids, maxNorm: maxNorm, normType: normType) }  // in place, as PyTorch
                    return layer(ids)
                }
            }
        ]
    }
}
