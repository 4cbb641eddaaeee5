import GlassboxKernels

// Nearest-neighbour upsampling of [N, C, H, W] tensors, like `torch.nn.functional.interpolate`
// with `mode='nearest'`. The forward is a gather by a source map shared by all planes
// (recorded as `upsampleNearest2d`); the backward is `planeScatterAdd` by the same map (see
// Ops/Pooling.swift and Docs/Pooling.md).

/// Nearest upsampling to `outputSize`, with PyTorch's source index per axis (`scale` is the
/// user's scale factor when it is used for the index computation, else `nil`: `in/out`).
func upsampleNearest<Scalar>(_ input: Tensor<Scalar>, outputSize: [Int], scales: [Double?]) -> Tensor<Scalar> {
    let spatial = Array(input.shape.suffix(2))
    precondition(
        outputSize.allSatisfy { $0 > 0 },
        "upsampleNearest: output size \(outputSize) for input of shape \(input.shape) must be positive")
    let rows = Pooling.nearestSourceIndices(input: spatial[0], output: outputSize[0], scaleFactor: scales[0])
    let columns = Pooling.nearestSourceIndices(input: spatial[1], output: outputSize[1], scaleFactor: scales[1])
    var indices: [Int32] = []
    indices.reserveCapacity(outputSize[0] * outputSize[1])
    for r in rows {
        for c in columns { indices.append(Int32(truncatingIfNeeded: r * spatial[1] + c)) }
    }
    let map = PlaneIndexMap(inputSize: spatial, outputSize: outputSize, indices: indices, shared: true)
    let output = withoutGrad { input.planeGathered(map) }
    return output.recorded(.upsampleNearest2d, [input]) { g, _ in [g.planeScatterAdded(map)] }
}

/// Checks that `input` is `[N, C, H, W]` with non-empty planes.
private func checkUpsamplingInput<Scalar>(_ input: Tensor<Scalar>) {
    precondition(
        input.rank == 4 && input.shape.suffix(2).allSatisfy { $0 > 0 },
        "upsampleNearest: expected a [N, C, H, W] input with non-empty H and W, got shape \(input.shape) (PyTorch reads a 3-D input as [N, C, L], which is not supported)")
}

/// Nearest-neighbour upsampling of `[N, C, H, W]` to `size`, like
/// `torch.nn.functional.interpolate(input, size=size, mode='nearest')`.
///
/// Output position `d` along an axis reads input position `min(⌊d · in/out⌋, in − 1)` (computed in
/// `Float`, as PyTorch does). Backward: each output's gradient is added to the position it read.
public func upsampleNearest<Scalar>(_ input: Tensor<Scalar>, size: (Int, Int)) -> Tensor<Scalar> {
    checkUpsamplingInput(input)
    return upsampleNearest(input, outputSize: [size.0, size.1], scales: [nil, nil])
}

/// ``upsampleNearest(_:size:)`` to a square `size × size`.
public func upsampleNearest<Scalar>(_ input: Tensor<Scalar>, size: Int) -> Tensor<Scalar> {
    upsampleNearest(input, size: (size, size))
}

/// Nearest-neighbour upsampling of `[N, C, H, W]` by `scaleFactor` `(height, width)`, like
/// `torch.nn.functional.interpolate(input, scale_factor=…, mode='nearest',
/// recompute_scale_factor=…)`.
///
/// The output size is `⌊in · scaleFactor⌋` per axis. Output position `d` reads input position
/// `min(⌊d / scaleFactor⌋, in − 1)` (PyTorch's rule when the scale factor is passed on, its
/// default), or `min(⌊d · in/out⌋, in − 1)` when `recomputeScaleFactor` is `true`; the two differ
/// for scale factors such as 1.7 whose output size is not an exact multiple.
public func upsampleNearest<Scalar>(
    _ input: Tensor<Scalar>, scaleFactor: (Double, Double), recomputeScaleFactor: Bool = false
) -> Tensor<Scalar> {
    checkUpsamplingInput(input)
    let scales = [scaleFactor.0, scaleFactor.1]
    precondition(
        scales.allSatisfy { $0 > 0 && $0.isFinite }, "upsampleNearest: scaleFactor must be positive and finite, got \(scales)")
    let spatial = Array(input.shape.suffix(2))
    let size = zip(spatial, scales).map { Int((Double($0) * $1).rounded(.down)) }
    return upsampleNearest(input, outputSize: size, scales: recomputeScaleFactor ? [nil, nil] : scales)
}

/// ``upsampleNearest(_:scaleFactor:recomputeScaleFactor:)`` with the same
/// factor on both axes.
public func upsampleNearest<Scalar>(
    _ input: Tensor<Scalar>, scaleFactor: Double, recomputeScaleFactor: Bool = false
) -> Tensor<Scalar> {
    upsampleNearest(input, scaleFactor: (scaleFactor, scaleFactor), recomputeScaleFactor: recomputeScaleFactor)
}
