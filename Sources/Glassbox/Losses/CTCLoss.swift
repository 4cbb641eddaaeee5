import GlassboxKernels

/// Connectionist temporal classification loss, like `torch.nn.functional.ctc_loss`.
///
/// For sample `n` with label sequence `l` (length `L`) and `Tₙ` frames, the extended sequence
/// `l'` puts `blank` before, between and after the labels (`S = 2L + 1`). The forward variables
/// (log space) are `α₀(0) = lp[0, blank]`, `α₀(1) = lp[0, l₁]`, and
/// `α_t(s) = lp[t, l'_s] + logsumexp(α_{t−1}(s), α_{t−1}(s − 1), α_{t−1}(s − 2))`, the last
/// term only where `l'_s ≠ blank` and `l'_s ≠ l'_{s−2}`. The loss is
/// `−logsumexp(α_{Tₙ−1}(S − 1), α_{Tₙ−1}(S − 2))`: the negative log-probability of all
/// alignments. It is computed with differentiable primitives (unreachable states hold −10³⁰
/// rather than −∞, so no NaN reaches the gradient); a sample with no valid alignment has loss
/// `+∞`, or 0 with zero gradient under `zeroInfinity`.
///
/// Gradient: PyTorch's convention, which assumes `logProbs` is a log-softmax output: for
/// `t < Tₙ`, `∂ℓ/∂lp[t, c] = e^{lp[t, c]} − γ_t(c)` with `γ_t(c)` the posterior probability of
/// class `c` at frame `t` (the exact derivative is `−γ_t(c)`; the extra `e^{lp}` term vanishes
/// through the log-softmax backward, so gradients with respect to the logits are exact). It is
/// added as `Σ (e^{lp} − e^{lp}|detached)`, which is zero in value.
///
/// - Parameters:
///   - logProbs: `[T, N, C]` (or `[T, C]` for one sample).
///   - targets: `[N, S]` padded label rows, or all label sequences concatenated (1-D); labels
///     in `0..<C`, not `blank`.
///   - inputLengths: `Tₙ` per sample, each in `1...T`.
///   - targetLengths: `L` per sample.
///   - reduction: `.mean` divides each loss by its target length (at least 1), then averages
///     over the batch, as PyTorch.
public func ctcLoss<Scalar>(
    logProbs: Tensor<Scalar>, targets: IndexTensor, inputLengths: [Int], targetLengths: [Int], blank: Int = 0,
    reduction: LossReduction = .mean, zeroInfinity: Bool = false
) -> Tensor<Scalar> {
    precondition(logProbs.rank == 2 || logProbs.rank == 3, "ctcLoss: logProbs must be [T, N, C] or [T, C], got \(logProbs.shape)")
    let unbatched = logProbs.rank == 2
    let lp = unbatched ? logProbs.unsqueezed(1) : logProbs
    let (frames, batch, classes) = (lp.shape[0], lp.shape[1], lp.shape[2])
    precondition(inputLengths.count == batch && targetLengths.count == batch, "ctcLoss: need \(batch) input and target lengths")
    precondition((0..<classes).contains(blank), "ctcLoss: blank \(blank) outside 0..<\(classes)")
    let padded = targets.shape.count == 2 || (unbatched && targets.shape.count == 1)
    let rowLength = targets.shape.last ?? 0
    var offset = 0
    var losses: [Tensor<Scalar>] = []
    for n in 0..<batch {
        let (length, steps) = (targetLengths[n], inputLengths[n])
        precondition(steps >= 1 && steps <= frames, "ctcLoss: input length \(steps) outside 1...\(frames)")
        let start = padded ? n * rowLength : offset
        precondition(length >= 0 && start + length <= targets.indices.count, "ctcLoss: target length \(length) too long")
        let labels = Array(targets.indices[start..<(start + length)])
        offset += length
        precondition(labels.allSatisfy { (0..<classes).contains($0) && $0 != blank }, "ctcLoss: labels must be in 0..<\(classes), not blank")
        let frameLogProbs = lp.sliced(dim: 1, n..<(n + 1)).reshaped([frames, classes]).sliced(dim: 0, 0..<steps)
        var loss = ctcNegativeLogLikelihood(frameLogProbs, labels: labels, blank: blank)
        if loss.item > Scalar(1e29) {
            losses.append(Tensor(zeroInfinity ? 0 : Scalar.infinity))
            continue
        }
        let probabilities = frameLogProbs.exp()
        loss = loss + (probabilities - probabilities.detached()).sum()  // PyTorch's e^{lp} gradient term
        if reduction == .mean { loss = loss / Scalar(Swift.max(length, 1)) }
        losses.append(loss)
    }
    let stacked = Tensor.stack(losses)
    switch reduction {
    case .none: return unbatched ? stacked.reshaped([]) : stacked
    case .sum: return stacked.sum()
    case .mean: return stacked.mean()
    }
}

/// `−log p(labels | frames)` by the CTC forward recursion over `logProbs` `[T, C]`; about
/// `10³⁰` when no alignment exists.
private func ctcNegativeLogLikelihood<Scalar>(_ logProbs: Tensor<Scalar>, labels: [Int], blank: Int) -> Tensor<Scalar> {
    let unreachable = Scalar(-1e30)
    var extended = [blank]
    for label in labels { extended += [label, blank] }
    let states = extended.count
    // Skipping a blank (s − 2 → s) is allowed onto a label that differs from the one before.
    let skip = (0..<states).map { s in s >= 2 && extended[s] != blank && extended[s] != extended[s - 2] ? Scalar(0) : unreachable }
    let skipMask = Tensor(skip, shape: [states])
    let emissions = logProbs.indexSelected(dim: 1, extended)  // [T, S]
    let frame = { (t: Int) in emissions.sliced(dim: 0, t..<(t + 1)).reshaped([states]) }
    var initial = [Scalar](repeating: unreachable, count: states)
    initial[0] = 0
    if states > 1 { initial[1] = 0 }
    var alpha = frame(0) + Tensor(initial, shape: [states])
    for t in 1..<logProbs.shape[0] {
        var candidates = [alpha]
        if states > 1 {
            candidates.append(Tensor.concat([Tensor([unreachable]), alpha.sliced(dim: 0, 0..<(states - 1))]))
        }
        if states > 2 {
            candidates.append(Tensor.concat([Tensor([unreachable, unreachable]), alpha.sliced(dim: 0, 0..<(states - 2))]) + skipMask)
        }
        alpha = (candidates.count == 1 ? alpha : Tensor.stack(candidates).logSumExp(dim: 0)) + frame(t)
    }
    let final = states > 1 ? alpha.sliced(dim: 0, (states - 2)..<states).logSumExp(dim: 0) : alpha.reshaped([])
    return -final
}
