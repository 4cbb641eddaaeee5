import GlassboxKernels

// Batch and group normalisation, like `torch.nn.functional.batch_norm` and `group_norm`, with
// forward and backward side by side. The derivation is in Docs/Normalization.md.
//
// The primitive `batchNorm` normalises a tensor viewed as [outer, C, inner] per channel with the
// statistics of that channel's outer·inner elements, optionally followed by a per-channel
// affine map. One fused kernel computes the statistics and the output; the backward is a fused
// kernel too when only first derivatives are wanted; when the backward is itself recorded
// (`backward(createGraph: true)`) autograd differentiates the same function written with
// differentiable operations (`batchNormComposite`, through `Tensor.recordedFused`), so second
// derivatives flow through the statistics.

extension Tensor {
    /// Per-channel normalisation of `self` viewed as `[outer, channels, inner]` with batch
    /// statistics: `y = (x − μ_c)/√(σ²_c + ε)·weight[c] + bias[c]`, with `μ_c` and the biased
    /// `σ²_c` over the channel's `outer · inner` elements. Returns the output (shaped like
    /// `self`) and the statistics (`[channels]` each, not part of the graph).
    func batchNormalized(
        outer: Int, channels: Int, inner: Int, weight: Tensor?, bias: Tensor?, eps: Double
    ) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        let x = self
        let output = Tensor.empty(shape)
        let mean = Tensor.empty([channels]), variance = Tensor.empty([channels])
        Normalization.forward(
            storage.pointer, output.storage.pointer, mean: mean.storage.pointer, variance: variance.storage.pointer,
            weight: weight?.storage.pointer, bias: bias?.storage.pointer, outer: outer, channels: channels,
            inner: inner, epsilon: Scalar(eps))
        let inputs = [x] + [weight, bias].compactMap { $0 }
        Tensor.recordedFused(.batchNorm, inputs, outputs: [output]) { gradOutputs, _ in
            let dx = Tensor.empty(x.shape), dw = Tensor.empty([channels]), db = Tensor.empty([channels])
            Normalization.backward(
                gradOutputs[0].storage.pointer, x.storage.pointer, mean: mean.storage.pointer,
                variance: variance.storage.pointer, weight: weight?.storage.pointer, gradInput: dx.storage.pointer,
                gradWeight: dw.storage.pointer, gradBias: db.storage.pointer, outer: outer, channels: channels, inner: inner,
                epsilon: Scalar(eps))
            return [dx] + (weight == nil ? [] : [dw]) + (bias == nil ? [] : [db])
        } composite: { tensors in
            var rest = tensors.dropFirst()
            let w = weight == nil ? nil : rest.removeFirst(), b = bias == nil ? nil : rest.removeFirst()
            return [Tensor.batchNormComposite(tensors[0], weight: w, bias: b, outer: outer, channels: channels, inner: inner, eps: Scalar(eps))]
        }
        return (output, mean, variance)
    }

    /// ``batchNormalized(outer:channels:inner:weight:bias:eps:)`` written with differentiable
    /// operations (the statistics computed from `x` in the graph):
    /// `y = (x − μ)·(σ² + ε)^(−1/2)·w + b` per channel, `σ²` biased. Differentiated by autograd
    /// when a gradient of batch normalisation is itself recorded.
    static func batchNormComposite(
        _ x: Tensor, weight: Tensor?, bias: Tensor?, outer: Int, channels: Int, inner: Int, eps: Scalar
    ) -> Tensor {
        let count = Scalar(outer * inner)
        func channelSum(_ t: Tensor) -> Tensor { t.sum(dim: 0, keepDim: true).sum(dim: 2, keepDim: true) }
        let x3 = x.reshaped([outer, channels, inner])
        let centered = x3 - channelSum(x3) / count
        var y = centered * (channelSum(centered * centered) / count + eps).pow(-0.5)
        if let weight { y = y * weight.reshaped([1, channels, 1]) }
        if let bias { y = y + bias.reshaped([1, channels, 1]) }
        return y.reshaped(x.shape)
    }
}

/// Checks a per-channel tensor (`weight`, `bias`, running statistics) of `op`.
private func checkChannelTensor<Scalar>(_ t: Tensor<Scalar>?, _ name: String, channels: Int, op: String, input: [Int]) {
    guard let t else { return }
    precondition(t.shape == [channels], "\(op): \(name) has shape \(t.shape), expected [\(channels)] for input of shape \(input)")
}

/// Batch normalisation of `[N, C, *]` (`[N, C]`, `[N, C, L]`, `[N, C, H, W]`, …), like
/// `torch.nn.functional.batch_norm`.
///
/// - Training (`training: true`): each channel is normalised with the mean and the biased
///   variance of its `N·∏*` elements, `y = (x − μ)/√(σ² + ε)·weight + bias`; the running
///   statistics, when given, are updated in place outside the graph:
///   `running = (1 − momentum)·running + momentum·batch`, with the *unbiased* variance
///   `σ²·M/(M − 1)` (`M` elements per channel) for `runningVar`.
/// - Evaluation (`training: false`): `y = (x − runningMean)/√(runningVar + ε)·weight + bias`
///   (both running statistics are required).
///
/// Backward (training): `∂x = weight·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))`, `∂weight = Σ g·x̂`,
/// `∂bias = Σ g`, per channel; derivatives of any order exist.
///
/// - Parameters:
///   - runningMean, runningVar: `[C]` buffers, or `nil` (training only: no update).
///   - weight, bias: `[C]` affine parameters, or `nil` for none.
///   - momentum: the weight of the batch statistics in the running update.
///   - eps: added to the variance.
public func batchNorm<Scalar>(
    _ input: Tensor<Scalar>, runningMean: Tensor<Scalar>?, runningVar: Tensor<Scalar>?, weight: Tensor<Scalar>? = nil,
    bias: Tensor<Scalar>? = nil, training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5
) -> Tensor<Scalar> {
    precondition(input.rank >= 2, "batchNorm: expected an input of shape [N, C, *], got \(input.shape)")
    let channels = input.shape[1]
    for (t, name) in [(runningMean, "runningMean"), (runningVar, "runningVar"), (weight, "weight"), (bias, "bias")] {
        checkChannelTensor(t, name, channels: channels, op: "batchNorm", input: input.shape)
    }
    let outer = input.shape[0], inner = input.shape.dropFirst(2).reduce(1, *)
    let statisticShape = [1, channels] + [Int](repeating: 1, count: input.rank - 2)
    guard training else {
        guard let runningMean, let runningVar else {
            preconditionFailure("batchNorm: evaluation mode (training: false) needs runningMean and runningVar")
        }
        var scale = (runningVar + Scalar(eps)).pow(-0.5)
        if let weight { scale = scale * weight }
        var shift = -runningMean * scale
        if let bias { shift = shift + bias }
        return input * scale.reshaped(statisticShape) + shift.reshaped(statisticShape)
    }
    let count = outer * inner
    precondition(count > 1, "batchNorm: expected more than 1 value per channel when training, got input of shape \(input.shape)")
    let (output, mean, variance) = input.batchNormalized(
        outer: outer, channels: channels, inner: inner, weight: weight, bias: bias, eps: eps)
    if let runningMean { updateRunningStatistic(runningMean, with: mean, correction: 1, momentum: momentum) }
    if let runningVar {
        updateRunningStatistic(runningVar, with: variance, correction: Double(count) / Double(count - 1), momentum: momentum)
    }
    return output
}

/// `running = (1 − momentum)·running + momentum·correction·batch`, in place, in `Double`.
private func updateRunningStatistic<Scalar>(_ running: Tensor<Scalar>, with batch: Tensor<Scalar>, correction: Double, momentum: Double) {
    let values = batch.scalars
    running.withUnsafeMutableBufferPointer { r in
        for c in r.indices {
            r[c] = Scalar((1 - momentum) * Double(r[c]) + momentum * correction * Double(values[c]))
        }
    }
}

/// Group normalisation of `[N, C, *]`, like `torch.nn.functional.group_norm`: the channels of
/// each sample are split into `numGroups` groups of `C/numGroups`, each group normalised with
/// the mean and biased variance of its elements, then `y·weight[c] + bias[c]` per channel.
///
/// Backward: per group as in ``batchNorm(_:runningMean:runningVar:weight:bias:training:momentum:eps:)``
/// (the normalisation is the same primitive over the view `[1, N·numGroups, C/numGroups·∏*]`),
/// then the affine map's derivatives.
///
/// - Parameters:
///   - numGroups: a divisor of `C`.
///   - weight, bias: `[C]` affine parameters, or `nil` for none.
///   - eps: added to the variance.
///   - activation: an activation applied in the affine map's pass (``channelAffineSiLU(_:weight:bias:)``),
///     the same values as applying it after; `nil` for none.
public func groupNorm<Scalar>(
    _ input: Tensor<Scalar>, numGroups: Int, weight: Tensor<Scalar>? = nil, bias: Tensor<Scalar>? = nil, eps: Double = 1e-5,
    activation: FusedActivation? = nil
) -> Tensor<Scalar> {
    precondition(input.rank >= 2, "groupNorm: expected an input of shape [N, C, *], got \(input.shape)")
    let channels = input.shape[1]
    precondition(
        numGroups > 0 && channels % numGroups == 0,
        "groupNorm: \(channels) channels of input \(input.shape) cannot be split into \(numGroups) groups")
    checkChannelTensor(weight, "weight", channels: channels, op: "groupNorm", input: input.shape)
    checkChannelTensor(bias, "bias", channels: channels, op: "groupNorm", input: input.shape)
    let groups = input.shape[0] * numGroups
    let output = input.batchNormalized(
        outer: 1, channels: groups, inner: input.count / Swift.max(groups, 1), weight: nil, bias: nil, eps: eps
    ).output
    switch activation {
    case nil: return channelAffine(output, weight: weight, bias: bias)
    case .silu: return channelAffineSiLU(output, weight: weight, bias: bias)
    }
}

/// Layer normalisation over the trailing dimensions `normalizedShape`, like
/// `torch.nn.functional.layer_norm`: each of the `N = count / D` rows of `D = ∏ normalizedShape`
/// elements is normalised with its own mean and biased variance,
/// `y = (x − μ)/√(σ² + ε) · weight + bias`, `weight` and `bias` shaped `normalizedShape`.
///
/// One fused kernel pass forward and one backward (the `.layerNorm` op): the same bits as the
/// `batchNorm` primitive on the input viewed as `[1, N, D]` (each row a "channel") followed by
/// the elementwise affine map, which is what a recorded backward differentiates:
/// `∂x = σ⁻¹·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` with `ĝ = g·weight` (means over the row),
/// `∂weight = Σ_rows g·x̂`, `∂bias = Σ_rows g`.
public func layerNorm<Scalar>(
    _ input: Tensor<Scalar>, normalizedShape: [Int], weight: Tensor<Scalar>? = nil, bias: Tensor<Scalar>? = nil,
    eps: Double = 1e-5
) -> Tensor<Scalar> {
    precondition(
        !normalizedShape.isEmpty && input.rank >= normalizedShape.count
            && Array(input.shape.suffix(normalizedShape.count)) == normalizedShape,
        "layerNorm: input shape \(input.shape) does not end in normalizedShape \(normalizedShape)")
    if let weight { precondition(weight.shape == normalizedShape, "layerNorm: weight has shape \(weight.shape), expected \(normalizedShape)") }
    if let bias { precondition(bias.shape == normalizedShape, "layerNorm: bias has shape \(bias.shape), expected \(normalizedShape)") }
    let width = normalizedShape.reduce(1, *)
    precondition(width > 0, "layerNorm: normalizedShape \(normalizedShape) has no elements")
    let rows = input.count / width
    if rows == 0 { return input * 1 }
    return input.layerNormalized(rows: rows, width: width, weight: weight, bias: bias, eps: eps)
}
