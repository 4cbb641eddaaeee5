import GlassboxIO

extension ReferenceRegistry {
    /// `BatchNorm3d`, `InstanceNorm1d`, `InstanceNorm2d`, `InstanceNorm3d`, `RMSNorm`,
    /// `LocalResponseNorm`.
    ///
    /// A training-mode case with `track_running_stats` returns the updated `running_mean` and
    /// `running_var` as `state.running_mean` and `state.running_var`; `num_batches_tracked` is
    /// read from PyTorch's `I64` entry.
    static func normalizationBreadthBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "BatchNorm3d": { args, train in
                let a = try statisticsArguments(&args, affineDefault: true, trackDefault: true)
                let layer = BatchNorm3d<Scalar>(
                    numFeatures: a.features, eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.track)
                let batchStatistics = train || !a.track
                return .layer(layer, train: train, integerBuffers: ["num_batches_tracked"]) { shape in
                    guard shape.count == 5 && shape[1] == a.features else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [N, \(a.features), D, H, W]")
                    }
                    if batchStatistics && shape.reduce(1, *) / a.features <= 1 {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape): batch statistics need more than 1 value per channel")
                    }
                }
            },
            "InstanceNorm1d": { args, train in try instanceNormLayer(&args, train: train, spatial: 1) },
            "InstanceNorm2d": { args, train in try instanceNormLayer(&args, train: train, spatial: 2) },
            "InstanceNorm3d": { args, train in try instanceNormLayer(&args, train: train, spatial: 3) },
            "RMSNorm": { args, train in
                let raw = args.raw("normalized_shape")
                let list = raw?.arrayValue?.compactMap(\.integerValue)
                let shape = raw?.integerValue.map { [$0] } ?? (list?.count == raw?.arrayValue?.count ? list : nil)
                guard let shape, !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                    throw ReferenceError.invalidArgument(
                        module: "RMSNorm", name: "normalized_shape", expected: "a positive integer or a non-empty list of them")
                }
                let eps: Double?
                switch args.raw("eps") {
                case nil, .null?: eps = nil
                case let value?:
                    guard let number = value.doubleValue, number.isFinite, number >= 0 else {
                        throw ReferenceError.invalidArgument(module: "RMSNorm", name: "eps", expected: "a number ≥ 0 or null")
                    }
                    eps = number
                }
                let affine = try args.bool("elementwise_affine", default: true)
                if affine { _ = try args.parameterShape("weight", shape) }
                let layer = RMSNorm<Scalar>(normalizedShape: shape, eps: eps, elementwiseAffine: affine)
                return .layer(layer, train: train) { input in
                    guard input.count >= shape.count, Array(input.suffix(shape.count)) == shape else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(input), expected [..., \(shape.map(String.init).joined(separator: ", "))]")
                    }
                }
            },
            "LocalResponseNorm": { args, train in
                let size = try args.int("size")
                let alpha = try args.double("alpha", default: 1e-4)
                let beta = try args.double("beta", default: 0.75)
                let k = try args.double("k", default: 1)
                guard size > 0 else { throw ReferenceError.invalidArgument(module: "LocalResponseNorm", name: "size", expected: "positive") }
                return .layer(LocalResponseNorm<Scalar>(size: size, alpha: alpha, beta: beta, k: k), train: train) { shape in
                    guard shape.count >= 3, shape[0] > 0, shape[1] > 0 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [N, C, *] (3 dimensions or more)")
                    }
                }
            },
        ]
    }

    /// The arguments of PyTorch's `_NormBase` (`num_features`, `eps`, `momentum` — a number or
    /// `null` —, `affine`, `track_running_stats`), checked, with the parameters and buffers
    /// counted against the cap.
    private static func statisticsArguments(
        _ args: inout ReferenceArguments, affineDefault: Bool, trackDefault: Bool
    ) throws -> (features: Int, eps: Double, momentum: Double?, affine: Bool, track: Bool) {
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
        let affine = try args.bool("affine", default: affineDefault)
        let track = try args.bool("track_running_stats", default: trackDefault)
        guard features > 0 else { throw ReferenceError.invalidArgument(module: module, name: "num_features", expected: "positive") }
        guard eps >= 0 else { throw ReferenceError.invalidArgument(module: module, name: "eps", expected: "≥ 0") }
        for name in (affine ? ["weight", "bias"] : []) + (track ? ["running_mean", "running_var"] : []) {
            _ = try args.parameterShape(name, [features])
        }
        return (features, eps, momentum, affine, track)
    }

    /// `InstanceNorm1d/2d/3d` with `spatial` spatial dimensions: batched (`[N, C, *]`) or
    /// unbatched (`[C, *]`) inputs, more than one element per channel when input statistics
    /// are used.
    private static func instanceNormLayer<Scalar>(
        _ args: inout ReferenceArguments, train: Bool, spatial: Int
    ) throws -> ReferenceModel<Scalar> {
        let a = try statisticsArguments(&args, affineDefault: false, trackDefault: false)
        let layer: InstanceNormBase<Scalar> =
            switch spatial {
            case 1: InstanceNorm1d(numFeatures: a.features, eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.track)
            case 2: InstanceNorm2d(numFeatures: a.features, eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.track)
            default: InstanceNorm3d(numFeatures: a.features, eps: a.eps, momentum: a.momentum, affine: a.affine, trackRunningStats: a.track)
            }
        let inputStatistics = train || !a.track
        let checkChannels = a.affine || a.track
        return .layer(layer, train: train, integerBuffers: ["num_batches_tracked"]) { shape in
            let batched = shape.count == spatial + 2
            let channels = batched ? 1 : 0
            guard batched || shape.count == spatial + 1, shape.allSatisfy({ $0 > 0 }),
                !checkChannels || shape[channels] == a.features
            else {
                let c = checkChannels ? "\(a.features)" : "C"
                let dims = ["L"], dims2 = ["H", "W"], dims3 = ["D", "H", "W"]
                let tail = (spatial == 1 ? dims : spatial == 2 ? dims2 : dims3).joined(separator: ", ")
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape), expected [N, \(c), \(tail)] or [\(c), \(tail)] (non-empty)")
            }
            if inputStatistics && shape.suffix(spatial).reduce(1, *) <= 1 {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape): instance statistics need more than 1 spatial element")
            }
        }
    }
}
