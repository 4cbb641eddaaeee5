#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Draws the next token from a language model's logits, with a temperature and an optional
/// top-k cut, as nanoGPT's `generate` does:
///
/// ```
/// z = logits / temperature
/// z[v] = −∞ where z[v] < the k-th largest of z      (top-k; ties with it are kept)
/// p = softmax(z);  draw v with probability p[v]
/// ```
///
/// A low temperature sharpens the distribution (towards the most likely token), a high one
/// flattens it; `topK: 1` always picks the most likely token (greedy decoding, the first of
/// equal maxima). The draw uses one ``RandomGenerator/nextUniform()`` per token, so a seed
/// gives the same text on every machine and thread count.
public struct TokenSampler: Sendable, Equatable {
    /// The divisor of the logits (> 0).
    public var temperature: Double
    /// Keep only the `topK` most likely tokens, or all when `nil`.
    public var topK: Int?

    /// A sampler; the defaults draw from the model's own distribution.
    public init(temperature: Double = 1, topK: Int? = nil) {
        precondition(temperature > 0 && temperature.isFinite, "TokenSampler: temperature \(temperature) must be positive")
        if let topK { precondition(topK > 0, "TokenSampler: topK \(topK) must be positive") }
        self.temperature = temperature
        self.topK = topK
    }

    /// The probabilities the sampler draws from for `logits` (one per token).
    public func probabilities(_ logits: [Double]) -> [Double] {
        precondition(!logits.isEmpty, "TokenSampler: no logits")
        var z = logits.map { $0 / temperature }
        if let topK, topK < z.count {
            let threshold = z.sorted(by: >)[topK - 1]
            for v in z.indices where z[v] < threshold { z[v] = -.infinity }
        }
        let top = z.max()!
        let e = z.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// A token drawn for `logits`; with `topK == 1`, the index of the largest logit.
    public func sample(_ logits: [Double], generator: inout RandomGenerator) -> Int {
        if topK == 1 { return logits.indices.max { logits[$0] < logits[$1] }! }  // draws nothing
        let p = probabilities(logits)
        let u = generator.nextUniform()
        var cumulative = 0.0
        for (v, pv) in p.enumerated() {
            cumulative += pv
            if u < cumulative { return v }
        }
        return p.lastIndex { $0 > 0 }!
    }
}
