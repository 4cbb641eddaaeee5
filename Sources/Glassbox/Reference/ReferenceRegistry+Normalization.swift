import GlassboxIO

extension ReferenceRegistry {
    /// `BatchNorm1d`, `BatchNorm2d`, `GroupNorm`, `LayerNorm`, `Dropout2d`.
    ///
    /// A training-mode BatchNorm case updates `running_mean` and `running_var`, which the runner
    /// returns as `state.running_mean` and `state.running_var`; `num_batches_tracked` is read
    /// from PyTorch's `I64` entry.
    static func normalizationBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "BatchNorm1d": { args, train in
                try batchNormLayer(&args, train: train, ranks: [2, 3]) { features, eps, momentum, affine, track in
                    BatchNorm1d<Scalar>(numFeatures: features, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
                }
            },
            "BatchNorm2d": { args, train in
                try batchNormLayer(&args, train: train, ranks: [4]) { features, eps, momentum, affine, track in
                    BatchNorm2d<Scalar>(numFeatures: features, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
                }
            },
            "GroupNorm": { args, train in
                let groups = try args.int("num_groups")
                let channels = try args.int("num_channels")
                let eps = try args.double("eps", default: 1e-5)
                let affine = try args.bool("affine", default: true)
                guard channels > 0 else {
                    throw ReferenceError.invalidArgument(module: "GroupNorm", name: "num_channels", expected: "positive")
                }
                guard groups > 0 && channels % groups == 0 else {
                    throw ReferenceError.invalidArgument(module: "GroupNorm", name: "num_groups", expected: "a positive divisor of num_channels (\(channels))")
                }
                guard eps >= 0 else { throw ReferenceError.invalidArgument(module: "GroupNorm", name: "eps", expected: "≥ 0") }
                if affine { for name in ["weight", "bias"] { _ = try args.parameterShape(name, [channels]) } }
                let layer = GroupNorm<Scalar>(numGroups: groups, numChannels: channels, eps: eps, affine: affine)
                return .layer(layer, train: train) { shape in
                    guard shape.count >= 2 && shape[1] == channels && shape[0] > 0 && shape.dropFirst(2).allSatisfy({ $0 > 0 }) else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [N, \(channels), *] (non-empty)")
                    }
                }
            },
            "LayerNorm": { args, train in
                let raw = args.raw("normalized_shape")
                let list = raw?.arrayValue?.compactMap(\.integerValue)
                let shape = raw?.integerValue.map { [$0] } ?? (list?.count == raw?.arrayValue?.count ? list : nil)
                guard let shape, !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                    throw ReferenceError.invalidArgument(
                        module: "LayerNorm", name: "normalized_shape", expected: "a positive integer or a non-empty list of them")
                }
                let eps = try args.double("eps", default: 1e-5)
                guard eps >= 0 else { throw ReferenceError.invalidArgument(module: "LayerNorm", name: "eps", expected: "≥ 0") }
                let affine = try args.bool("elementwise_affine", default: true)
                let bias = try args.bool("bias", default: true)
                if affine { _ = try args.parameterShape("weight", shape) }
                if affine && bias { _ = try args.parameterShape("bias", shape) }
                let layer = LayerNorm<Scalar>(normalizedShape: shape, eps: eps, elementwiseAffine: affine, bias: bias)
                return .layer(layer, train: train) { input in
                    guard input.count >= shape.count, Array(input.suffix(shape.count)) == shape else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(input), expected [..., \(shape.map(String.init).joined(separator: ", "))]")
                    }
                }
            },
            "Dropout2d": { args, train in
                let p = try args.double("p", default: 0.5, in: 0...1)
                _ = try args.bool("inplace", default: false)
                if train && p > 0 {
                    throw ReferenceError.unsupported(
                        "Dropout2d: train=true with p=\(p) is not reproducible (Glassbox's random stream differs from PyTorch's); use train=false")
                }
                return .layer(Dropout2d<Scalar>(p: p), train: train)
            },
        ]
    }

    /// Reads `BatchNorm1d`/`BatchNorm2d`'s arguments (`num_features`, `eps`, `momentum` — a
    /// number, or `null` for a cumulative average —, `affine`, `track_running_stats`) and wraps
    /// the layer, checking the input's rank, its channels and, when batch statistics are used,
    /// that each channel has more than one value.
    private static func batchNormLayer<Scalar>(
        _ args: inout ReferenceArguments, train: Bool, ranks: [Int],
        _ make: (Int, Double, Double?, Bool, Bool) -> BatchNormBase<Scalar>
    ) throws -> ReferenceModel<Scalar> {
        let module = args.module
        let features = try args.int("num_features")
        let eps = try args.double("eps", default: 1e-5)
        let momentum: Double?
        switch args.raw("momentum") {
        case nil: momentum = 0.1
        case .null?: momentum = nil
        case let value?:
            guard let number = value.doubleValue, number.isFinite else {
                throw ReferenceError.invalidArgument(module: module, name: "momentum", expected: "a finite number or null")
            }
            momentum = number
        }
        let affine = try args.bool("affine", default: true)
        let track = try args.bool("track_running_stats", default: true)
        guard features > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_features", expected: "positive") }
        guard eps >= 0 else { throw ReferenceError.invalidArgument(module: module, name: "eps", expected: "≥ 0") }
        for name in (affine ? ["weight", "bias"] : []) + (track ? ["running_mean", "running_var"] : []) {
            _ = try args.parameterShape(name, [features])
        }
        let layer = make(features, eps, momentum, affine, track)
        let batchStatistics = train || !track
        return .layer(layer, train: train, integerBuffers: ["num_batches_tracked"]) { shape in
            let expected = ranks.map { $0 == 2 ? "[N, \(features)]" : $0 == 3 ? "[N, \(features), L]" : "[N, \(features), H, W]" }
            guard ranks.contains(shape.count) && shape[1] == features else {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape), expected \(expected.joined(separator: " or "))")
            }
            let perChannel = shape.reduce(1, *) / features
            if batchStatistics && perChannel <= 1 {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape): batch statistics need more than 1 value per channel")
            }
        }
    }
}
