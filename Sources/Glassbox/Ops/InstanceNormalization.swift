import GlassboxKernels

// Instance normalisation, like `torch.nn.functional.instance_norm`: the `batchNorm` primitive on
// the input viewed as `[1, N·C, ∏*]` (each sample's channel a "channel" of its own), then the
// per-channel affine map. The derivation is in Docs/Normalization.md.

/// Instance normalisation of `[N, C, *]`, like `torch.nn.functional.instance_norm`.
///
/// - With input statistics (`useInputStats: true`, PyTorch's training mode, or any mode without
///   running statistics): every `(n, c)` slice of `∏*` elements is normalised with its own mean
///   and biased variance, `y = (x − μ_nc)/√(σ²_nc + ε)·weight[c] + bias[c]`. Running statistics,
///   when given, are updated in place outside the graph with the batch average of the slices'
///   statistics: `running = (1 − momentum)·running + momentum·mean_n(stat_nc)`, with the
///   *unbiased* variance `σ²·M/(M − 1)` (`M = ∏*`) for `runningVar`.
/// - Without (`useInputStats: false`): `y = (x − runningMean)/√(runningVar + ε)·weight + bias`,
///   as ``batchNorm(_:runningMean:runningVar:weight:bias:training:momentum:eps:)`` in evaluation.
///
/// Backward (input statistics): per slice as in batch normalisation,
/// `∂x = σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = g·weight[c]`, `∂weight[c] = Σ_{n,*} g·x̂`,
/// `∂bias[c] = Σ_{n,*} g`; derivatives of any order exist.
///
/// - Parameters:
///   - runningMean, runningVar: `[C]` buffers, or `nil`.
///   - weight, bias: `[C]` affine parameters, or `nil` for none.
///   - useInputStats: normalise with each slice's statistics (else with the running ones).
///   - momentum: the weight of the batch statistics in the running update.
///   - eps: added to the variance.
public func instanceNorm<Scalar>(
    _ input: Tensor<Scalar>, runningMean: Tensor<Scalar>? = nil, runningVar: Tensor<Scalar>? = nil,
    weight: Tensor<Scalar>? = nil, bias: Tensor<Scalar>? = nil, useInputStats: Bool = true, momentum: Double = 0.1,
    eps: Double = 1e-5
) -> Tensor<Scalar> {
    precondition(input.rank >= 2, "instanceNorm: expected an input of shape [N, C, *], got \(input.shape)")
    let batch = input.shape[0], channels = input.shape[1]
    for (t, name) in [(runningMean, "runningMean"), (runningVar, "runningVar"), (weight, "weight"), (bias, "bias")] {
        if let t { precondition(t.shape == [channels], "instanceNorm: \(name) has shape \(t.shape), expected [\(channels)] for input of shape \(input.shape)") }
    }
    guard useInputStats else {
        precondition(runningMean != nil && runningVar != nil, "instanceNorm: useInputStats: false needs runningMean and runningVar")
        return batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: false, eps: eps)
    }
    let inner = input.shape.dropFirst(2).reduce(1, *)
    precondition(inner > 1, "instanceNorm: expected more than 1 spatial element per channel, got input of shape \(input.shape)")
    let (normalized, mean, variance) = input.batchNormalized(
        outer: 1, channels: batch * channels, inner: inner, weight: nil, bias: nil, eps: eps)
    var output = normalized
    let parameterShape = [1, channels] + [Int](repeating: 1, count: input.rank - 2)
    if let weight { output = output * weight.reshaped(parameterShape) }
    if let bias { output = output + bias.reshaped(parameterShape) }
    let correction = Double(inner) / Double(inner - 1)
    for (running, statistic, factor) in [(runningMean, mean, 1.0), (runningVar, variance, correction)] {
        guard let running else { continue }
        let values = statistic.scalars
        running.withUnsafeMutableBufferPointer { r in
            for c in 0..<channels {
                var sum = 0.0
                for n in 0..<batch { sum += Double(values[n * channels + c]) }
                r[c] = Scalar((1 - momentum) * Double(r[c]) + momentum * factor * sum / Double(batch))
            }
        }
    }
    return output
}
