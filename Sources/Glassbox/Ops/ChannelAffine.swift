import GlassboxKernels

/// The per-channel affine map `y[n, c, …] = x[n, c, …]·weight[c] + bias[c]` of `[N, C, *]`
/// (either parameter may be absent), as one fused op: what follows a normalisation whose
/// statistics are not per channel (``groupNorm(_:numGroups:weight:bias:eps:)``). Gradients:
/// `∂x = g·weight[c]`, `∂weight[c] = Σ_{n,…} g·x`, `∂bias[c] = Σ_{n,…} g`; the same values as
/// `x * weight.reshaped([1, C, 1, …]) + bias.reshaped(…)`, in one pass each way.
public func channelAffine<Scalar>(_ input: Tensor<Scalar>, weight: Tensor<Scalar>?, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
    precondition(input.rank >= 2, "channelAffine: expected an input of shape [N, C, *], got \(input.shape)")
    let channels = input.shape[1]
    for (name, t) in [("weight", weight), ("bias", bias)] {
        if let t {
            precondition(t.shape == [channels], "channelAffine: \(name) has shape \(t.shape), expected [\(channels)] for input of shape \(input.shape)")
        }
    }
    if weight == nil && bias == nil { return input }
    let outer = input.shape[0], inner = input.count / Swift.max(outer * channels, 1)
    let output = Tensor<Scalar>.empty(input.shape)
    ChannelAffine.forward(
        input.storage.pointer, output.storage.pointer, weight: weight?.storage.pointer, bias: bias?.storage.pointer,
        outer: outer, channels: channels, inner: inner)
    let inputs = [input] + [weight, bias].compactMap { $0 }
    let parameterShape = [1, channels] + [Int](repeating: 1, count: input.rank - 2)
    return Tensor.recordedFused(.channelAffine, inputs, outputs: [output]) { gradOutputs, _ in
        let g = gradOutputs[0]
        let dx = input.requiresGrad ? Tensor<Scalar>.empty(input.shape) : nil
        let dWeight = weight.flatMap { $0.requiresGrad ? Tensor<Scalar>.empty([channels]) : nil }
        let dBias = bias.flatMap { $0.requiresGrad ? Tensor<Scalar>.empty([channels]) : nil }
        ChannelAffine.backward(
            input.storage.pointer, g.storage.pointer, weight: weight?.storage.pointer, dx: dx?.storage.pointer,
            dWeight: dWeight?.storage.pointer, dBias: dBias?.storage.pointer, outer: outer, channels: channels, inner: inner)
        return [dx] + (weight == nil ? [] : [dWeight]) + (bias == nil ? [] : [dBias])
    } composite: { inputs in
        var y = inputs[0]
        var next = 1
        if weight != nil {
            y = y * inputs[next].reshaped(parameterShape)
            next += 1
        }
        if bias != nil { y = y + inputs[next].reshaped(parameterShape) }
        return [y]
    }[0]
}

/// An activation applied in the same kernel pass as a normalisation's affine map
/// (``groupNorm(_:numGroups:weight:bias:eps:activation:)``, ``GroupNorm``).
public enum FusedActivation: String, Sendable {
    /// `x·σ(x)`, as ``Tensor/silu()``.
    case silu
}

/// `silu(channelAffine(input, weight: weight, bias: bias))` as one fused op: the per-channel
/// affine map `z = x·weight[c] + bias[c]` of `[N, C, *]`, then `z·σ(z)`. Gradients:
/// `∂z = g·σ(z)·(1 + z·(1 − σ(z)))`, `∂x = ∂z·weight[c]`, `∂weight[c] = Σ ∂z·x`,
/// `∂bias[c] = Σ ∂z`. The same bits as the two ops in a row (forward and every gradient, for
/// every thread count), in one pass each way; `z` is recomputed in the backward rather than
/// kept. Without a weight or a bias it is the two ops in a row.
public func channelAffineSiLU<Scalar>(_ input: Tensor<Scalar>, weight: Tensor<Scalar>?, bias: Tensor<Scalar>?) -> Tensor<Scalar> {
    guard let weight, let bias else { return channelAffine(input, weight: weight, bias: bias).silu() }
    precondition(input.rank >= 2, "channelAffineSiLU: expected an input of shape [N, C, *], got \(input.shape)")
    let channels = input.shape[1]
    for (name, t) in [("weight", weight), ("bias", bias)] {
        precondition(t.shape == [channels], "channelAffineSiLU: \(name) has shape \(t.shape), expected [\(channels)] for input of shape \(input.shape)")
    }
    let outer = input.shape[0], inner = input.count / Swift.max(outer * channels, 1)
    let output = Tensor<Scalar>.empty(input.shape)
    ChannelAffine.forwardSiLU(
        input.storage.pointer, output.storage.pointer, weight: weight.storage.pointer, bias: bias.storage.pointer,
        outer: outer, channels: channels, inner: inner)
    let parameterShape = [1, channels] + [Int](repeating: 1, count: input.rank - 2)
    return Tensor.recordedFused(.channelAffineSiLU, [input, weight, bias], outputs: [output]) { gradOutputs, _ in
        let g = gradOutputs[0]
        let dx = input.requiresGrad ? Tensor<Scalar>.empty(input.shape) : nil
        let dWeight = weight.requiresGrad ? Tensor<Scalar>.empty([channels]) : nil
        let dBias = bias.requiresGrad ? Tensor<Scalar>.empty([channels]) : nil
        ChannelAffine.backwardSiLU(
            input.storage.pointer, g.storage.pointer, weight: weight.storage.pointer, bias: bias.storage.pointer,
            dx: dx?.storage.pointer, dWeight: dWeight?.storage.pointer, dBias: dBias?.storage.pointer,
            outer: outer, channels: channels, inner: inner)
        return [dx, dWeight, dBias]
    } composite: { inputs in
        let z = inputs[0] * inputs[1].reshaped(parameterShape) + inputs[2].reshaped(parameterShape)
        return [z * z.sigmoid()]
    }[0]
}
