import GlassboxKernels

// Sliding-window extraction and its adjoint, like `torch.nn.functional.unfold` (im2col) and
// `fold` (col2im): the input is zero-padded (`pad`), then every window element is gathered by a
// position map shared by all planes (`planeGather`); `fold` scatter-adds by the same map
// (`planeScatterAdd`, in window order, so overlapping windows accumulate deterministically) and
// slices the padding off. Each is the other's adjoint, so the backward of one is the other.

/// The window geometry of ``unfold(_:kernelSize:dilation:padding:stride:)`` and
/// ``fold(_:outputSize:kernelSize:dilation:padding:stride:)`` over an `[H, W]` plane.
struct SlidingWindows {
    let size: [Int]
    let kernel: Size2D, dilation: Size2D, padding: Size2D, stride: Size2D

    var paddedSize: [Int] { [size[0] + 2 * padding.height, size[1] + 2 * padding.width] }
    /// The number of windows along each axis.
    var blocks: [Int] {
        [
            (paddedSize[0] - dilation.height * (kernel.height - 1) - 1) / stride.height + 1,
            (paddedSize[1] - dilation.width * (kernel.width - 1) - 1) / stride.width + 1,
        ]
    }
    var isValid: Bool {
        [kernel, dilation, stride].allSatisfy { $0.height > 0 && $0.width > 0 } && padding.height >= 0 && padding.width >= 0
            && paddedSize[0] >= dilation.height * (kernel.height - 1) + 1 && paddedSize[1] >= dilation.width * (kernel.width - 1) + 1
    }

    /// The padded-plane position of window element `(ki, kj)` of window `(bh, bw)`, for
    /// `[kh·kw, L]` outputs.
    var map: PlaneIndexMap {
        let (kh, kw) = (kernel.height, kernel.width), b = blocks, wp = paddedSize[1]
        var indices: [Int32] = []
        indices.reserveCapacity(kh * kw * b[0] * b[1])
        for ki in 0..<kh {
            for kj in 0..<kw {
                for bh in 0..<b[0] {
                    for bw in 0..<b[1] {
                        let h = bh * stride.height + ki * dilation.height, w = bw * stride.width + kj * dilation.width
                        indices.append(Int32(truncatingIfNeeded: h * wp + w))
                    }
                }
            }
        }
        return PlaneIndexMap(inputSize: paddedSize, outputSize: [kh * kw, b[0] * b[1]], indices: indices, shared: true)
    }
}

/// Extracts sliding windows of `[N, C, H, W]` (or `[C, H, W]`) into columns, like
/// `torch.nn.functional.unfold`: the output `[N, C·kh·kw, L]` holds in row `c·kh·kw + ki·kw + kj`
/// and column `bh·Bw + bw` the zero-padded input at `(bh·sh + ki·dh − ph, bw·sw + kj·dw − pw)`;
/// `L = Bh·Bw` windows, `B = ⌊(in + 2p − d·(k − 1) − 1)/s⌋ + 1` per axis.
/// Backward: ``fold(_:outputSize:kernelSize:dilation:padding:stride:)`` of the gradient.
public func unfold<Scalar>(
    _ input: Tensor<Scalar>, kernelSize: Size2D, dilation: Size2D = 1, padding: Size2D = 0, stride: Size2D = 1
) -> Tensor<Scalar> {
    precondition(
        (input.rank == 3 || input.rank == 4) && input.shape.allSatisfy { $0 > 0 },
        "unfold: expected a non-empty [N, C, H, W] or [C, H, W] input, got shape \(input.shape)")
    let batched = input.rank == 4 ? input : input.unsqueezed(0)
    let geometry = SlidingWindows(
        size: Array(batched.shape.suffix(2)), kernel: kernelSize, dilation: dilation, padding: padding, stride: stride)
    precondition(
        geometry.isValid,
        "unfold: kernelSize \(kernelSize), dilation \(dilation), padding \(padding), stride \(stride) give no window in an input of shape \(input.shape)")
    let (n, c) = (batched.shape[0], batched.shape[1])
    let padded = batched.padded(dim: 2, to: geometry.paddedSize[0], offset: padding.height)
        .padded(dim: 3, to: geometry.paddedSize[1], offset: padding.width)
    let map = geometry.map
    let columns = padded.planeGathered(map).reshaped([n, c * map.outputSize[0], map.outputSize[1]])
    return input.rank == 4 ? columns : columns.squeezed(0)
}

/// Sums columns of sliding windows back into `[N, C, H, W]` (or `[C, H, W]`), like
/// `torch.nn.functional.fold`: the adjoint of ``unfold(_:kernelSize:dilation:padding:stride:)``
/// for `outputSize` `(H, W)`; the input is `[N, C·kh·kw, L]` (or `[C·kh·kw, L]`) with `L` the
/// number of windows. Overlapping window elements add up (in window order).
/// Backward: ``unfold(_:kernelSize:dilation:padding:stride:)`` of the gradient.
public func fold<Scalar>(
    _ input: Tensor<Scalar>, outputSize: Size2D, kernelSize: Size2D, dilation: Size2D = 1, padding: Size2D = 0,
    stride: Size2D = 1
) -> Tensor<Scalar> {
    let geometry = SlidingWindows(
        size: [outputSize.height, outputSize.width], kernel: kernelSize, dilation: dilation, padding: padding, stride: stride)
    precondition(
        outputSize.height > 0 && outputSize.width > 0 && geometry.isValid,
        "fold: outputSize \(outputSize), kernelSize \(kernelSize), dilation \(dilation), padding \(padding), stride \(stride) give no window")
    let k = kernelSize.height * kernelSize.width, blocks = geometry.blocks.reduce(1, *)
    precondition(
        (input.rank == 2 || input.rank == 3) && input.shape[input.rank - 2] % k == 0 && input.shape[input.rank - 2] > 0
            && input.shape[input.rank - 1] == blocks,
        "fold: expected an input of shape [N, C·\(k), \(blocks)] or [C·\(k), \(blocks)], got \(input.shape)")
    let batched = input.rank == 3 ? input : input.unsqueezed(0)
    let (n, c) = (batched.shape[0], batched.shape[1] / k)
    let planes = batched.reshaped([n, c, k, blocks]).planeScatterAdded(geometry.map)
    let image = planes.sliced(dim: 2, padding.height..<(padding.height + outputSize.height))
        .sliced(dim: 3, padding.width..<(padding.width + outputSize.width))
    return input.rank == 3 ? image : image.squeezed(0)
}
