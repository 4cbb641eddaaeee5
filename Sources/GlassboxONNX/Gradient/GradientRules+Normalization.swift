import Glassbox
import GlassboxIO

// Gradient rules of the normalisations. BatchNormalization (inference) is written out as
// `(x − mean)/√(var + ε)·scale + bias`, so that the running statistics — initializers of the
// graph — get gradients too; LayerNormalization, RMSNormalization, InstanceNormalization and
// GroupNormalization use Glassbox's fused ops where the scale has their shape (LayerNorm is
// written out when its Mean and InvStdDev outputs are asked for).

/// `t` ([C]) shaped to broadcast against an `[N, C, …]` input of rank `rank`.
private func channelShaped<Scalar>(_ t: Tensor<Scalar>, rank: Int) -> Tensor<Scalar> {
    t.reshaped([1, t.count] + [Int](repeating: 1, count: max(rank - 2, 0)))
}

private func batchNormalizationRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let trainingOutputs = c.plain.node.outputs.dropFirst().contains { !$0.isEmpty }
    if c.plain.int("training_mode", 0) != 0 || trainingOutputs { throw c.fail("no gradient for training-mode BatchNormalization") }
    let x = try c.tensor(0)
    let scale = try c.tensor(1), bias = try c.tensor(2), mean = try c.tensor(3), variance = try c.tensor(4)
    let eps = Scalar(c.plain.float("epsilon", 1e-5))
    let r = x.rank
    let normalized = (x - channelShaped(mean, rank: r)) / (channelShaped(variance, rank: r) + eps).sqrt()
    return [normalized * channelShaped(scale, rank: r) + channelShaped(bias, rank: r)]
}

/// `x` averaged over `axes` (each kept, size 1).
private func mean<Scalar>(_ x: Tensor<Scalar>, over axes: Range<Int>) -> Tensor<Scalar> {
    axes.reversed().reduce(x) { $0.mean(dim: $1, keepDim: true) }
}

private func layerNormalizationRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x = try c.tensor(0)
    let axis = try normalizeAxis(c.plain.int("axis", -1), x.rank, c.plain)
    let eps = c.plain.float("epsilon", 1e-5)
    let normalizedShape = Array(x.shape[axis...])
    let scale = try c.tensor(1), bias = try c.optionalTensor(2)
    if c.plain.node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {  // Mean and InvStdDev asked for: written out
        let mu = mean(x, over: axis..<x.rank)
        let centered = x - mu
        let invStdDev = 1 / (mean(centered * centered, over: axis..<x.rank) + Scalar(eps)).sqrt()
        let y = centered * invStdDev * scale
        return [bias.map { y + $0 } ?? y, mu, invStdDev]
    }
    if scale.shape == normalizedShape && (bias == nil || bias!.shape == normalizedShape) {
        return [layerNorm(x, normalizedShape: normalizedShape, weight: scale, bias: bias, eps: eps)]
    }
    let y = layerNorm(x, normalizedShape: normalizedShape, eps: eps) * scale
    return [bias.map { y + $0 } ?? y]
}

private func rmsNormalizationRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x = try c.tensor(0), scale = try c.tensor(1)
    let axis = try normalizeAxis(c.plain.int("axis", -1), x.rank, c.plain)
    let eps = c.plain.float("epsilon", 1e-5)
    let normalizedShape = Array(x.shape[axis...])
    if scale.shape == normalizedShape { return [rmsNorm(x, normalizedShape: normalizedShape, weight: scale, eps: eps)] }
    return [x / (mean(x * x, over: axis..<x.rank) + Scalar(eps)).sqrt() * scale]
}

private func groupNormalizationRule<Scalar>(_ c: GradientNodeContext<Scalar>) throws -> [Tensor<Scalar>?] {
    let x = try c.tensor(0)
    let groups = c.plain.int("num_groups", 1)
    let channels = x.shape[1]
    var scale = try c.tensor(1), bias = try c.tensor(2)
    if scale.count == groups && groups != channels {  // opset 18: one scale and bias per group
        let perGroup = (0..<channels).map { $0 / (channels / groups) }
        scale = scale.indexSelected(dim: 0, perGroup)
        bias = bias.indexSelected(dim: 0, perGroup)
    }
    return [groupNorm(x, numGroups: groups, weight: scale, bias: bias, eps: c.plain.float("epsilon", 1e-5))]
}

/// The rule of a normalisation op.
func normalizationGradientRule<Scalar: TensorScalar>(_ op: String) -> GradientRule<Scalar>? {
    switch op {
    case "BatchNormalization": return { try batchNormalizationRule($0) }
    case "LayerNormalization": return { try layerNormalizationRule($0) }
    case "InstanceNormalization":
        return { c in
            [instanceNorm(try c.tensor(0), weight: try c.tensor(1), bias: try c.tensor(2), eps: c.plain.float("epsilon", 1e-5))]
        }
    case "GroupNormalization": return { try groupNormalizationRule($0) }
    case "RMSNormalization": return { try rmsNormalizationRule($0) }
    default: return nil
    }
}
