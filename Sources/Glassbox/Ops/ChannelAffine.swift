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
