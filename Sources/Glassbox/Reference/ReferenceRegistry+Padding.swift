import GlassboxIO

extension ReferenceRegistry {
    /// `ZeroPad1d/2d/3d`, `ConstantPad1d/2d/3d`, `ReflectionPad1d/2d/3d`,
    /// `ReplicationPad1d/2d/3d`, `CircularPad1d/2d/3d`.
    static func paddingBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        let kinds: [(String, PaddingMode, Bool)] = [
            ("ZeroPad", .constant, false), ("ConstantPad", .constant, true), ("ReflectionPad", .reflect, false),
            ("ReplicationPad", .replicate, false), ("CircularPad", .circular, false),
        ]
        var builders: [String: Builder<Scalar>] = [:]
        for (kind, mode, takesValue) in kinds {
            for dimensions in 1...3 {
                let module = "\(kind)\(dimensions)d"
                builders[module] = { args, train in
                    let padding = try args.intList("padding", count: 2 * dimensions)
                    let value = try takesValue ? args.double("value", default: .nan) : 0
                    if takesValue && value.isNaN {
                        throw ReferenceError.invalidArgument(module: module, name: "value", expected: "given (a number)")
                    }
                    let layer = PaddingLayer<Scalar>(padding: padding, mode: mode, value: Scalar(value))
                    return .layer(layer, train: train) { shape in
                        try checkPadding(shape, padding: padding, mode: mode, dimensions: dimensions)
                    }
                }
            }
        }
        return builders
    }

    /// Checks an input against what ``pad(_:_:mode:value:)`` accepts: for the non-constant modes
    /// a batched or unbatched input (rank `dimensions + 2` or `dimensions + 1`), and per padded
    /// dimension a positive output size and amounts within the dimension (reflect, circular).
    static func checkPadding(_ shape: [Int], padding: [Int], mode: PaddingMode, dimensions: Int) throws {
        let rankFits = mode == .constant ? shape.count >= dimensions : [dimensions + 1, dimensions + 2].contains(shape.count)
        guard rankFits else {
            let expected = mode == .constant ? "at least \(dimensions)" : "\(dimensions + 1) or \(dimensions + 2)"
            throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected rank \(expected)")
        }
        for pair in 0..<dimensions {
            let n = shape[shape.count - 1 - pair]
            let (before, after) = (padding[2 * pair], padding[2 * pair + 1])
            let cropped = n - Swift.max(-before, 0) - Swift.max(-after, 0)
            let fits: Bool
            switch mode {
            case .constant, .replicate: fits = n + before + after > 0 && cropped >= 0
            case .reflect: fits = n + before + after > 0 && before < n && after < n
            case .circular: fits = cropped > 0 && before <= cropped && after <= cropped
            }
            guard fits else {
                throw ReferenceError.invalidInput(
                    name: "input", problem: "has shape \(shape): padding \(padding) does not fit mode '\(mode.rawValue)'")
            }
        }
    }
}

extension ReferenceArguments {
    /// An int-or-list argument with `count` entries (`padding` of the padding layers, 1-d and
    /// 3-d sizes): one integer is repeated `count` times.
    mutating func intList(_ name: String, count: Int) throws -> [Int] {
        let invalid = ReferenceError.invalidArgument(
            module: module, name: name, expected: "an integer or a list of \(count) integers")
        guard let value = raw(name), value != .null else { throw invalid }
        if let n = value.integerValue { return [Int](repeating: n, count: count) }
        guard let list = value.arrayValue, list.count == count else { throw invalid }
        return try list.map { entry in
            guard let n = entry.integerValue else { throw invalid }
            return n
        }
    }
}
