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
public final class CausalSelfAttention<Scalar: TensorScalar>: Module {
    /// The packed query, key and value projection.
    public let cAttn: Linear<Scalar>
    /// The output projection.
    public let cProj: Linear<Scalar>
    /// Dropout on the output (active in training mode, never with a cache).
    public let residDropout: Dropout<Scalar>
    /// The number of heads.
    public let nHead: Int
    /// Training mode (no effect of its own; ``residDropout`` has its own).
    public var isTraining = true

    /// Creates the layer from its projections; `residDropout` defaults to `p = 0`.
    public init(cAttn: Linear<Scalar>, cProj: Linear<Scalar>, nHead: Int, residDropout: Dropout<Scalar> = Dropout(p: 0)) {
        precondition(
            cAttn.outFeatures == 3 * cAttn.inFeatures && cProj.inFeatures == cAttn.inFeatures
                && cProj.outFeatures == cAttn.inFeatures && cAttn.inFeatures % nHead == 0,
            "CausalSelfAttention: c_attn \(cAttn.weight.shape) and c_proj \(cProj.weight.shape) do not fit \(nHead) heads")
        self.cAttn = cAttn
        self.cProj = cProj
        self.nHead = nHead
        self.residDropout = residDropout
    }

    /// `c_attn`, `c_proj`, `resid_dropout`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("c_attn", cAttn), ("c_proj", cProj), ("resid_dropout", residDropout)]
    }

    /// `[B, T, C]` → `[B, T, C]`, each position attending to itself and the positions before it.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        attend(input, cache: nil, layer: 0, dropping: true)
    }

    /// Attention of the new positions `input` `[B, T, C]` over the cached ones and themselves;
    /// stores their keys and values in `cache` as block `layer`. `dropping: false` skips the
    /// dropout (decoding), as does a cache.
    func attend(_ input: Tensor<Scalar>, cache: KVCache<Scalar>?, layer: Int, dropping: Bool) -> Tensor<Scalar> {
        precondition(input.rank == 3 && input.shape[2] == cAttn.inFeatures, "CausalSelfAttention: input \(input.shape), expected [B, T, \(cAttn.inFeatures)]")
        let b = input.shape[0], t = input.shape[1], c = input.shape[2], hs = c / nHead
        let projected = cAttn(input)
        guard let cache else {
            // Without a cache (training, full-context evaluation) the fused kernel reads the
            // heads straight from the packed projection and writes [B, T, C].
            let y = cProj(multiheadSelfAttention(packed: projected, heads: nHead, isCausal: true))
            return dropping ? residDropout(y) : y
        }
        let qkv = projected.split(sizes: [c, c, c], dim: 2)
        func heads(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x.reshaped([b, t, nHead, hs]).permuted([0, 2, 1, 3]) }
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
        return cProj(y.permuted([0, 2, 1, 3]).reshaped([b, t, c]))
    }
}

/// The transformer's feed-forward part, nanoGPT's `MLP`: `dropout(c_proj(gelu(c_fc(x))))` with a
/// hidden width of `4·nEmbd`. Parameters: `c_fc.weight`, `c_fc.bias`, `c_proj.weight`,
/// `c_proj.bias`.
public final class GPTMLP<Scalar: TensorScalar>: Module {
    /// `nEmbd → 4·nEmbd`.
    public let cFc: Linear<Scalar>
    /// `4·nEmbd → nEmbd`.
    public let cProj: Linear<Scalar>
    /// Dropout on the output (active in training mode).
    public let dropout: Dropout<Scalar>
    /// Training mode (no effect of its own; ``dropout`` has its own).
    public var isTraining = true

    /// Creates the layer from its two projections; `dropout` defaults to `p = 0`.
    public init(cFc: Linear<Scalar>, cProj: Linear<Scalar>, dropout: Dropout<Scalar> = Dropout(p: 0)) {
        precondition(cFc.outFeatures == cProj.inFeatures, "GPTMLP: c_fc \(cFc.weight.shape) does not feed c_proj \(cProj.weight.shape)")
        self.cFc = cFc
        self.cProj = cProj
        self.dropout = dropout
    }

    /// `c_fc`, `c_proj`, `dropout`.
    public var children: [(name: String, module: any Module<Scalar>)] { [("c_fc", cFc), ("c_proj", cProj), ("dropout", dropout)] }

    /// `[*, nEmbd]` → `[*, nEmbd]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        forward(input, dropping: true)
    }

    /// The layer, with or without its dropout.
    func forward(_ input: Tensor<Scalar>, dropping: Bool) -> Tensor<Scalar> {
        let y = cProj(cFc(input).gelu())
        return dropping ? dropout(y) : y
    }
}

/// A pre-norm transformer block, nanoGPT's `Block`: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
///
/// Parameters: `ln_1.*`, `attn.*`, `ln_2.*`, `mlp.*`.
public final class GPTBlock<Scalar: TensorScalar>: Module {
    /// The norm before attention.
    public let ln1: LayerNorm<Scalar>
    /// The causal self-attention.
    public let attn: CausalSelfAttention<Scalar>
    /// The norm before the MLP.
    public let ln2: LayerNorm<Scalar>
    /// The feed-forward part.
    public let mlp: GPTMLP<Scalar>
    /// Training mode (no effect).
    public var isTraining = true

    /// Creates a block of width `nEmbd` with `nHead` heads, initialised as nanoGPT does:
    /// weights N(0, 0.02²) (the two `c_proj` weights N(0, (0.02/√(2·nLayer))²)), biases zero,
    /// norms the identity. With `dropout > 0` both residual branches end in dropout layers,
    /// each with its own random stream split from `generator`.
    public init(nEmbd: Int, nHead: Int, nLayer: Int, dropout: Double = 0, generator: inout RandomGenerator) {
        let projectionStd = 0.02 / Double(2 * nLayer).squareRoot()
        ln1 = LayerNorm(nEmbd)
        attn = CausalSelfAttention(
            cAttn: gptLinear(nEmbd, 3 * nEmbd, std: 0.02, generator: &generator),
            cProj: gptLinear(nEmbd, nEmbd, std: projectionStd, generator: &generator), nHead: nHead,
            residDropout: gptDropout(dropout, generator: &generator))
        ln2 = LayerNorm(nEmbd)
        mlp = GPTMLP(
            cFc: gptLinear(nEmbd, 4 * nEmbd, std: 0.02, generator: &generator),
            cProj: gptLinear(4 * nEmbd, nEmbd, std: projectionStd, generator: &generator),
            dropout: gptDropout(dropout, generator: &generator))
    }

    /// `ln_1`, `attn`, `ln_2`, `mlp`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("ln_1", ln1), ("attn", attn), ("ln_2", ln2), ("mlp", mlp)]
    }

    /// `[B, T, C]` → `[B, T, C]`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        forward(input, cache: nil, layer: 0, dropping: true)
    }

    /// The block over new positions (``CausalSelfAttention/attend(_:cache:layer:dropping:)``).
    func forward(_ input: Tensor<Scalar>, cache: KVCache<Scalar>?, layer: Int, dropping: Bool) -> Tensor<Scalar> {
        let x = input + attn.attend(ln1(input), cache: cache, layer: layer, dropping: dropping)
        return x + mlp.forward(ln2(x), dropping: dropping && cache == nil)
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
/// With `config.dropout > 0`, dropout (in training mode) follows the embedding sum
/// (`transformer.drop`) and ends each block's two residual branches, as in nanoGPT; there is no
/// dropout on the attention weights. Decoding (a cache, ``generate(_:count:sampler:useCache:generator:)``)
/// never drops.
///
/// Decoding with a ``KVCache`` (``callAsFunction(_:cache:)``) gives the logits of a full
/// forward pass over the whole context while computing only the new positions.
public final class GPT<Scalar: TensorScalar>: Module {
    /// The model's shape.
    public let config: GPTConfig
    /// Token embeddings `[vocabSize, nEmbd]`.
    public let wte: Embedding<Scalar>
    /// Position embeddings `[blockSize, nEmbd]`.
    public let wpe: Embedding<Scalar>
    /// Dropout on the embedding sum (active in training mode).
    public let drop: Dropout<Scalar>
    /// The transformer blocks.
    public let h: [GPTBlock<Scalar>]
    /// The final norm.
    public let lnF: LayerNorm<Scalar>
    /// The output projection to logits (no bias).
    public let lmHead: Linear<Scalar>
    /// Training mode (no effect of its own; the dropout layers have their own).
    public var isTraining = true

    /// Creates a model of `config`, initialised from `generator`.
    public init(_ config: GPTConfig, generator: inout RandomGenerator) {
        self.config = config
        func embedding(_ rows: Int) -> Embedding<Scalar> {
            Embedding(weight: (Tensor<Scalar>.randn([rows, config.nEmbd], generator: &generator) * Scalar(0.02)).detached())
        }
        wte = embedding(config.vocabSize)
        wpe = embedding(config.blockSize)
        drop = gptDropout(config.dropout, generator: &generator)
        h = (0..<config.nLayer).map { _ in
            GPTBlock(nEmbd: config.nEmbd, nHead: config.nHead, nLayer: config.nLayer, dropout: config.dropout, generator: &generator)
        }
        lnF = LayerNorm(config.nEmbd)
        lmHead = Linear(
            weight: (Tensor<Scalar>.randn([config.vocabSize, config.nEmbd], generator: &generator) * Scalar(0.02)).detached(),
            bias: nil)
    }

    /// `transformer.wte`, `transformer.wpe`, `transformer.drop`, `transformer.h.0` …,
    /// `transformer.ln_f`, `lm_head`.
    public var children: [(name: String, module: any Module<Scalar>)] {
        [("transformer.wte", wte), ("transformer.wpe", wpe), ("transformer.drop", drop)] + h.enumerated().map { ("transformer.h.\($0.offset)", $0.element) }
            + [("transformer.ln_f", lnF), ("lm_head", lmHead)]
    }

    /// The logits `[B, T, vocabSize]` of every position of `ids` `[B, T]` (`T ≤ blockSize`):
    /// row `t` scores the token after `ids[:, t]`.
    public func callAsFunction(_ ids: IndexTensor) -> Tensor<Scalar> {
        forward(ids, cache: nil, dropping: true)
    }

    /// ``callAsFunction(_:)-(IndexTensor)`` for ids given as whole numbers in a tensor.
    ///
    /// - Precondition: every value is a whole number in `0..<vocabSize`.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        self(IndexTensor(input.scalars.map { Int($0) }, shape: input.shape))
    }

    /// The logits `[B, T, vocabSize]` of the new positions `ids` `[B, T]`, which follow the
    /// `cache.length` positions already read into `cache`; appends their keys and values to it.
    /// Runs without recording gradients.
    ///
    /// Feeding a sequence in chunks gives the logits of feeding it at once (up to rounding).
    ///
    /// - Precondition: `cache.length + T ≤ blockSize`, and the cache was built by this model
    ///   with the same batch size.
    public func callAsFunction(_ ids: IndexTensor, cache: KVCache<Scalar>) -> Tensor<Scalar> {
        precondition(cache.keys.count == config.nLayer, "GPT: a cache of \(cache.keys.count) blocks for a model of \(config.nLayer)")
        return withoutGrad { forward(ids, cache: cache, dropping: false) }
    }

    /// The logits of `ids` after the cached positions; `dropping: false` (decoding) skips
    /// dropout even in training mode.
    private func forward(_ ids: IndexTensor, cache: KVCache<Scalar>?, dropping: Bool) -> Tensor<Scalar> {
        precondition(ids.shape.count == 2, "GPT: ids \(ids.shape), expected [B, T]")
        let past = cache?.length ?? 0, t = ids.shape[1]
        precondition(
            t > 0 && past + t <= config.blockSize,
            "GPT: \(past) cached + \(t) new positions exceed the block size \(config.blockSize)")
        var x = wte(ids) + wpe(IndexTensor(Array(past..<(past + t)), shape: [t]))
        let dropping = dropping && cache == nil
        if dropping { x = drop(x) }
        for (layer, block) in h.enumerated() { x = block.forward(x, cache: cache, layer: layer, dropping: dropping) }
        cache?.length += t
        return lmHead(lnF(x))
    }

    /// Continues `prompt` (ids, not empty) by `count` tokens drawn by `sampler`, one at a time,
    /// and returns the new tokens.
    ///
    /// The context is the tokens from a start position on: when it would exceed
    /// `blockSize`, the start jumps so that the last `⌈blockSize/2⌉` tokens remain. With
    /// `useCache` a ``KVCache`` reads each new token alone and is refilled only when the start
    /// jumps; without it every token recomputes the whole context. Both see the same contexts,
    /// so they draw the same tokens (their logits differ only by rounding). Decoding never
    /// applies dropout, in either mode.
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
                logits = withoutGrad {
                    forward(IndexTensor(Array(tokens[start...]), shape: [1, tokens.count - start]), cache: nil, dropping: false)
                }
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
