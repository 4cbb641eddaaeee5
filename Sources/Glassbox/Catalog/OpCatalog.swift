import GlassboxKernels

/// One gradient-checked operation: a name, seeded sample inputs, the function and its tolerance.
///
/// Every ``DifferentiableOp`` has at least one entry whose graph records it; composite
/// functions (losses, layers) have entries of their own with `op == nil`.
public struct OpCatalogEntry {
    /// A unique name, e.g. `"matmul/batched-broadcast"`.
    public let name: String
    /// The primitive this entry exercises, or `nil` for a composite function.
    public let op: DifferentiableOp?
    /// The largest acceptable gradcheck error (see ``gradcheck(_:inputs:epsilon:tolerance:maxElementwiseCount:directions:seed:)``).
    public let tolerance: Double
    /// Builds the sample inputs (those to be checked have `requiresGrad`).
    public let makeInputs: (inout RandomGenerator) -> [Tensor<Double>]
    /// The function under test.
    public let function: ([Tensor<Double>]) -> Tensor<Double>

    /// Creates an entry.
    public init(
        _ name: String, op: DifferentiableOp?, tolerance: Double = 1e-6,
        inputs: @escaping (inout RandomGenerator) -> [Tensor<Double>],
        function: @escaping ([Tensor<Double>]) -> Tensor<Double>
    ) {
        self.name = name
        self.op = op
        self.tolerance = tolerance
        self.makeInputs = inputs
        self.function = function
    }

    /// Runs ``gradcheck(_:inputs:epsilon:tolerance:maxElementwiseCount:directions:seed:)`` on
    /// this entry's seeded inputs.
    public func check(seed: UInt64 = 7) -> GradcheckResult {
        var generator = RandomGenerator(seed: seed)
        let inputs = makeInputs(&generator)
        return gradcheck(function, inputs: inputs, tolerance: tolerance)
    }

    /// The operations recorded when the function runs on its sample inputs.
    public func recordedOperations(seed: UInt64 = 7) -> Set<DifferentiableOp> {
        var generator = RandomGenerator(seed: seed)
        return function(makeInputs(&generator)).recordedOperations()
    }
}

/// The registry of every differentiable operation with sample inputs and tolerances.
///
/// Tests iterate it (a Double gradcheck per entry, plus a coverage test that every
/// ``DifferentiableOp`` has an entry); `glassbox golden` exports entries for other backends.
public enum OpCatalog {
    /// All entries, tensor primitives first.
    public static var entries: [OpCatalogEntry] {
        tensorEntries + nnEntries + convolutionEntries + poolingEntries + normalizationEntries + attentionEntries + recurrentEntries
            + generativeEntries + twoInputEntries + embeddingBagEntries + projectedLSTMEntries
            + normalizationBreadthEntries + resamplingEntries + shapeLayerEntries
            + activationEntries + lossEntries
            + paddingEntries + convolutionNDEntries + poolingNDEntries
    }

    /// The entry named `name`, if any.
    public static func entry(named name: String) -> OpCatalogEntry? {
        entries.first { $0.name == name }
    }

    /// The primitives without a catalog entry (empty when the catalog is complete).
    public static var missingOperations: [DifferentiableOp] {
        let covered = Set(entries.compactMap(\.op))
        return DifferentiableOp.allCases.filter { !covered.contains($0) }
    }
}

// Helpers for building sample inputs.
extension Tensor where Scalar == Double {
    /// A checked input: standard normal entries.
    static func sample(_ shape: [Int], _ g: inout RandomGenerator) -> Tensor {
        randn(shape, generator: &g, requiresGrad: true)
    }

    /// A checked input with entries in `[low, high)`.
    static func sample(_ shape: [Int], _ g: inout RandomGenerator, in range: Range<Double>) -> Tensor {
        uniform(shape, low: range.lowerBound, high: range.upperBound, generator: &g, requiresGrad: true)
    }

    /// A checked input whose entries are at least `margin` away from zero (for kinks at 0).
    static func sampleAwayFromZero(_ shape: [Int], _ g: inout RandomGenerator, margin: Double = 0.1) -> Tensor {
        let t = randn(shape, generator: &g)
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices where Swift.abs(p[i]) < margin { p[i] = p[i] < 0 ? p[i] - margin : p[i] + margin }
        }
        t.requiresGrad = true
        return t
    }

    /// A checked input of distinct, well-separated values (for max and ties).
    static func sampleDistinct(_ shape: [Int], _ g: inout RandomGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { Double($0) * 0.37 - Double(n) * 0.18 }
        g.shuffle(&values)
        return Tensor(values, shape: shape, requiresGrad: true)
    }
}
