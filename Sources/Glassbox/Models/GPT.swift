/// The shape of a ``GPT``, nanoGPT's `GPTConfig` (with biases; dropout on the embeddings and on
/// each residual branch, not on the attention weights).
public struct GPTConfig: Sendable, Equatable {
    /// The number of token ids (the alphabet size for a character model).
    public var vocabSize: Int
    /// The longest context: the number of learned positions.
    public var blockSize: Int
    /// The number of transformer blocks.
    public var nLayer: Int
    /// Attention heads per block (`nEmbd` is a multiple of it).
    public var nHead: Int
    /// The width of the residual stream.
    public var nEmbd: Int
    /// The dropout probability in training mode (``GPT`` says where it applies).
    public var dropout: Double

    /// A configuration; the sizes' defaults are those of the character model `glassbox train
    /// gpt` trains.
    public init(vocabSize: Int, blockSize: Int = 64, nLayer: Int = 4, nHead: Int = 4, nEmbd: Int = 128, dropout: Double = 0) {
        precondition(
            vocabSize > 0 && blockSize > 0 && nLayer > 0 && nHead > 0 && nEmbd > 0 && nEmbd % nHead == 0,
            "GPTConfig: sizes must be positive and nEmbd (\(nEmbd)) a multiple of nHead (\(nHead))")
        precondition(dropout >= 0 && dropout < 1, "GPTConfig: dropout \(dropout) outside [0, 1)")
        self.vocabSize = vocabSize
        self.blockSize = blockSize
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.dropout = dropout
    }
}

/// The keys and values a ``GPT`` has computed for the positions it has read, per block, so that
/// decoding one more token costs one position's work instead of the whole context's.
///
/// Create one per generated sequence (batch), pass it to
/// ``GPT/callAsFunction(_:cache:)`` with successive chunks of tokens, and ``reset()`` it to
/// start over. Keys and values are `[B, nHead, length, headSize]` per block.
public final class KVCache<Scalar: TensorScalar> {
    /// The cached keys of each block (`nil` before the first chunk).
    public private(set) var keys: [Tensor<Scalar>?]
    /// The cached values of each block.
    public private(set) var values: [Tensor<Scalar>?]
    /// The number of positions read so far (the position of the next token).
    public fileprivate(set) var length = 0

    /// An empty cache for a model of `layers` blocks.
    public init(layers: Int) {
        keys = Array(repeating: nil, count: layers)
        values = Array(repeating: nil, count: layers)
    }

    /// Forgets every position.
    public func reset() {
        for i in keys.indices {
            keys[i] = nil
            values[i] = nil
        }
        length = 0
    }

    /// Appends the keys and values of new positions of block `layer` and returns all of them.
    fileprivate func append(layer: Int, key: Tensor<Scalar>, value: Tensor<Scalar>) -> (key: Tensor<Scalar>, value: Tensor<Scalar>) {
        if let k = keys[layer], let v = values[layer] {
            keys[layer] = Tensor.concat([k, key], dim: 2)
            values[layer] = Tensor.concat([v, value], dim: 2)
        } else {
            keys[layer] = key
            values[layer] = value
        }
        return (keys[layer]!, values[layer]!)
    }
}

/// Causal multi-head self-attention with a packed query/key/value projection, nanoGPT's
/// `CausalSelfAttention`: `q, k, v = split(c_attn(x))`, heads of size `nEmbd/nHead`,
/// `y = softmax(q·kᵀ/√d + causal)·v` (``scaledDotProductAttention(query:key:value:attnMask:keyPaddingMask:isCausal:scale:)``),
/// `resid_dropout(c_proj(y))`.
///
/// Parameters: `c_attn.weight` `[3·nEmbd, nEmbd]`, `c_attn.bias`, `c_proj.weight`, `c_proj.bias`.
public final class CausalSelfAttention<Scalar: TensorScalar>: Layer {
    /// The packed query, key and value projection (`c_attn`).
    public let queryKeyValueProjection: Linear<Scalar>
    /// The output projection (`c_proj`).
    public let outputProjection: Linear<Scalar>
    /// Dropout on the output (`resid_dropout`, active in training mode).
    public let residualDropout: Dropout<Scalar>
    /// The number of heads.
    public let headCount: Int
    /// Training mode (no effect of its own; ``residualDropout`` has its own).
    public var isTraining = true

    /// Creates the layer from its projections; `residualDropout` defaults to `p = 0`.
    public init(
        queryKeyValueProjection: Linear<Scalar>, outputProjection: Linear<Scalar>, headCount: Int,
        residualDropout: Dropout<Scalar> = Dropout(p: 0)
    ) {
        let width = queryKeyValueProjection.inFeatures
        precondition(
            queryKeyValueProjection.outFeatures == 3 * width && outputProjection.inFeatures == width
                && outputProjection.outFeatures == width && width % headCount == 0,
            "CausalSelfAttention: c_attn \(queryKeyValueProjection.weight.shape) and c_proj \(outputProjection.weight.shape) do not fit \(headCount) heads")
        self.queryKeyValueProjection = queryKeyValueProjection
        self.outputProjection = outputProjection
        self.headCount = headCount
        self.residualDropout = residualDropout
    }

    /// `c_attn`, `c_proj`, `resid_dropout`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("c_attn", queryKeyValueProjection), ("c_proj", outputProjection), ("resid_dropout", residualDropout)]
    }

    /// `[B, T, C]` → `[B, T, C]`, each position attending to itself and the positions before it.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        callAsFunction(input, cache: nil, layer: 0)
    }

    /// Attention of the new positions `input` `[B, T, C]` over the cached ones and themselves;
    /// stores their keys and values in `cache` as block `layer`.
    public func callAsFunction(_ input: Tensor<Scalar>, cache: KVCache<Scalar>?, layer: Int) -> Tensor<Scalar> {
        let width = queryKeyValueProjection.inFeatures
        precondition(input.rank == 3 && input.shape[2] == width, "CausalSelfAttention: input \(input.shape), expected [B, T, \(width)]")
        let b = input.shape[0], t = input.shape[1], c = input.shape[2], headSize = c / headCount
        let projected = queryKeyValueProjection(input)
        guard let cache else {
            // Without a cache (training, full-context evaluation) the fused kernel reads the
            // heads straight from the packed projection and writes [B, T, C].
            return residualDropout(outputProjection(multiheadSelfAttention(packed: projected, heads: headCount, isCausal: true)))
        }
        let qkv = projected.split(sizes: [c, c, c], dim: 2)
        func heads(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.reshaped([b, t, headCount, headSize]).permuted([0, 2, 1, 3]) }
        let q = heads(qkv[0])
        var k = heads(qkv[1]), v = heads(qkv[2])
        let past = cache.length
        (k, v) = cache.append(layer: layer, key: k, value: v)
        let y: Tensor<Scalar>
        if past == 0 {
            y = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
        } else {
            // Query i sits at position past + i: it sees keys 0...past + i.
            y = scaledDotProductAttention(query: q, key: k, value: v, attnMask: t == 1 ? nil : causalMask(queries: t, keys: past + t, offset: past))
        }
        return residualDropout(outputProjection(y.permuted([0, 2, 1, 3]).reshaped([b, t, c])))
    }
}

/// The transformer's feed-forward part, nanoGPT's `MLP`: `dropout(c_proj(gelu(c_fc(x))))` with a
/// hidden width of `4·nEmbd`. Parameters: `c_fc.weight`, `c_fc.bias`, `c_proj.weight`,
/// `c_proj.bias`.
public final class GPTMLP<Scalar: TensorScalar>: Layer {
    /// `nEmbd → 4·nEmbd` (`c_fc`).
    public let expansion: Linear<Scalar>
    /// `4·nEmbd → nEmbd` (`c_proj`).
    public let projection: Linear<Scalar>
    /// Dropout on the output (active in training mode).
    public let dropout: Dropout<Scalar>
    /// Training mode (no effect of its own; ``dropout`` has its own).
    public var isTraining = true

    /// Creates the layer from its two projections; `dropout` defaults to `p = 0`.
    public init(expansion: Linear<Scalar>, projection: Linear<Scalar>, dropout: Dropout<Scalar> = Dropout(p: 0)) {
        precondition(
            expansion.outFeatures == projection.inFeatures,
            "GPTMLP: c_fc \(expansion.weight.shape) does not feed c_proj \(projection.weight.shape)")
        self.expansion = expansion
        self.projection = projection
        self.dropout = dropout
    }

    /// `c_fc`, `c_proj`, `dropout`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("c_fc", expansion), ("c_proj", projection), ("dropout", dropout)]
    }

    /// `[*, nEmbd]` → `[*, nEmbd]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        dropout(projection(expansion(input).gelu()))
    }
}

/// A pre-norm transformer block, nanoGPT's `Block`: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
///
/// Parameters: `ln_1.*`, `attn.*`, `ln_2.*`, `mlp.*`.
public final class GPTBlock<Scalar: TensorScalar>: Layer {
    /// The norm before attention (`ln_1`).
    public let attentionNorm: LayerNorm<Scalar>
    /// The causal self-attention (`attn`).
    public let attention: CausalSelfAttention<Scalar>
    /// The norm before the feed-forward part (`ln_2`).
    public let feedForwardNorm: LayerNorm<Scalar>
    /// The feed-forward part (`mlp`).
    public let feedForward: GPTMLP<Scalar>
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a block of width `nEmbd` with `nHead` heads, initialised as nanoGPT does:
    /// weights N(0, 0.02²) (the two `c_proj` weights N(0, (0.02/√(2·nLayer))²)), biases zero,
    /// norms the identity. With `dropout > 0` both residual branches end in dropout layers,
    /// each with its own random stream split from `generator`.
    public init(nEmbd: Int, nHead: Int, nLayer: Int, dropout: Double = 0, generator: inout RandomGenerator) {
        let projectionStd = 0.02 / Double(2 * nLayer).squareRoot()
        attentionNorm = LayerNorm(nEmbd)
        attention = CausalSelfAttention(
            queryKeyValueProjection: gptLinear(nEmbd, 3 * nEmbd, std: 0.02, generator: &generator),
            outputProjection: gptLinear(nEmbd, nEmbd, std: projectionStd, generator: &generator), headCount: nHead,
            residualDropout: gptDropout(dropout, generator: &generator))
        feedForwardNorm = LayerNorm(nEmbd)
        feedForward = GPTMLP(
            expansion: gptLinear(nEmbd, 4 * nEmbd, std: 0.02, generator: &generator),
            projection: gptLinear(4 * nEmbd, nEmbd, std: projectionStd, generator: &generator),
            dropout: gptDropout(dropout, generator: &generator))
    }

    /// `ln_1`, `attn`, `ln_2`, `mlp`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("ln_1", attentionNorm), ("attn", attention), ("ln_2", feedForwardNorm), ("mlp", feedForward)]
    }

    /// `[B, T, C]` → `[B, T, C]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        callAsFunction(input, cache: nil, layer: 0)
    }

    /// The block over new positions, reading and extending `cache` as block `layer`
    /// (``CausalSelfAttention/callAsFunction(_:cache:layer:)``).
    public func callAsFunction(_ input: Tensor<Scalar>, cache: KVCache<Scalar>?, layer: Int) -> Tensor<Scalar> {
        let x = input + attention(attentionNorm(input), cache: cache, layer: layer)
        return x + feedForward(feedForwardNorm(x))
    }
}

/// A dropout layer of probability `p`; when `p > 0` it draws from its own stream, seeded from
/// `generator` (so training is reproducible and the other layers' initialisation does not
/// depend on whether there is dropout).
private func gptDropout<Scalar: TensorScalar>(_ p: Double, generator: inout RandomGenerator) -> Dropout<Scalar> {
    p > 0 ? Dropout(p: p, generator: RandomGenerator(seed: generator.next())) : Dropout(p: 0)
}

/// A `Linear` with weight N(0, std²) and zero bias.
private func gptLinear<Scalar: TensorScalar>(_ inFeatures: Int, _ outFeatures: Int, std: Double, generator: inout RandomGenerator) -> Linear<Scalar> {
    Linear(
        weight: (Tensor<Scalar>.randn([outFeatures, inFeatures], generator: &generator) * Scalar(std)).detached(),
        bias: Tensor<Scalar>.zeros([outFeatures]))
}

/// A decoder-only transformer language model (GPT-2's layout, as in Karpathy's nanoGPT):
///
/// ```
/// x = drop(wte[ids] + wpe[positions])           [B, T] → [B, T, nEmbd]
/// x = block(x) for each of nLayer GPTBlocks     pre-norm, causal self-attention + 4× GELU MLP
/// logits = lm_head(ln_f(x))                     [B, T, vocabSize]
/// ```
///
/// Parameters (nanoGPT's names; `lm_head` is not tied to `wte`): `transformer.wte.weight`,
/// `transformer.wpe.weight`, `transformer.h.{i}.…`, `transformer.ln_f.weight`/`bias`,
/// `lm_head.weight` (no bias). Embeddings and weights start N(0, 0.02²).
///
/// With `config.dropout > 0`, dropout in training mode follows the embedding sum
/// (`transformer.drop`) and ends each block's two residual branches, as in nanoGPT; there is no
/// dropout on the attention weights. Training mode is the only switch: decoding with a cache
/// (``callAsFunction(_:cache:)``, ``generate(_:count:sampler:useCache:generator:)``) runs the
/// model in evaluation mode and restores its mode after.
///
/// Decoding with a ``KVCache`` (``callAsFunction(_:cache:)``) gives the logits of a full
/// forward pass over the whole context while computing only the new positions.
public final class GPT<Scalar: TensorScalar>: Module {
    /// The model's shape.
    public let config: GPTConfig
    /// Token embeddings `[vocabSize, nEmbd]` (`transformer.wte`).
    public let tokenEmbedding: Embedding<Scalar>
    /// Position embeddings `[blockSize, nEmbd]` (`transformer.wpe`).
    public let positionEmbedding: Embedding<Scalar>
    /// Dropout on the embedding sum (`transformer.drop`, active in training mode).
    public let embeddingDropout: Dropout<Scalar>
    /// The transformer blocks (`transformer.h`).
    public let blocks: [GPTBlock<Scalar>]
    /// The final norm (`transformer.ln_f`).
    public let finalNorm: LayerNorm<Scalar>
    /// The output projection to logits, no bias (`lm_head`).
    public let outputHead: Linear<Scalar>
    /// Training mode (no effect of its own; the dropout layers have their own).
    public var isTraining = true

    /// Creates a model of `config`, initialised from `generator`.
    public init(_ config: GPTConfig, generator: inout RandomGenerator) {
        self.config = config
        func embedding(_ rows: Int) -> Embedding<Scalar> {
            Embedding(weight: (Tensor<Scalar>.randn([rows, config.nEmbd], generator: &generator) * Scalar(0.02)).detached())
        }
        tokenEmbedding = embedding(config.vocabSize)
        positionEmbedding = embedding(config.blockSize)
        embeddingDropout = gptDropout(config.dropout, generator: &generator)
        blocks = (0..<config.nLayer).map { _ in
            GPTBlock(nEmbd: config.nEmbd, nHead: config.nHead, nLayer: config.nLayer, dropout: config.dropout, generator: &generator)
        }
        finalNorm = LayerNorm(config.nEmbd)
        outputHead = Linear(
            weight: (Tensor<Scalar>.randn([config.vocabSize, config.nEmbd], generator: &generator) * Scalar(0.02)).detached(),
            bias: nil)
    }

    /// `transformer.wte`, `transformer.wpe`, `transformer.drop`, `transformer.h.0` …,
    /// `transformer.ln_f`, `lm_head`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("transformer.wte", tokenEmbedding), ("transformer.wpe", positionEmbedding), ("transformer.drop", embeddingDropout)]
            + blocks.enumerated().map { ("transformer.h.\($0.offset)", $0.element) }
            + [("transformer.ln_f", finalNorm), ("lm_head", outputHead)]
    }

    /// The logits `[B, T, vocabSize]` of every position of `ids` `[B, T]` (`T ≤ blockSize`):
    /// row `t` scores the token after `ids[:, t]`.
    public func callAsFunction(_ ids: IndexTensor) -> Tensor<Scalar> {
        forward(ids, cache: nil)
    }

    /// The logits `[B, T, vocabSize]` of the new positions `ids` `[B, T]`, which follow the
    /// `cache.length` positions already read into `cache`; appends their keys and values to it.
    /// Runs in evaluation mode (the model's mode is restored after), without recording
    /// gradients.
    ///
    /// Feeding a sequence in chunks gives the logits of feeding it at once (up to rounding).
    ///
    /// - Precondition: `cache.length + T ≤ blockSize`, and the cache was built by this model
    ///   with the same batch size.
    public func callAsFunction(_ ids: IndexTensor, cache: KVCache<Scalar>) -> Tensor<Scalar> {
        precondition(cache.keys.count == config.nLayer, "GPT: a cache of \(cache.keys.count) blocks for a model of \(config.nLayer)")
        return decoding { forward(ids, cache: cache) }
    }

    /// The logits of `ids` after the cached positions (none without a cache).
    private func forward(_ ids: IndexTensor, cache: KVCache<Scalar>?) -> Tensor<Scalar> {
        precondition(ids.shape.count == 2, "GPT: ids \(ids.shape), expected [B, T]")
        let past = cache?.length ?? 0, t = ids.shape[1]
        precondition(
            t > 0 && past + t <= config.blockSize,
            "GPT: \(past) cached + \(t) new positions exceed the block size \(config.blockSize)")
        var x = embeddingDropout(tokenEmbedding(ids) + positionEmbedding(IndexTensor(Array(past..<(past + t)), shape: [t])))
        for (layer, block) in blocks.enumerated() { x = block(x, cache: cache, layer: layer) }
        cache?.length += t
        return outputHead(finalNorm(x))
    }

    /// Runs `body` in evaluation mode without recording gradients, then restores the modes.
    private func decoding<Result>(_ body: () -> Result) -> Result {
        inEvaluationMode { withoutGrad(body) }
    }

    /// Continues `prompt` (ids, not empty) by `count` tokens drawn by `sampler`, one at a time,
    /// and returns the new tokens.
    ///
    /// The context is the tokens from a start position on: when it would exceed
    /// `blockSize`, the start jumps so that the last `⌈blockSize/2⌉` tokens remain. With
    /// `useCache` a ``KVCache`` reads each new token alone and is refilled only when the start
    /// jumps; without it every token recomputes the whole context. Both see the same contexts,
    /// so they draw the same tokens (their logits differ only by rounding). Decoding runs in
    /// evaluation mode (no dropout), and the model's mode is restored after.
    public func generate(
        _ prompt: [Int], count: Int, sampler: TokenSampler, useCache: Bool = true, generator: inout RandomGenerator
    ) -> [Int] {
        precondition(!prompt.isEmpty, "GPT.generate: the prompt is empty")
        var tokens = prompt
        var start = 0
        let cache = KVCache<Scalar>(layers: config.nLayer)
        var produced: [Int] = []
        while produced.count < count {
            var refill = cache.length == 0
            if tokens.count - start > config.blockSize {
                start = tokens.count - (config.blockSize + 1) / 2
                refill = true
            }
            let logits: Tensor<Scalar>
            if !useCache {
                logits = decoding { forward(IndexTensor(Array(tokens[start...]), shape: [1, tokens.count - start]), cache: nil) }
            } else if refill {
                cache.reset()
                logits = self(IndexTensor(Array(tokens[start...]), shape: [1, tokens.count - start]), cache: cache)
            } else {
                logits = self(IndexTensor([tokens[tokens.count - 1]], shape: [1, 1]), cache: cache)
            }
            let next = sampler.sample(lastRow(of: logits), generator: &generator)
            tokens.append(next)
            produced.append(next)
        }
        return produced
    }
}

/// The last row of `logits` `[1, T, V]` (or `[T, V]`) as numbers.
func lastRow<Scalar: TensorScalar>(of logits: Tensor<Scalar>) -> [Double] {
    let v = logits.shape[logits.rank - 1]
    return logits.withUnsafeBufferPointer { p in (p.count - v..<p.count).map { Double(p[$0]) } }
}
