import Glassbox
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A toy decoder over tokens {<pad>, <bos>, <eos>, A = 3, B = 4} whose next-token
/// distribution depends only on the prefix: greedy takes A (0.6) then <eos> (0.5), log 0.30;
/// the better sequence is B (0.4) then <eos> (0.9), log 0.36. The state is each row's source
/// index, to check that the searches reorder it with the beams.
private func toyStep(_ calls: Counter) -> DecodingStep<[Int]> {
    tableStep(calls) { generated in
        switch generated {
        case []: [0, 0, 0, 0.6, 0.4]
        case [3]: [0, 0, 0.5, 0.25, 0.25]
        case [4]: [0, 0, 0.9, 0.05, 0.05]
        default: [0, 0, 0.7, 0.2, 0.1]
        }
    }
}

/// A decoder whose next-token probabilities are `table(generated tokens)`.
private func tableStep(_ calls: Counter, _ table: @escaping ([Int]) -> [Double]) -> DecodingStep<[Int]> {
    DecodingStep<[Int]>(
        next: { prefixes, state in
            calls.count += 1
            #expect(state.count == prefixes.count)
            let rows = prefixes.map { prefix in table(Array(prefix.dropFirst())).map { $0 > 0 ? log($0) : -.infinity } }
            return (rows, state)
        },
        select: { state, rows in rows.map { state[$0] } })
}

private final class Counter { var count = 0 }

/// Small models of both kinds, for the number-to-words vocabularies.
private func smallModels<Scalar: TensorScalar>(_: Scalar.Type, seed: UInt64 = 7) -> (Seq2Seq<Scalar>, TransformerSeq2Seq<Scalar>) {
    var g = RandomGenerator(seed: seed)
    let v = (NumberWords.sourceVocabulary.count, NumberWords.targetVocabulary.count)
    let recurrent = Seq2Seq<Scalar>(sourceVocabularySize: v.0, targetVocabularySize: v.1, embeddingDim: 8, hiddenSize: 6, generator: &g)
    let transformer = TransformerSeq2Seq<Scalar>(
        sourceVocabularySize: v.0, targetVocabularySize: v.1, dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1,
        dimFeedforward: 16, generator: &g)
    return (recurrent, transformer)
}

/// The numbers of the decoding tests: lengths 1 to 6 digits, so the batches are padded.
private let sampleNumbers = [7, 15, 120, 4000, 90_017, 999_999, 305, 62]

@Suite("Sequence-to-sequence models and beam search")
struct Seq2SeqTests {
    @Test("beam search of width 1 is greedy search on the toy decoder and on both models")
    func widthOneIsGreedy() {
        let toyGreedy = greedySearch(toyStep(Counter()), initialState: [0, 1], batchSize: 2, maxLength: 5)
        let toyBeam = beamSearch(toyStep(Counter()), initialState: [0, 1], batchSize: 2, beamWidth: 1, maxLength: 5)
        #expect(toyBeam == toyGreedy)
        #expect(toyGreedy[0].tokens == [3] && toyGreedy[0].isFinished)

        let (recurrent, transformer) = smallModels(Float.self)
        let source = NumberWords.batch(sampleNumbers).source
        func check<M: SequenceToSequenceModel>(_ model: M) {
            let start = model.decodingStart(source)
            let greedy = withoutGrad {
                greedySearch(start.step, initialState: start.state, batchSize: sampleNumbers.count, maxLength: 12)
            }
            let beam = withoutGrad {
                beamSearch(start.step, initialState: start.state, batchSize: sampleNumbers.count, beamWidth: 1, maxLength: 12)
            }
            #expect(beam == greedy, "\(type(of: model))")
            #expect(model.translate(source, beamWidth: 1, maxLength: 12) == greedy, "\(type(of: model))")
        }
        check(recurrent)
        check(transformer)
    }

    @Test("stepping the decoder along the true prefixes gives the teacher-forced log-probabilities")
    func stepsMatchTeacherForcing() {
        let (recurrent, transformer) = smallModels(Float.self)
        let batch = NumberWords.batch(sampleNumbers)
        func check<M: SequenceToSequenceModel>(_ model: M) where M.Scalar == Float {
            let logits = model.teacherForcedLogits(source: batch.source, target: batch.target)
            let (b, t, v) = (logits.shape[0], logits.shape[1], logits.shape[2])
            let forced = logits.reshaped([b * t, v]).logSoftmax(dim: 1).scalars
            let ids = batch.target.ids.indices, width = batch.target.ids.shape[1]
            withoutGrad {
                var (step, state) = model.decodingStart(batch.source)
                var worst = 0.0
                for position in 0..<t {
                    let prefixes = (0..<b).map { r in Array(ids[(r * width)...(r * width + position)]) }
                    let out = step.next(prefixes, state)
                    for r in 0..<b where position < batch.target.lengths[r] - 1 {
                        for c in 0..<v {
                            worst = max(worst, abs(out.logProbabilities[r][c] - Double(forced[(r * t + position) * v + c])))
                        }
                    }
                    state = out.state
                }
                #expect(worst < 1e-4, "\(type(of: model)): step-by-step log-probabilities differ by \(worst)")
                _ = step
            }
        }
        check(recurrent)
        check(transformer)
    }

    @Test("beam search finds the better sequence greedy search misses, and reorders the state with the beams")
    func beamBeatsGreedy() {
        let greedy = greedySearch(toyStep(Counter()), initialState: [0], batchSize: 1, maxLength: 5)[0]
        let beam = beamSearch(toyStep(Counter()), initialState: [0], batchSize: 1, beamWidth: 2, maxLength: 5)[0]
        #expect(greedy.tokens == [3])
        #expect(beam.tokens == [4])
        #expect(abs(greedy.logProbability - log(0.3)) < 1e-12)
        #expect(abs(beam.logProbability - log(0.36)) < 1e-12)
        #expect(beam.score > greedy.score)
        // Length normalisation: the score is the mean log-probability over the 2 generated tokens.
        #expect(abs(beam.score - log(0.36) / 2) < 1e-12)
        // The same in a batch of three sources, and the search stops once each has 2 finished.
        let calls = Counter()
        let batch = beamSearch(toyStep(calls), initialState: [0, 1, 2], batchSize: 3, beamWidth: 2, maxLength: 10)
        #expect(batch.map(\.tokens) == [[4], [4], [4]])
        #expect(calls.count == 2)
    }

    @Test("beam search does not stop on finished hypotheses while a live beam scores better")
    func liveBeamOutlivesWorseFinished() {
        // A A <eos> (0.9·0.9·0.99) is best; B <eos> (0.09) and A <eos> (0.045) finish first.
        let step = tableStep(Counter()) { generated in
            switch generated {
            case []: [0, 0, 0, 0.9, 0.1]
            case [3]: [0, 0, 0.05, 0.9, 0.05]
            case [4]: [0, 0, 0.9, 0.05, 0.05]
            case [3, 3]: [0, 0, 0.99, 0.005, 0.005]
            default: [0, 0, 0.5, 0.25, 0.25]
            }
        }
        let beam = beamSearch(step, initialState: [0], batchSize: 1, beamWidth: 2, maxLength: 8)[0]
        #expect(beam.tokens == [3, 3] && beam.isFinished)
        #expect(abs(beam.logProbability - log(0.9 * 0.9 * 0.99)) < 1e-12)
        #expect(greedySearch(step, initialState: [0], batchSize: 1, maxLength: 8)[0] == beam)
    }

    @Test("a sequence cut at maxLength is an unfinished hypothesis")
    func maxLength() {
        let greedy = greedySearch(toyStep(Counter()), initialState: [0], batchSize: 1, maxLength: 1)[0]
        #expect(greedy.tokens == [3] && !greedy.isFinished)
        #expect(abs(greedy.score - log(0.6)) < 1e-12)
        let beam = beamSearch(toyStep(Counter()), initialState: [0], batchSize: 1, beamWidth: 2, maxLength: 1)[0]
        #expect(beam == greedy)
    }

    @Test("padding changes neither the encoder outputs, the logits nor the loss of the other positions")
    func paddingIsMasked() {
        let (recurrent, transformer) = smallModels(Double.self)
        let short = [7], long = [123_456]
        func check<M: SequenceToSequenceModel>(_ model: M, _ name: String) where M.Scalar == Double {
            let alone = NumberWords.batch(short), together = NumberWords.batch(short + long)
            #expect(together.source.ids.shape[1] == 6 && alone.source.ids.shape[1] == 1)
            // Encoder outputs at the short row's one valid position.
            func memory(_ source: PaddedSequences) -> Tensor<Double> {
                (model as? Seq2Seq<Double>)?.encode(source).memory ?? (model as! TransformerSeq2Seq<Double>).encode(source).memory
            }
            let soloMemory = memory(alone.source), pairMemory = memory(together.source)
            let a = soloMemory.scalars, b = Array(pairMemory.scalars[0..<a.count])
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 }, "\(name): encoder outputs change with padding")
            // Logits of the short row's target positions.
            let soloLogits = model.teacherForcedLogits(source: alone.source, target: alone.target)
            let pairLogits = model.teacherForcedLogits(source: together.source, target: together.target)
            let steps = soloLogits.shape[1], v = soloLogits.shape[2]
            let first = pairLogits.sliced(dim: 0, 0..<1).sliced(dim: 1, 0..<steps)
            #expect(zip(soloLogits.scalars, first.scalars).allSatisfy { abs($0 - $1) < 1e-12 }, "\(name): logits change with padding")
            #expect(v == NumberWords.targetVocabulary.count)
            // The batch loss is the token-weighted mean of the two rows' losses.
            let n = (Double(NumberWords.words(7).count + 1), Double(NumberWords.words(123_456).count + 1))
            let solo = (model.loss(source: alone.source, target: alone.target).item,
                        model.loss(source: NumberWords.batch(long).source, target: NumberWords.batch(long).target).item)
            let pair = model.loss(source: together.source, target: together.target).item
            #expect(abs(pair - (solo.0 * n.0 + solo.1 * n.1) / (n.0 + n.1)) < 1e-12, "\(name): the loss counts padding")
        }
        check(recurrent.eval(), "Seq2Seq")
        check(transformer.eval(), "TransformerSeq2Seq")
        var g = RandomGenerator(seed: 3)
        let lstm = Seq2Seq<Double>(
            sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
            embeddingDim: 5, hiddenSize: 4, cell: .lstm, generator: &g)
        check(lstm, "Seq2Seq (LSTM)")
    }

    @Test("gradcheck (Double) of the recurrent decoder with attention and of the transformer, through the loss")
    func gradientsCheck() {
        let (recurrent, transformer) = smallModels(Double.self)
        let batch = NumberWords.batch([42, 9_001, 5])
        var g = RandomGenerator(seed: 5)
        let lstm = Seq2Seq<Double>(
            sourceVocabularySize: NumberWords.sourceVocabulary.count, targetVocabularySize: NumberWords.targetVocabulary.count,
            embeddingDim: 4, hiddenSize: 3, cell: .lstm, bidirectional: false, generator: &g)
        func check<M: SequenceToSequenceModel>(_ m: M) where M.Scalar == Double {
            // The parameters are the checked inputs (perturbed in place). The loss, not the
            // logits: logits at padded target positions read the (untrained) padding row.
            // Each tensor of more than 24 entries is checked along 4 random directions (time).
            // ε = 1e-5: with 1e-6 the round-off of a loss near 3.5 (≈ 1e-16·3.5/ε) reaches 1e-9,
            // a relative 1e-6 of the smallest gradients.
            let result = gradcheck(
                { _ in m.loss(source: batch.source, target: batch.target) }, inputs: m.parameters, epsilon: 1e-5,
                maxElementwiseCount: 24, directions: 4)
            #expect(result.passed, "\(type(of: m)): \(result)")
        }
        check(recurrent)
        check(transformer)
        check(lstm)
    }

    @Test("with teacher forcing below 1 the decoder feeds back its own predictions in training mode only")
    func teacherForcingRatio() {
        let (recurrent, _) = smallModels(Float.self)
        let batch = NumberWords.batch(sampleNumbers)
        let forced = recurrent.teacherForcedLogits(source: batch.source, target: batch.target)
        recurrent.teacherForcingRatio = 0
        let free = recurrent.teacherForcedLogits(source: batch.source, target: batch.target)
        #expect(free.shape == forced.shape)
        // Step 0 reads <bos> either way; later steps read the model's own (wrong) guesses.
        let v = forced.shape[2]
        let first = forced.sliced(dim: 1, 0..<1), freeFirst = free.sliced(dim: 1, 0..<1)
        #expect(zip(first.scalars, freeFirst.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(forced.scalars[v...] != free.scalars[v...])
        // The step-by-step path with its own argmax fed back is greedy decoding.
        let greedy = recurrent.translate(batch.source, maxLength: forced.shape[1])
        let predicted = free.argmax(dim: 2).indices
        let t = forced.shape[1]
        for (row, h) in greedy.enumerated() where h.isFinished {
            #expect(Array(predicted[(row * t)..<(row * t + h.tokens.count)]) == h.tokens)
        }
        recurrent.eval()
        let evaluated = recurrent.teacherForcedLogits(source: batch.source, target: batch.target)
        #expect(zip(evaluated.scalars, forced.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test(
        "a short training run learns: the loss of both models falls well below its start",
        .slow)
    func learns() {
        var g = RandomGenerator(seed: 11)
        let v = (NumberWords.sourceVocabulary.count, NumberWords.targetVocabulary.count)
        let recurrent = Seq2Seq<Float>(sourceVocabularySize: v.0, targetVocabularySize: v.1, embeddingDim: 32, hiddenSize: 32, generator: &g)
        let transformer = TransformerSeq2Seq<Float>(
            sourceVocabularySize: v.0, targetVocabularySize: v.1, dModel: 32, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1,
            dimFeedforward: 64, generator: &g)
        func train<M: SequenceToSequenceModel>(_ model: M, steps: Int, data: inout RandomGenerator) -> (first: Double, last: Double)
        where M.Scalar == Float {
            let optimizer = Adam(model.parameters, lr: 3e-3)
            var losses: [Double] = []
            for _ in 0..<steps {
                let batch = NumberWords.batch(NumberWords.trainingNumbers(32, &data))
                optimizer.zeroGrad()
                let loss = model.loss(source: batch.source, target: batch.target)
                loss.backward()
                optimizer.step()
                losses.append(Double(loss.item))
            }
            return (losses.prefix(5).reduce(0, +) / 5, losses.suffix(5).reduce(0, +) / 5)
        }
        var data = RandomGenerator(seed: 12)
        let r = train(recurrent, steps: 150, data: &data)
        #expect(r.first > 2.5 && r.last < 1.0, "Seq2Seq: loss \(r.first) → \(r.last)")
        let t = train(transformer, steps: 150, data: &data)
        #expect(t.first > 2.5 && t.last < 1.5, "TransformerSeq2Seq: loss \(t.first) → \(t.last)")
    }
}
