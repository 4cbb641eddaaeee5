// 1-d and 3-d pooling, adaptive max pooling and power-average (LP) pooling, built on the 2-d
// primitives of Ops/Pooling.swift and on `indexSelect` + `max(dim:)`, so that every backward
// (and derivatives of any order) comes from those:
// - 1-d: the 2-d op on a height-1 image.
// - 3-d: max and average pooling are separable — the window is a box, its maximum is the maximum
//   over depth of the maxima over (height, width), its average the average over depth of the
//   averages over (height, width), because every divisor PyTorch uses is a product of per-axis
//   window lengths. So 3-d = the 2-d op on the (H, W) planes, then the 2-d op with a (k, 1)
//   window on (D, H'·W').
// - adaptive max: per axis, the bins `⌊i·n/m⌋ ..< ⌈(i + 1)·n/m⌉` gathered into a `[m, longest]`
//   block (short bins repeat their last element, which does not change a maximum) and reduced
//   with `max(dim:)`.
// The math is in Docs/Pooling.md.

/// Checks `input` has rank `dimensions + 1` or `dimensions + 2` with non-empty spatial sizes.
private func checkPoolingInput<Scalar>(_ input: Tensor<Scalar>, dimensions: Int, op: String) {
    precondition(
        (input.rank == dimensions + 1 || input.rank == dimensions + 2) && input.shape.suffix(dimensions).allSatisfy { $0 > 0 },
        "\(op): expected an input of rank \(dimensions + 2) (batched) or \(dimensions + 1) with non-empty spatial sizes, got shape \(input.shape)")
}

/// 1-D max pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.functional.max_pool1d`
/// (``maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`` on a height-1 image).
public func maxPool1d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false
) -> Tensor<Scalar> {
    checkPoolingInput(input, dimensions: 1, op: "maxPool1d")
    let y = maxPool2d(
        input.unsqueezed(input.rank - 1), kernelSize: (1, kernelSize), stride: (1, stride ?? kernelSize),
        padding: (0, padding), dilation: (1, dilation), ceilMode: ceilMode)
    return y.squeezed(y.rank - 2)
}

/// 1-D average pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.functional.avg_pool1d`.
public func avgPool1d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
    countIncludePad: Bool = true
) -> Tensor<Scalar> {
    checkPoolingInput(input, dimensions: 1, op: "avgPool1d")
    let y = avgPool2d(
        input.unsqueezed(input.rank - 1), kernelSize: (1, kernelSize), stride: (1, stride ?? kernelSize),
        padding: (0, padding), ceilMode: ceilMode, countIncludePad: countIncludePad)
    return y.squeezed(y.rank - 2)
}

/// Adaptive 1-D average pooling to `outputSize`, like `torch.nn.functional.adaptive_avg_pool1d`.
public func adaptiveAvgPool1d<Scalar>(_ input: Tensor<Scalar>, outputSize: Int) -> Tensor<Scalar> {
    checkPoolingInput(input, dimensions: 1, op: "adaptiveAvgPool1d")
    let y = adaptiveAvgPool2d(input.unsqueezed(input.rank - 1), outputSize: (1, outputSize))
    return y.squeezed(y.rank - 2)
}

/// Views a `[N, C, D, H, W]` or `[C, D, H, W]` input as `[N·C·D]` planes, applies `planar` (a
/// 2-d pooling of the `(H, W)` planes), then `depth` (a 2-d pooling with a `(k, 1)` window of
/// `[N·C, 1, D, H'·W']`), and restores the layout.
private func separable3d<Scalar>(
    _ input: Tensor<Scalar>, op: String, planar: (Tensor<Scalar>) -> Tensor<Scalar>, depth: (Tensor<Scalar>) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    checkPoolingInput(input, dimensions: 3, op: op)
    let x = input.rank == 5 ? input : input.unsqueezed(0)
    let (n, c, d, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    let planes = planar(x.reshaped([n, c * d, h, w]))
    let (oh, ow) = (planes.shape[2], planes.shape[3])
    let pooled = depth(planes.reshaped([n * c, 1, d, oh * ow]))
    let y = pooled.reshaped([n, c, pooled.shape[2], oh, ow])
    return input.rank == 5 ? y : y.squeezed(0)
}

/// 3-D max pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like
/// `torch.nn.functional.max_pool3d`: each output is the largest element of its
/// `kernelSize` box (elements `dilation` apart, starting `padding` before the input; padding never
/// wins). Sizes are `[depth, height, width]` (one entry means all three); output sizes as in
/// ``maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`` per axis. Computed separably
/// (the (H, W) maxima, then the maximum over depth); the gradient goes to the maximum's position.
public func maxPool3d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], dilation: [Int] = [1],
    ceilMode: Bool = false
) -> Tensor<Scalar> {
    let k = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "maxPool3d")
    let s = expandedSizes(stride ?? k, count: 3, name: "stride", op: "maxPool3d")
    let p = expandedSizes(padding, count: 3, name: "padding", op: "maxPool3d")
    let d = expandedSizes(dilation, count: 3, name: "dilation", op: "maxPool3d")
    return separable3d(
        input, op: "maxPool3d",
        planar: {
            maxPool2d($0, kernelSize: (k[1], k[2]), stride: (s[1], s[2]), padding: (p[1], p[2]), dilation: (d[1], d[2]), ceilMode: ceilMode)
        },
        depth: { maxPool2d($0, kernelSize: (k[0], 1), stride: (s[0], 1), padding: (p[0], 0), dilation: (d[0], 1), ceilMode: ceilMode) })
}

/// 3-D average pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like
/// `torch.nn.functional.avg_pool3d`: each output is the sum over its box (clipped to the input)
/// divided by `divisorOverride`, or by the box's size counting padding (`countIncludePad`) or not.
/// Both sizes are products of per-axis lengths, so the op is the (H, W) average followed by the
/// depth average (with `divisorOverride`: the (H, W) sum, then the depth sum over the divisor).
public func avgPool3d<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0], ceilMode: Bool = false,
    countIncludePad: Bool = true, divisorOverride: Int? = nil
) -> Tensor<Scalar> {
    let k = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "avgPool3d")
    let s = expandedSizes(stride ?? k, count: 3, name: "stride", op: "avgPool3d")
    let p = expandedSizes(padding, count: 3, name: "padding", op: "avgPool3d")
    return separable3d(
        input, op: "avgPool3d",
        planar: {
            avgPool2d(
                $0, kernelSize: (k[1], k[2]), stride: (s[1], s[2]), padding: (p[1], p[2]), ceilMode: ceilMode,
                countIncludePad: countIncludePad, divisorOverride: divisorOverride == nil ? nil : 1)
        },
        depth: {
            avgPool2d(
                $0, kernelSize: (k[0], 1), stride: (s[0], 1), padding: (p[0], 0), ceilMode: ceilMode,
                countIncludePad: countIncludePad, divisorOverride: divisorOverride)
        })
}

/// Adaptive 3-D average pooling, like `torch.nn.functional.adaptive_avg_pool3d`: bins per axis
/// as in ``adaptiveAvgPool2d(_:outputSize:)``; `outputSize` is `[depth, height, width]` (one
/// entry for all three), `nil` keeping that input size.
public func adaptiveAvgPool3d<Scalar>(_ input: Tensor<Scalar>, outputSize: [Int?]) -> Tensor<Scalar> {
    let size = outputSize.count == 1 ? [outputSize[0], outputSize[0], outputSize[0]] : outputSize
    precondition(size.count == 3, "adaptiveAvgPool3d: outputSize \(outputSize) must have 1 or 3 entries")
    return separable3d(
        input, op: "adaptiveAvgPool3d", planar: { adaptiveAvgPool2d($0, outputSize: (size[1], size[2])) },
        depth: { adaptiveAvgPool2d($0, outputSize: (size[0], nil)) })
}

/// Adaptive max pooling of the last `outputSize.count` dimensions (1, 2 or 3), like
/// `torch.nn.functional.adaptive_max_pool1d/2d/3d` (without indices): output `i` along an axis of
/// input size `n` and output size `m` is the maximum over positions `⌊i·n/m⌋ ..< ⌈(i + 1)·n/m⌉`
/// (the box is the product of the per-axis bins). `nil` keeps that input size. The input is
/// batched or unbatched (rank `k + 2` or `k + 1` for `k` pooled dimensions). The gradient goes to
/// the maximum's position.
public func adaptiveMaxPool<Scalar>(_ input: Tensor<Scalar>, outputSize: [Int?]) -> Tensor<Scalar> {
    let k = outputSize.count
    precondition((1...3).contains(k), "adaptiveMaxPool: outputSize \(outputSize) must have 1, 2 or 3 entries")
    checkPoolingInput(input, dimensions: k, op: "adaptiveMaxPool\(k)d")
    var y = input
    for (i, size) in outputSize.enumerated() {
        let dim = input.rank - k + i
        let n = input.shape[dim]
        let m = size ?? n
        precondition(m > 0, "adaptiveMaxPool\(k)d: outputSize must be positive, got \(outputSize)")
        let bins = (0..<m).map { j in (j * n / m, ((j + 1) * n + m - 1) / m) }
        let longest = bins.map { $0.1 - $0.0 }.max()!
        let indices = bins.flatMap { start, end in (0..<longest).map { Swift.min(start + $0, end - 1) } }
        var shape = y.shape
        shape.replaceSubrange(dim...dim, with: [m, longest])
        y = y.indexSelected(dim: dim, indices).reshaped(shape).max(dim: dim + 1).values
    }
    return y
}

/// Power-average pooling over `[N, C, L]` or `[C, L]`, like `torch.nn.functional.lp_pool1d`:
/// `(Σ_window x^p)^(1/p)`, computed as PyTorch does, `(kernel · avg_pool1d(x^p))^(1/p)` (so
/// windows clipped in ceil mode are rescaled to the full kernel). No padding.
public func lpPool1d<Scalar>(
    _ input: Tensor<Scalar>, normType: Scalar, kernelSize: Int, stride: Int? = nil, ceilMode: Bool = false
) -> Tensor<Scalar> {
    precondition(normType != 0, "lpPool1d: normType must be non-zero")
    let average = avgPool1d(input.pow(normType), kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    return (average * Scalar(kernelSize)).pow(1 / normType)
}

/// Power-average pooling over `[N, C, H, W]` or `[C, H, W]`, like
/// `torch.nn.functional.lp_pool2d`: `(kH·kW · avg_pool2d(x^p))^(1/p)`. No padding.
public func lpPool2d<Scalar>(
    _ input: Tensor<Scalar>, normType: Scalar, kernelSize: (Int, Int), stride: (Int, Int)? = nil, ceilMode: Bool = false
) -> Tensor<Scalar> {
    precondition(normType != 0, "lpPool2d: normType must be non-zero")
    let average = avgPool2d(input.pow(normType), kernelSize: kernelSize, stride: stride, ceilMode: ceilMode)
    return (average * Scalar(kernelSize.0 * kernelSize.1)).pow(1 / normType)
}

/// Power-average pooling over `[N, C, D, H, W]` or `[C, D, H, W]`, like
/// `torch.nn.functional.lp_pool3d`: `(kD·kH·kW · avg_pool3d(x^p))^(1/p)`. No padding.
public func lpPool3d<Scalar>(
    _ input: Tensor<Scalar>, normType: Scalar, kernelSize: [Int], stride: [Int]? = nil, ceilMode: Bool = false
) -> Tensor<Scalar> {
    precondition(normType != 0, "lpPool3d: normType must be non-zero")
    let kernel = expandedSizes(kernelSize, count: 3, name: "kernelSize", op: "lpPool3d")
    let average = avgPool3d(input.pow(normType), kernelSize: kernel, stride: stride, ceilMode: ceilMode)
    return (average * Scalar(kernel.reduce(1, *))).pow(1 / normType)
}
