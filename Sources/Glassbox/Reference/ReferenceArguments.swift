import GlassboxIO

/// The `args` object of a reference case (a module's constructor keyword arguments), read
/// with typed accessors that check each value and remember which keys were used, so that
/// ``finish()`` can reject keywords the module does not take.
public struct ReferenceArguments {
    /// The default cap on the elements of a module's parameters and buffers together: 2^28
    /// (1 GiB in `Float`, 2 GiB in `Double`).
    public static let defaultMaxParameterElements = 1 << 28

    /// The `torch.nn` class name, used in error messages.
    public let module: String
    /// The cap on the elements of the module's parameters and buffers together, checked by
    /// ``parameterShape(_:_:)`` before any of them is allocated.
    public let maxParameterElements: Int
    private let values: JSONObject
    private var used: Set<String> = []
    private var parameterElements = 0

    /// Wraps the `args` object of the case for `module`.
    public init(module: String, values: JSONObject, maxParameterElements: Int = defaultMaxParameterElements) {
        self.module = module
        self.values = values
        self.maxParameterElements = maxParameterElements
    }

    /// Counts a parameter or buffer of `shape` against ``maxParameterElements`` before the
    /// builder allocates it, so that a case asking for a huge layer fails with an error rather
    /// than exhausting memory; returns `shape`.
    ///
    /// - Throws: ``ReferenceError/parameterTooLarge(module:name:shape:limit:)`` when the
    ///   module's parameters would exceed the cap (or a dimension is negative).
    public mutating func parameterShape(_ name: String, _ shape: [Int]) throws -> [Int] {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard dimension >= 0, !overflow else { count = Int.max; break }
            count = product
        }
        let (total, overflow) = parameterElements.addingReportingOverflow(count)
        guard !overflow, total <= maxParameterElements else {
            throw ReferenceError.parameterTooLarge(module: module, name: name, shape: shape, limit: maxParameterElements)
        }
        parameterElements = total
        return shape
    }

    private func value(_ name: String) -> JSONValue? {
        guard let value = values[name] else { return nil }
        if case .null = value { return nil }
        return value
    }

    private func invalid(_ name: String, _ expected: String) -> ReferenceError {
        .invalidArgument(module: module, name: name, expected: expected)
    }

    /// An integer argument (`in_features`, `dim`, `ignore_index`).
    public mutating func int(_ name: String, default defaultValue: Int? = nil) throws -> Int {
        used.insert(name)
        guard let value = value(name) else {
            guard let defaultValue else { throw invalid(name, "given (an integer)") }
            return defaultValue
        }
        guard let int = value.integerValue else { throw invalid(name, "an integer") }
        return int
    }

    /// An optional integer argument (`None` or absent gives `nil`).
    public mutating func optionalInt(_ name: String) throws -> Int? {
        used.insert(name)
        guard value(name) != nil else { return nil }
        return try int(name)
    }

    /// A number argument (`negative_slope`, `beta`); integers are accepted.
    public mutating func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>? = nil)
        throws -> Double
    {
        used.insert(name)
        guard let value = value(name) else { return defaultValue }
        guard let number = value.doubleValue, number.isFinite else { throw invalid(name, "a finite number") }
        if let range, !range.contains(number) { throw invalid(name, "in \(range.lowerBound)...\(range.upperBound)") }
        return number
    }

    /// A boolean argument (`bias`, `inplace`).
    public mutating func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        used.insert(name)
        guard let value = value(name) else { return defaultValue }
        guard let bool = value.boolValue else { throw invalid(name, "true or false") }
        return bool
    }

    /// An argument that is an integer for both spatial dimensions or a list of two
    /// (`kernel_size`, `stride`, `padding`, `dilation`): `(height, width)`.
    public mutating func size2D(_ name: String, default defaultValue: Size2D? = nil) throws -> Size2D {
        used.insert(name)
        guard let value = value(name) else {
            guard let defaultValue else { throw invalid(name, "given (an integer or a list of two)") }
            return defaultValue
        }
        if let int = value.integerValue { return Size2D(int) }
        guard let list = value.arrayValue?.compactMap(\.integerValue), list.count == 2, value.arrayValue?.count == 2 else {
            throw invalid(name, "an integer or a list of two integers")
        }
        return Size2D(list[0], list[1])
    }

    /// Whether the argument is given as a string (`padding='same'`), without reading it.
    public func isString(_ name: String) -> Bool { value(name)?.stringValue != nil }

    /// A string argument restricted to `choices` (`reduction`, `approximate`).
    public mutating func choice(_ name: String, _ choices: [String], default defaultValue: String) throws -> String {
        used.insert(name)
        guard let value = value(name) else { return defaultValue }
        guard let string = value.stringValue, choices.contains(string) else {
            throw invalid(name, "one of " + choices.map { "'\($0)'" }.joined(separator: ", "))
        }
        return string
    }

    /// The `reduction` argument of a loss.
    public mutating func reduction() throws -> LossReduction {
        LossReduction(rawValue: try choice("reduction", ["none", "mean", "sum"], default: "mean"))!
    }

    /// Rejects an argument that PyTorch takes as a tensor: it belongs in the weights file.
    public mutating func tensorInWeights(_ name: String) throws {
        used.insert(name)
        if value(name) != nil {
            throw invalid(name, "given as the weights entry '\(name)', not in args (leave it out or null)")
        }
    }

    /// The raw JSON of an argument whose type varies (PyTorch's int-or-tuple sizes), marked as
    /// used: `nil` when absent, `.null` for `None`.
    public mutating func raw(_ name: String) -> JSONValue? {
        used.insert(name)
        return values[name]
    }

    /// Marks every argument as used (for `Identity`, which ignores its arguments as PyTorch does).
    public mutating func ignoreAll() { used.formUnion(values.keys) }

    /// Throws ``ReferenceError/unknownArgument(module:name:)`` for the first key no accessor read.
    public func finish() throws {
        if let extra = values.keys.first(where: { !used.contains($0) }) {
            throw ReferenceError.unknownArgument(module: module, name: extra)
        }
    }
}
