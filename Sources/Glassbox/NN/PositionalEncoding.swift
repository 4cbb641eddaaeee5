#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The fixed sinusoidal position encodings of "Attention Is All You Need":
/// `PE[p, 2i] = sin(p / 10000^(2i/d))`, `PE[p, 2i+1] = cos(p / 10000^(2i/d))`, `[length, d]`
/// (an odd `d` ends with a sine column). Add them to token embeddings; they are constants.
public func sinusoidalPositionalEncoding<Scalar: TensorScalar>(length: Int, dModel: Int, as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
    precondition(length >= 0 && dModel > 0, "sinusoidalPositionalEncoding: bad sizes length \(length), dModel \(dModel)")
    var values = [Scalar](repeating: 0, count: length * dModel)
    for p in 0..<length {
        for c in 0..<dModel {
            let frequency = 1 / pow(10000, Double(c / 2 * 2) / Double(dModel))
            let angle = Double(p) * frequency
            values[p * dModel + c] = Scalar(c % 2 == 0 ? sin(angle) : cos(angle))
        }
    }
    return Tensor(values, shape: [length, dModel])
}

/// Learned position embeddings: a table of `maxLength` vectors added to a sequence's token
/// embeddings by position (GPT's `wpe`). Parameter `weight` `[maxLength, dModel]`, initialised
/// N(0, 0.02²) as GPT-2 does.
public final class LearnedPositionalEmbedding<Scalar: TensorScalar>: Layer {
    /// The table, `[maxLength, dModel]`.
    public let weight: Tensor<Scalar>
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates the table initialised from `generator`.
    public init(maxLength: Int, dModel: Int, generator: inout RandomGenerator) {
        precondition(maxLength > 0 && dModel > 0, "LearnedPositionalEmbedding: sizes must be positive")
        weight = (Tensor<Scalar>.randn([maxLength, dModel], generator: &generator) * Scalar(0.02)).detached()
        weight.requiresGrad = true
    }

    /// `weight`.
    public var ownParameters: [(name: String, tensor: Tensor<Scalar>)] { [("weight", weight)] }

    /// `input` `[N, L, dModel]` (or `[L, dModel]`) plus the first `L` rows of the table.
    ///
    /// - Parameter offset: the position of the first element (for decoding with a cache).
    public func callAsFunction(_ input: Tensor<Scalar>, offset: Int) -> Tensor<Scalar> {
        let length = input.shape[input.rank - 2]
        precondition(
            input.rank >= 2 && input.shape[input.rank - 1] == weight.shape[1] && offset >= 0 && offset + length <= weight.shape[0],
            "LearnedPositionalEmbedding: input \(input.shape) at offset \(offset) does not fit the table \(weight.shape)")
        return input + weight.sliced(dim: 0, offset..<(offset + length))
    }

    /// `input` plus the positions from 0.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { self(input, offset: 0) }
}
