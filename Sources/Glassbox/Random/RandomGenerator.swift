import GlassboxKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A seeded, counter-based random number generator (SplitMix64 over a counter).
///
/// The `i`-th draw is a pure function of `(seed, i)`: results never depend on the platform or
/// on how many threads consume the stream. `next()` advances the counter by one.
public struct RandomGenerator: Sendable {
    /// The seed this generator was created with.
    public let seed: UInt64
    /// The index of the next draw.
    public private(set) var counter: UInt64

    /// Creates a generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        self.counter = 0
    }

    /// Creates a generator positioned at draw `counter` of the stream of `seed`.
    public init(seed: UInt64, counter: UInt64) {
        self.seed = seed
        self.counter = counter
    }

    /// The SplitMix64 finaliser applied to `seed`-keyed counter `i`.
    @inline(__always)
    static func mix(_ seed: UInt64, _ i: UInt64) -> UInt64 {
        var z = seed &+ (i &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        defer { counter &+= 1 }
        return Self.mix(seed, counter)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller, one pair of uniforms per draw).
    public mutating func nextNormal() -> Double {
        let u1 = Double((next() >> 11) + 1) * 0x1.0p-53  // (0, 1]: log is finite
        let u2 = nextUniform()
        return (-2 * LibM.log(u1)).squareRoot() * LibM.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:): bound must be positive, got \(bound)")
        return Int(next() % UInt64(bound))
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        if array.count < 2 { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextInt(below: i + 1))
        }
    }

    /// The process-wide default generator used when no generator is passed.
    static let global = Mutex(RandomGenerator(seed: 0x5EED))

    /// Reseeds the default generator, like `torch.manual_seed`.
    public static func manualSeed(_ seed: UInt64) {
        global.withLock { $0 = RandomGenerator(seed: seed) }
    }

    /// The default generator's current state (seed and counter), like `torch.get_rng_state`;
    /// setting it restores a saved state (checkpoints do, so a resumed run draws the same
    /// dropout masks as an uninterrupted one).
    public static var defaultState: RandomGenerator {
        get { global.withLock { $0 } }
        set { global.withLock { $0 = newValue } }
    }

    /// Runs `body` with the default generator.
    static func withGlobal<R>(_ body: (inout RandomGenerator) -> R) -> R {
        global.withLock { body(&$0) }
    }
}
