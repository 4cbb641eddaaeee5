import GlassboxKernels

/// Every primitive differentiable operation: each one records a graph node under exactly one
/// of these names, and the op catalog must hold an entry for each (a test enforces it).
public enum DifferentiableOp: String, CaseIterable, Sendable {
    // Arithmetic and broadcasting
    case add, subtract, multiply, divide, negate, maximum, pow, powScalar, square
    case expand, sumToShape
    // Elementwise math
    case exp, log, sqrt, tanh, sigmoid, abs, sin, cos, erf, clamp, `where`
    // Activations
    case relu, leakyRelu, elu, gelu, geluTanh, silu, softplus
    // Reductions and normalised exponentials
    case sum, max, logSumExp, softmax, logSoftmax
    // Shape and indexing
    case reshape, permute, slice, pad, concat, indexSelect, indexAdd, gather, scatterAdd
    // Linear algebra
    case matmul, linear
    // Pooling and normalisation
    case maxPool2d, avgPool2d, adaptiveAvgPool2d, avgPool2dBackward, upsampleNearest2d, planeGather, planeScatterAdd
    case batchNorm, layerNorm
    // Resampling along one axis (Ops/Resampling.swift)
    case resampleAxis
    // Convolution
    case conv2d, convTranspose2d, conv2dWeightGradient
    // Attention
    case scaledDotProductAttention
    case multiheadAttention
    case multiheadSelfAttention
    // Recurrent layers: one direction of one layer each (Ops/Recurrent.swift)
    case rnnLayer, lstmLayer, gruLayer
    // Minibatch discrimination's distances between samples (NN/MinibatchDiscrimination.swift)
    case pairwiseL1Distances
    // A per-channel scale and shift, alone or followed by SiLU (Ops/ChannelAffine.swift)
    case channelAffine, channelAffineSiLU
}
