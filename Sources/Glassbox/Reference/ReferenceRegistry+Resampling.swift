import GlassboxIO

extension ReferenceRegistry {
    /// `Upsample` (every mode), `UpsamplingNearest2d`, `UpsamplingBilinear2d`.
    ///
    /// Supersedes the nearest-only `Upsample` entry of `ReferenceRegistry+Pooling.swift` (merged
    /// before it in ``builders(_:)``).
    static func resamplingBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "Upsample": { args, train in
                let name = try args.choice("mode", InterpolationMode.allCases.map(\.rawValue), default: "nearest")
                let mode = InterpolationMode(rawValue: name)!
                let alignCorners = try args.optionalBool("align_corners")
                if alignCorners != nil && !mode.takesAlignCorners {
                    throw ReferenceError.invalidArgument(module: "Upsample", name: "align_corners", expected: "null for mode '\(name)'")
                }
                return try upsampleLayer(&args, train: train, mode: mode, alignCorners: alignCorners, readRecompute: true)
            },
            "UpsamplingNearest2d": { args, train in
                try upsampleLayer(&args, train: train, mode: .nearest, alignCorners: nil, readRecompute: false)
            },
            "UpsamplingBilinear2d": { args, train in
                try upsampleLayer(&args, train: train, mode: .bilinear, alignCorners: true, readRecompute: false)
            },
        ]
    }

    /// Reads `size` (an integer or a list, one per spatial dimension) or `scale_factor` (a number
    /// or a list), exactly one of them, and `recompute_scale_factor` when `readRecompute`; checks
    /// the input's rank against the mode and the lists' lengths against its spatial dimensions.
    private static func upsampleLayer<Scalar>(
        _ args: inout ReferenceArguments, train: Bool, mode: InterpolationMode, alignCorners: Bool?, readRecompute: Bool
    ) throws -> ReferenceModel<Scalar> {
        let module = args.module
        let size = try args.intList("size")
        let scale = try args.numberList("scale_factor")
        let recompute = readRecompute ? try args.optionalBool("recompute_scale_factor") : nil
        let layer: Upsample<Scalar>
        switch (size, scale) {
        case (let size?, nil):
            guard !size.values.isEmpty, size.values.allSatisfy({ $0 > 0 }) else {
                throw ReferenceError.invalidArgument(module: module, name: "size", expected: "positive")
            }
            if recompute == true {
                throw ReferenceError.invalidArgument(module: module, name: "recompute_scale_factor", expected: "not true with an explicit size")
            }
            layer = Upsample(size: size.values, mode: mode, alignCorners: alignCorners)
        case (nil, let scale?):
            guard !scale.values.isEmpty, scale.values.allSatisfy({ $0 > 0 }) else {
                throw ReferenceError.invalidArgument(module: module, name: "scale_factor", expected: "positive")
            }
            layer = Upsample(scaleFactor: scale.values, mode: mode, alignCorners: alignCorners, recomputeScaleFactor: recompute)
        default:
            throw ReferenceError.invalidArgument(module: module, name: "size", expected: "given, or scale_factor given (exactly one)")
        }
        return .layer(layer, train: train) { shape in
            let ranks = mode.requiredRank.map { [$0] } ?? [3, 4, 5]
            guard ranks.contains(shape.count), shape.dropFirst(2).allSatisfy({ $0 > 0 }) else {
                let expected = ranks.map { ["[N, C, L]", "[N, C, H, W]", "[N, C, D, H, W]"][$0 - 3] }.joined(separator: " or ")
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape), expected \(expected) with non-empty spatial dimensions for mode '\(mode.rawValue)'")
            }
            let spatial = Array(shape.dropFirst(2))
            for (name, list) in [("size", size.map { ($0.isList, $0.values.count) }), ("scale_factor", scale.map { ($0.isList, $0.values.count) })] {
                if let (isList, count) = list, isList && count != spatial.count {
                    throw ReferenceError.invalidInput(
                        name: "input", problem: "has \(spatial.count) spatial dimensions (shape \(shape)) but \(name) has \(count) entries")
                }
            }
            let output = interpolationGeometry(spatial: spatial, size: size?.values, scaleFactor: scale?.values).outputSize
            guard output.allSatisfy({ $0 > 0 }) else {
                throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): \(size == nil ? "scale_factor" : "size") gives an empty output \(output)")
            }
        }
    }
}

extension ReferenceArguments {
    /// An optional boolean (`align_corners`, `recompute_scale_factor`): `nil` when absent or `null`.
    mutating func optionalBool(_ name: String) throws -> Bool? {
        guard let value = raw(name), value != .null else { return nil }
        guard let bool = value.boolValue else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "true, false or null")
        }
        return bool
    }

    /// An integer or a list of integers (`size`): `nil` when absent or `null`; `isList` tells
    /// the two forms apart.
    mutating func intList(_ name: String) throws -> (values: [Int], isList: Bool)? {
        guard let value = raw(name), value != .null else { return nil }
        if let n = value.integerValue { return ([n], false) }
        guard let list = value.arrayValue, !list.isEmpty else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "an integer or a list of integers")
        }
        let ints = list.compactMap(\.integerValue)
        guard ints.count == list.count else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "an integer or a list of integers")
        }
        return (ints, true)
    }

    /// A number or a list of numbers (`scale_factor`): `nil` when absent or `null`.
    mutating func numberList(_ name: String) throws -> (values: [Double], isList: Bool)? {
        guard let value = raw(name), value != .null else { return nil }
        if let x = value.doubleValue, x.isFinite { return ([x], false) }
        guard let list = value.arrayValue, !list.isEmpty else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "a number or a list of numbers")
        }
        let numbers = list.compactMap(\.doubleValue).filter(\.isFinite)
        guard numbers.count == list.count else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "a number or a list of numbers")
        }
        return (numbers, true)
    }
}
