import GlassboxKernels

extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 0, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 1, requiresGrad: requiresGrad)
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], value: Scalar, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(shape: shape, storage: TensorStorage(repeating: value, count: shape.reduce(1, *)))
        t.requiresGrad = requiresGrad
        return t
    }

    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// `[start, start + step, …]` below `end`, like `torch.arange`.
    public static func arange(_ start: Scalar = 0, _ end: Scalar, step: Scalar = 1) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Scalar($0) * step })
    }

    /// Standard normal samples. Uses `generator` if given, else the default generator
    /// (``RandomGenerator/manualSeed(_:)``).
    public static func randn(
        _ shape: [Int], generator: inout RandomGenerator, requiresGrad: Bool = false
    ) -> Tensor {
        let t = empty(shape)
        for i in 0..<t.count { t.storage.pointer[i] = Scalar(generator.nextNormal()) }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Standard normal samples from the default generator.
    public static func randn(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        RandomGenerator.withGlobal { randn(shape, generator: &$0, requiresGrad: requiresGrad) }
    }

    /// Uniform samples in `[low, high)`.
    public static func uniform(
        _ shape: [Int], low: Scalar = 0, high: Scalar = 1, generator: inout RandomGenerator,
        requiresGrad: Bool = false
    ) -> Tensor {
        let t = empty(shape)
        let span = Double(high - low)
        for i in 0..<t.count {
            t.storage.pointer[i] = low + Scalar(generator.nextUniform() * span)
        }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Uniform samples in `[low, high)` from the default generator.
    public static func uniform(
        _ shape: [Int], low: Scalar = 0, high: Scalar = 1, requiresGrad: Bool = false
    ) -> Tensor {
        RandomGenerator.withGlobal {
            uniform(shape, low: low, high: high, generator: &$0, requiresGrad: requiresGrad)
        }
    }

    /// Bernoulli samples: each element is 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], p: Scalar, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "bernoulli: probability \(p) outside [0, 1]")
        let t = empty(shape)
        let pd = Double(p), n = t.count
        // Float and Double fill concrete pointers: the generic loop ran every element through
        // protocol witnesses (unspecialised here), a few percent of a GPT training step.
        if Scalar.self == Float.self {
            let q = UnsafeMutableRawPointer(t.storage.pointer).assumingMemoryBound(to: Float.self)
            for i in 0..<n { q[i] = generator.nextUniform() < pd ? 1 : 0 }
        } else if Scalar.self == Double.self {
            let q = UnsafeMutableRawPointer(t.storage.pointer).assumingMemoryBound(to: Double.self)
            for i in 0..<n { q[i] = generator.nextUniform() < pd ? 1 : 0 }
        } else {
            for i in 0..<n { t.storage.pointer[i] = generator.nextUniform() < pd ? 1 : 0 }
        }
        return t
    }

    /// Bernoulli samples from the default generator.
    public static func bernoulli(_ shape: [Int], p: Scalar) -> Tensor {
        RandomGenerator.withGlobal { bernoulli(shape, p: p, generator: &$0) }
    }

    /// The `n × n` identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        let t = zeros([n, n])
        for i in 0..<n { t.storage.pointer[i * n + i] = 1 }
        return t
    }
}
