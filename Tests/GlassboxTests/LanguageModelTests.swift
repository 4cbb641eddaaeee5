import Foundation
import Glassbox
import Testing

/// A small GPT (2 blocks, d 16, 2 heads) over `vocab` tokens with `blockSize` positions.
private func tinyGPT<Scalar: TensorScalar>(_: Scalar.Type, vocab: Int = 11, blockSize: Int = 12, seed: UInt64 = 5) -> GPT<Scalar> {
    var g = RandomGenerator(seed: seed)
    return GPT<Scalar>(GPTConfig(vocabSize: vocab, blockSize: blockSize, nLayer: 2, nHead: 2, nEmbd: 16), generator: &g)
}

/// Ids drawn uniformly below `vocab`.
private func randomIds(_ count: Int, vocab: Int, seed: UInt64) -> [Int] {
    var g = RandomGenerator(seed: seed)
    return (0..<count).map { _ in g.nextInt(below: vocab) }
}

/// The largest absolute difference between two equally long arrays.
private func maxDifference<S: TensorScalar>(_ a: [S], _ b: [S]) -> Double {
    zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
}

@Suite("Character language models: GPT with a key/value cache, CharLSTM, sampling")
struct LanguageModelTests {
    /// Feeds `ids` in chunks of `chunks` sizes through a cache and compares every position's
    /// logits with one full forward pass.
    static func cachedMatchesFull<S: TensorScalar>(_: S.Type, chunks: [Int], tolerance: Double) {
        let model = tinyGPT(S.self)
        let ids = randomIds(chunks.reduce(0, +), vocab: 11, seed: 9)
        let full = withoutGrad { model(IndexTensor(ids, shape: [1, ids.count])) }.scalars
        let cache = KVCache<S>(layers: 2)
        var cached: [S] = []
        var start = 0
        for size in chunks {
            let logits = model(IndexTensor(Array(ids[start..<(start + size)]), shape: [1, size]), cache: cache)
            #expect(logits.shape == [1, size, 11])
            cached += logits.scalars
            start += size
            #expect(cache.length == start)
        }
        #expect(cache.keys.allSatisfy { $0?.shape == [1, 2, start, 8] })
        let difference = maxDifference(full, cached)
        #expect(difference <= tolerance, "max |cached − full| = \(difference)")
    }

    @Test("KV cache: one token at a time gives the full forward pass's logits (Double 1e-12, Float 1e-5)")
    func cacheOneAtATime() {
        Self.cachedMatchesFull(Double.self, chunks: Array(repeating: 1, count: 12), tolerance: 1e-12)
        Self.cachedMatchesFull(Float.self, chunks: Array(repeating: 1, count: 12), tolerance: 1e-5)
    }

    @Test("KV cache: chunks of several tokens after cached ones see only earlier positions")
    func cacheChunks() {
        Self.cachedMatchesFull(Double.self, chunks: [3, 1, 4, 2, 2], tolerance: 1e-12)
        Self.cachedMatchesFull(Float.self, chunks: [5, 3, 4], tolerance: 1e-5)
    }

    @Test("KV cache: reset starts over; no gradient is recorded")
    func cacheReset() {
        let model = tinyGPT(Double.self)
        let cache = KVCache<Double>(layers: 2)
        let first = model(IndexTensor([1, 2, 3], shape: [1, 3]), cache: cache)
        #expect(!first.requiresGrad)
        cache.reset()
        #expect(cache.length == 0 && cache.keys.allSatisfy { $0 == nil })
        let again = model(IndexTensor([1, 2, 3], shape: [1, 3]), cache: cache)
        #expect(again.scalars == first.scalars)
    }

    @Test("GPT has nanoGPT's parameter names and shapes")
    func gptNames() {
        let model = tinyGPT(Float.self)
        let names = model.namedParameters().map(\.name)
        #expect(names.count == 2 + 2 * 12 + 2 + 1)
        #expect(Array(names.prefix(4)) == ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias"])
        #expect(names.contains("transformer.h.1.attn.c_attn.weight"))
        #expect(names.contains("transformer.h.1.mlp.c_proj.bias"))
        #expect(Array(names.suffix(3)) == ["transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"])
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["transformer.h.0.attn.c_attn.weight"] == [48, 16])
        #expect(shapes["transformer.h.0.mlp.c_fc.weight"] == [64, 16])
        #expect(shapes["transformer.wpe.weight"] == [12, 16])
    }

    @Test("GPT is causal: changing a later token leaves earlier logits unchanged")
    func gptCausal() {
        let model = tinyGPT(Double.self)
        var ids = randomIds(10, vocab: 11, seed: 3)
        let before = withoutGrad { model(IndexTensor(ids, shape: [1, 10])) }.scalars
        ids[7] = (ids[7] + 1) % 11
        let after = withoutGrad { model(IndexTensor(ids, shape: [1, 10])) }.scalars
        #expect(Array(before[..<(7 * 11)]) == Array(after[..<(7 * 11)]))
        #expect(Array(before[(7 * 11)...]) != Array(after[(7 * 11)...]))
    }

    @Test("generate: the cache draws the same tokens as recomputing the context, past the block size")
    func generateCacheMatches() {
        let model = tinyGPT(Float.self, blockSize: 8)
        for sampler in [TokenSampler(), TokenSampler(temperature: 0.7, topK: 4), TokenSampler(topK: 1)] {
            var g1 = RandomGenerator(seed: 21), g2 = RandomGenerator(seed: 21)
            let cached = model.generate([1, 2, 3], count: 30, sampler: sampler, useCache: true, generator: &g1)
            let recomputed = model.generate([1, 2, 3], count: 30, sampler: sampler, useCache: false, generator: &g2)
            #expect(cached.count == 30)
            #expect(cached == recomputed, "\(sampler)")
        }
    }

    @Test("Dropout: drops in training mode only, never while decoding; same weights as without it")
    func dropout() throws {
        var g = RandomGenerator(seed: 5)
        let config = GPTConfig(vocabSize: 11, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.5)
        let model = GPT<Double>(config, generator: &g)
        #expect(model.embeddingDropout.p == 0.5 && model.blocks.allSatisfy { $0.attention.residualDropout.p == 0.5 && $0.feedForward.dropout.p == 0.5 })
        let plain = tinyGPT(Double.self)
        #expect(Set(model.stateDict().map(\.name)) == Set(plain.stateDict().map(\.name)))
        try plain.loadStateDict(Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor) }))
        let ids = IndexTensor(randomIds(10, vocab: 11, seed: 3), shape: [1, 10])
        let reference = withoutGrad { plain(ids) }.scalars
        // Training mode: two passes draw different masks, and both differ from no dropout.
        let first = withoutGrad { model(ids) }.scalars, second = withoutGrad { model(ids) }.scalars
        #expect(first != second && first != reference)
        // The cache decodes in evaluation mode (no dropout) and gives the model its modes back.
        model.blocks[1].feedForward.dropout.eval()
        let cached = model(ids, cache: KVCache<Double>(layers: 2)).scalars
        #expect(maxDifference(cached, reference) <= 1e-12)
        #expect(model.isTraining && model.blocks[0].feedForward.dropout.isTraining && !model.blocks[1].feedForward.dropout.isTraining)
        model.train()
        var g1 = RandomGenerator(seed: 4), g2 = RandomGenerator(seed: 4)
        #expect(
            model.generate([1, 2], count: 20, sampler: TokenSampler(), useCache: false, generator: &g1)
                == plain.generate([1, 2], count: 20, sampler: TokenSampler(), useCache: false, generator: &g2))
        // Evaluation mode is the model without dropout.
        model.eval()
        #expect(maxDifference(withoutGrad { model(ids) }.scalars, reference) <= 1e-12)
    }

    @Test("generate is reproducible for a seed and differs across seeds")
    func generateReproducible() {
        let model = tinyGPT(Float.self)
        func run(_ seed: UInt64) -> [Int] {
            var g = RandomGenerator(seed: seed)
            return model.generate([0], count: 40, sampler: TokenSampler(), generator: &g)
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
        let lstm = { () -> CharLSTM<Float> in
            var g = RandomGenerator(seed: 4)
            return CharLSTM<Float>(vocabSize: 11, embeddingDim: 8, hiddenSize: 16, generator: &g)
        }()
        func runLSTM(_ seed: UInt64) -> [Int] {
            var g = RandomGenerator(seed: seed)
            return lstm.generate([0, 5], count: 40, sampler: TokenSampler(), generator: &g)
        }
        #expect(runLSTM(1) == runLSTM(1))
        #expect(runLSTM(1) != runLSTM(2))
    }

    @Test("TokenSampler: temperature divides the logits, top-k keeps the k largest, top-k 1 is greedy")
    func samplerSemantics() {
        let logits = [1.0, 3.0, 2.0, -1.0, 3.0]
        func softmax(_ z: [Double]) -> [Double] {
            let e = z.map { exp($0 - z.max()!) }
            return e.map { $0 / e.reduce(0, +) }
        }
        let half = TokenSampler(temperature: 0.5).probabilities(logits)
        #expect(maxDifference(half, softmax(logits.map { $0 / 0.5 })) < 1e-15)
        let top2 = TokenSampler(topK: 2).probabilities(logits)
        #expect(top2[0] == 0 && top2[2] == 0 && top2[3] == 0)
        #expect(abs(top2[1] - 0.5) < 1e-15 && abs(top2[4] - 0.5) < 1e-15)  // ties at the cut are kept
        let top3 = TokenSampler(topK: 3).probabilities(logits)
        #expect(top3[0] == 0 && top3[3] == 0 && top3[2] > 0)
        var g = RandomGenerator(seed: 0)
        let greedy = (0..<20).map { _ in TokenSampler(temperature: 3, topK: 1).sample(logits, generator: &g) }
        #expect(greedy.allSatisfy { $0 == 1 })  // the first of the equal maxima
        #expect(g.counter == 0)  // greedy decoding draws nothing
        // Draws follow the probabilities: 20 000 draws within 1.5 % of each.
        let sampler = TokenSampler(temperature: 2)
        let p = sampler.probabilities(logits)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<20_000 { counts[sampler.sample(logits, generator: &g)] += 1 }
        for v in logits.indices { #expect(abs(Double(counts[v]) / 20_000 - p[v]) < 0.015, "token \(v)") }
        // A low temperature concentrates the mass on the maxima.
        #expect(TokenSampler(temperature: 0.05).probabilities(logits)[2] < 1e-8)
    }

    @Test("CharLSTM: reading in chunks with the carried state gives the logits of one pass")
    func lstmStateful() {
        var g = RandomGenerator(seed: 8)
        let model = CharLSTM<Double>(vocabSize: 7, embeddingDim: 5, hiddenSize: 6, numLayers: 2, generator: &g)
        #expect(model.namedParameters().map(\.name).first == "embedding.weight")
        #expect(model.namedParameters().map(\.name).last == "fc.bias")
        let ids = randomIds(9, vocab: 7, seed: 2)
        let full = withoutGrad { model(IndexTensor(ids, shape: [1, 9])) }.scalars
        var state: CharLSTM<Double>.State?
        var pieces: [Double] = []
        withoutGrad {
            for range in [0..<4, 4..<5, 5..<9] {
                let r = model(IndexTensor(Array(ids[range]), shape: [1, range.count]), state: state)
                pieces += r.logits.scalars
                state = r.state
            }
        }
        #expect(maxDifference(full, pieces) < 1e-12)
    }

    /// Trains `steps` Adam steps on windows of a repetitive text and returns the first and
    /// last losses.
    static func trainBriefly(_ logits: (IndexTensor) -> Tensor<Float>, parameters: [Tensor<Float>], steps: Int) -> (first: Float, last: Float) {
        let text = Array(String(repeating: "abcabd abcabe ", count: 20).utf8)
        let corpus = CharacterCorpus(text: text)
        var g = RandomGenerator(seed: 1)
        let optimizer = Adam(parameters, lr: 0.01)
        var losses: [Float] = []
        for _ in 0..<steps {
            let batch = CharacterCorpus.randomWindows(corpus.training, count: 8, length: 8, generator: &g)
            let out = logits(batch.input)
            let loss = crossEntropy(out.reshaped([64, out.shape[2]]), IndexTensor(batch.target.indices, shape: [64]))
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        return (losses[0], losses.last!)
    }

    @Test("a short training run lowers the loss of both models", .slow)
    func trainingLowersLoss() {
        var g = RandomGenerator(seed: 2)
        let gpt = GPT<Float>(GPTConfig(vocabSize: 6, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16), generator: &g)
        let gptLoss = Self.trainBriefly({ gpt($0) }, parameters: gpt.parameters, steps: 40)
        #expect(gptLoss.last < gptLoss.first * 0.5, "GPT: \(gptLoss)")
        let lstm = CharLSTM<Float>(vocabSize: 6, embeddingDim: 8, hiddenSize: 16, generator: &g)
        let lstmLoss = Self.trainBriefly({ lstm($0) }, parameters: lstm.parameters, steps: 40)
        #expect(lstmLoss.last < lstmLoss.first * 0.5, "CharLSTM: \(lstmLoss)")
    }
}
