import GlassboxIO

extension ReferenceRegistry {
    /// Modules that are another module under a second name or with a fixed argument:
    /// `NLLLoss2d` (PyTorch's deprecated name for `NLLLoss`), `TripletMarginWithDistanceLoss` with its default distance (the
    /// `pairwise_distance` of `TripletMarginLoss`, p = 2, eps = 1e-6), `Unflatten`, and the dropout
    /// variants `Dropout1d`, `Dropout3d`, `AlphaDropout`, `FeatureAlphaDropout` (the identity in
    /// evaluation mode; random in training mode, so refused there like `Dropout`).
    static func variantBuilders<Scalar: TensorScalar>(_: Scalar.Type, base: [String: Builder<Scalar>]) -> [String: Builder<Scalar>] {
        func dropout(_ name: String) -> Builder<Scalar> {
            { args, train in
                let p = try args.double("p", default: 0.5, in: 0...1)
                _ = try args.bool("inplace", default: false)
                if train && p > 0 {
                    throw ReferenceError.unsupported(
                        "\(name): train=true with p=\(p) is not reproducible (Glassbox's random stream differs from PyTorch's); use train=false")
                }
                return .layer(Identity<Scalar>(), train: train)
            }
        }
        return [
            "NLLLoss2d": base["NLLLoss"]!,
            "TripletMarginWithDistanceLoss": { args, train in
                if let distance = args.raw("distance_function"), distance != .null {
                    throw ReferenceError.unsupported(
                        "TripletMarginWithDistanceLoss: distance_function must be null (the default pairwise distance); a Python callable cannot be given in a case")
                }
                let margin = try args.double("margin", default: 1)
                let swap = try args.bool("swap", default: false)
                let reduction = try args.choice("reduction", ["none", "mean", "sum"], default: "mean")
                var inner = ReferenceArguments(
                    module: "TripletMarginWithDistanceLoss",
                    values: JSONObject([
                        ("margin", .number(margin)), ("p", .number(2)), ("eps", .number(1e-6)), ("swap", .bool(swap)),
                        ("reduction", .string(reduction)),
                    ]),
                    maxParameterElements: args.maxParameterElements)
                let model = try base["TripletMarginLoss"]!(&inner, train)
                try inner.finish()
                return model
            },
            "Unflatten": { args, train in
                let dim = try args.int("dim")
                guard let sizes = args.raw("unflattened_size")?.arrayValue?.compactMap(\.integerValue), !sizes.isEmpty else {
                    throw ReferenceError.invalidArgument(module: "Unflatten", name: "unflattened_size", expected: "a list of integers")
                }
                return .layer(Unflatten<Scalar>(dim: dim, unflattenedSize: sizes), train: train) { shape in
                    let d = dim < 0 ? dim + shape.count : dim
                    guard (0..<shape.count).contains(d), sizes.reduce(1, *) == shape[d] else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape): dimension \(dim) cannot be unflattened to \(sizes)")
                    }
                }
            },
            "Dropout1d": dropout("Dropout1d"),
            "Dropout3d": dropout("Dropout3d"),
            "AlphaDropout": dropout("AlphaDropout"),
            "FeatureAlphaDropout": dropout("FeatureAlphaDropout"),
        ]
    }
}
