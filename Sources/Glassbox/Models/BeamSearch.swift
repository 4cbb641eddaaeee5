#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Greedy and beam-search decoding of any autoregressive model, given as a ``DecodingStep``:
// the next-token log-probabilities of a batch of prefixes, and the model state of each prefix.
// The recurrent and transformer sequence-to-sequence models both decode through these two
// functions. The algorithm and the length normalisation are in Docs/Seq2Seq.md.

/// One step of an autoregressive decoder: what ``greedySearch(_:initialState:batchSize:maxLength:lengthPenalty:beginning:end:)``
/// and ``beamSearch(_:initialState:batchSize:beamWidth:maxLength:lengthPenalty:beginning:end:)``
/// need from a model.
///
/// A state holds one row per prefix being decoded (a recurrent model's hidden state, a
/// transformer's encoder memory); the searches never look inside it.
public struct DecodingStep<State> {
    /// The log-probabilities of the next token, one row of vocabulary size per prefix, and the
    /// state after reading each prefix's last token (row `i` for `prefixes[i]`). Every prefix
    /// starts with the beginning token, and all have the same length.
    public var next: (_ prefixes: [[Int]], _ state: State) -> (logProbabilities: [[Double]], state: State)
    /// The rows `rows` of `state`, in that order (a row may repeat: beams that share a parent).
    public var select: (_ state: State, _ rows: [Int]) -> State

    /// Creates a step from its two functions.
    public init(
        next: @escaping (_ prefixes: [[Int]], _ state: State) -> (logProbabilities: [[Double]], state: State),
        select: @escaping (_ state: State, _ rows: [Int]) -> State
    ) {
        self.next = next
        self.select = select
    }
}

/// A decoded sequence and its score.
public struct Hypothesis: Sendable, Equatable {
    /// The generated tokens, without the beginning and end tokens.
    public var tokens: [Int]
    /// Whether the sequence ended with the end token (rather than at the length limit).
    public var isFinished: Bool
    /// The sum of the log-probabilities of the generated tokens, the end token included.
    public var logProbability: Double
    /// The length-normalised score `logProbability / n^lengthPenalty`, `n` the number of
    /// generated tokens counting the end token.
    public var score: Double

    /// The hypothesis `tokens` with log-probability `logProbability`, scored with `lengthPenalty`.
    public init(tokens: [Int], isFinished: Bool, logProbability: Double, lengthPenalty: Double) {
        self.tokens = tokens
        self.isFinished = isFinished
        self.logProbability = logProbability
        let generated = max(tokens.count + (isFinished ? 1 : 0), 1)
        score = logProbability / pow(Double(generated), lengthPenalty)
    }
}

/// The index of the largest value, the first one on ties.
private func argmax(_ values: [Double]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

/// A live prefix of ``beamSearch(_:initialState:batchSize:beamWidth:maxLength:lengthPenalty:beginning:end:)``.
private struct Beam {
    var prefix: [Int]
    var logProbability: Double
}

/// Greedy decoding: for each of `batchSize` sequences (state row `i` for sequence `i`), append
/// the most probable next token until the end token or `maxLength` generated tokens. Finished
/// sequences drop out of the batch.
///
/// - Parameters:
///   - lengthPenalty: the exponent of the length normalisation of ``Hypothesis/score`` (it
///     does not change the greedy choice).
///   - beginning, end: the tokens that open a prefix and end a sequence.
public func greedySearch<State>(
    _ step: DecodingStep<State>, initialState: State, batchSize: Int, maxLength: Int, lengthPenalty: Double = 1,
    beginning: Int = Vocabulary.beginning, end: Int = Vocabulary.end
) -> [Hypothesis] {
    precondition(batchSize > 0 && maxLength > 0, "greedySearch: batchSize \(batchSize) and maxLength \(maxLength) must be positive")
    var prefixes = [[Int]](repeating: [beginning], count: batchSize)
    var logProbabilities = [Double](repeating: 0, count: batchSize)
    var finished = [Bool](repeating: false, count: batchSize)
    var live = Array(0..<batchSize)  // the sequence of each state row
    var state = initialState
    for _ in 0..<maxLength where !live.isEmpty {
        let out = step.next(live.map { prefixes[$0] }, state)
        var keep: [Int] = []
        for (row, sequence) in live.enumerated() {
            let token = argmax(out.logProbabilities[row])
            logProbabilities[sequence] += out.logProbabilities[row][token]
            prefixes[sequence].append(token)
            if token == end { finished[sequence] = true } else { keep.append(row) }
        }
        live = keep.map { live[$0] }
        state = keep.count == out.logProbabilities.count ? out.state : step.select(out.state, keep)
    }
    return (0..<batchSize).map { i in
        let generated = prefixes[i].dropFirst()
        return Hypothesis(
            tokens: Array(finished[i] ? generated.dropLast() : generated), isFinished: finished[i],
            logProbability: logProbabilities[i], lengthPenalty: lengthPenalty)
    }
}

/// Beam search: for each of `batchSize` sequences (state row `i` for sequence `i`), keep the
/// `beamWidth` most probable prefixes; at each step extend every live prefix by every token
/// and walk the candidates from the most probable down: one that ends with the end token becomes
/// a finished hypothesis (the best `beamWidth` are kept), the others fill the `beamWidth` live
/// beams. A sequence is done when it has `beamWidth` finished hypotheses and no live beam's
/// length-normalised score is better than the worst of them (or after `maxLength` generated
/// tokens, when its live beams count as unfinished hypotheses); the answer is the hypothesis of
/// best length-normalised ``Hypothesis/score``. All live beams of all sequences are decoded as
/// one batch.
///
/// With `beamWidth == 1` this is exactly ``greedySearch(_:initialState:batchSize:maxLength:lengthPenalty:beginning:end:)``.
///
/// - Parameters:
///   - lengthPenalty: the exponent `α` of the score `log P / n^α` (1: the mean log-probability
///     per token; 0: the plain log-probability, which favours short sequences).
///   - beginning, end: the tokens that open a prefix and end a sequence.
public func beamSearch<State>(
    _ step: DecodingStep<State>, initialState: State, batchSize: Int, beamWidth: Int, maxLength: Int,
    lengthPenalty: Double = 1, beginning: Int = Vocabulary.beginning, end: Int = Vocabulary.end
) -> [Hypothesis] {
    precondition(
        batchSize > 0 && beamWidth > 0 && maxLength > 0,
        "beamSearch: batchSize \(batchSize), beamWidth \(beamWidth) and maxLength \(maxLength) must be positive")
    // The live beams of each sequence, in state-row order across sequences.
    var beams = (0..<batchSize).map { _ in [Beam(prefix: [beginning], logProbability: 0)] }
    var finished = [[Hypothesis]](repeating: [], count: batchSize)
    var state = initialState
    for _ in 0..<maxLength {
        let prefixes = beams.flatMap { $0.map(\.prefix) }
        if prefixes.isEmpty { break }
        let out = step.next(prefixes, state)
        var parents: [Int] = []
        var row = 0
        for sequence in 0..<batchSize {
            let live = beams[sequence]
            var candidates: [(logProbability: Double, beam: Int, token: Int)] = []
            for (j, beam) in live.enumerated() {
                for (token, lp) in out.logProbabilities[row + j].enumerated() {
                    candidates.append((beam.logProbability + lp, j, token))
                }
            }
            // Most probable first; ties by beam, then token (so width 1 picks greedy's argmax).
            candidates.sort { a, b in
                a.logProbability != b.logProbability
                    ? a.logProbability > b.logProbability : a.beam != b.beam ? a.beam < b.beam : a.token < b.token
            }
            var next: [Beam] = []
            for candidate in candidates {
                if next.count == beamWidth { break }
                let prefix = live[candidate.beam].prefix
                if candidate.token == end {
                    // Keep the best `beamWidth` finished hypotheses (the earlier one on ties).
                    finished[sequence].append(
                        Hypothesis(
                            tokens: Array(prefix.dropFirst()), isFinished: true, logProbability: candidate.logProbability,
                            lengthPenalty: lengthPenalty))
                    finished[sequence] = Array(
                        finished[sequence].enumerated()
                            .sorted { a, b in a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset }
                            .prefix(beamWidth).map(\.element))
                } else {
                    next.append(Beam(prefix: prefix + [candidate.token], logProbability: candidate.logProbability))
                    parents.append(row + candidate.beam)
                }
            }
            // Done when `beamWidth` hypotheses are finished and no live beam scores better now
            // than the worst of them.
            if finished[sequence].count == beamWidth,
                let worst = finished[sequence].last?.score,
                next.allSatisfy({ $0.logProbability / pow(Double($0.prefix.count - 1), lengthPenalty) <= worst })
            {
                parents.removeLast(next.count)
                next = []
            }
            beams[sequence] = next
            row += live.count
        }
        state = step.select(out.state, parents)
    }
    return (0..<batchSize).map { sequence in
        let unfinished = beams[sequence].map {
            Hypothesis(tokens: Array($0.prefix.dropFirst()), isFinished: false, logProbability: $0.logProbability, lengthPenalty: lengthPenalty)
        }
        let all = finished[sequence] + unfinished
        return all.dropFirst().reduce(all[0]) { best, h in h.score > best.score ? h : best }
    }
}
