// N-d padding of the trailing dimensions, like `torch.nn.functional.pad`: one op for the four
// modes, used by the padding layers (NN/PaddingLayers.swift) and by the convolutions'
// `paddingMode`. It is composed of differentiable primitives — `slice` and `pad` (zeros) for
// constant padding, `indexSelect` (whose backward is `indexAdd`, and vice versa) for the others —
// so its backward, and derivatives of any order, come from theirs. The math is in Docs/Padding.md.

/// How ``pad(_:_:mode:value:)`` fills the new border, like the `mode` of
/// `torch.nn.functional.pad`.
public enum PaddingMode: String, Sendable, CaseIterable {
    /// A fixed value (`'constant'`; zeros by default).
    case constant
    /// The mirror image without repeating the edge element: `[a b c d]` padded by 2 on the left
    /// gives `[c b a b c d]` (`'reflect'`; the padding must be smaller than the dimension).
    case reflect
    /// Copies of the edge element: `[a a a b c d]` (`'replicate'`).
    case replicate
    /// Wraps around: `[c d a b c d]` (`'circular'`; the padding may not exceed the dimension).
    case circular
}

/// Pads (or, with negative amounts, crops) the trailing dimensions of `input`, like
/// `torch.nn.functional.pad(input, padding, mode, value)`.
///
/// `padding` lists `(before, after)` pairs starting from the **last** dimension, as PyTorch's
/// `pad` does: `[left, right]` pads the last dimension, `[left, right, top, bottom]` the last two,
/// `[left, right, top, bottom, front, back]` the last three. It has an even count of at most
/// `2·rank` entries; dimensions it does not reach are unchanged.
///
/// Along one dimension of size `n` padded by `(b, a)`, output position `j` (`0 ≤ j < n + b + a`)
/// reads input position `p = j − b`, or, outside `0..<n`:
/// - `constant`: `value`;
/// - `reflect`: `−p` below 0 and `2(n − 1) − p` above `n − 1` (needs `b, a < n`);
/// - `replicate`: the nearest edge, `min(max(p, 0), n − 1)`;
/// - `circular`: negative amounts first crop the dimension to `m` elements, then position `p`
///   wraps to `p mod m` (needs `b, a ≤ m`), as PyTorch's `_pad_circular` does.
///
/// A negative `b` or `a` crops (every mode). The backward adds each output gradient to the input
/// position it was read from (padded positions of `constant` mode have none).
public func pad<Scalar>(
    _ input: Tensor<Scalar>, _ padding: [Int], mode: PaddingMode = .constant, value: Scalar = 0
) -> Tensor<Scalar> {
    precondition(
        padding.count % 2 == 0 && padding.count / 2 <= input.rank,
        "pad: padding \(padding) must hold (before, after) pairs for at most the \(input.rank) dimensions of shape \(input.shape)")
    var output = input
    for pair in 0..<(padding.count / 2) {
        let dim = input.rank - 1 - pair
        let (before, after) = (padding[2 * pair], padding[2 * pair + 1])
        if before == 0 && after == 0 { continue }
        output = padDimension(output, dim: dim, before: before, after: after, mode: mode, value: value, padding: padding)
    }
    return output
}

/// Pads one dimension: see ``pad(_:_:mode:value:)``.
private func padDimension<Scalar>(
    _ x: Tensor<Scalar>, dim: Int, before: Int, after: Int, mode: PaddingMode, value: Scalar, padding: [Int]
) -> Tensor<Scalar> {
    let n = x.shape[dim]
    let size = n + before + after
    precondition(
        size > 0,
        "pad: dimension \(dim) of shape \(x.shape) padded by (\(before), \(after)) would have size \(size)")
    switch mode {
    case .constant:
        // Crop the negative sides, then place the rest in zeros, then add the fill value.
        let cropped = x.sliced(dim: dim, Swift.max(-before, 0)..<(n - Swift.max(-after, 0)))
        let offset = Swift.max(before, 0)
        let padded = cropped.padded(dim: dim, to: size, offset: offset)
        if value == 0 { return padded }
        var fillShape = [Int](repeating: 1, count: x.rank)
        fillShape[dim] = size
        let length = cropped.shape[dim]
        let fill = Tensor<Scalar>((0..<size).map { $0 >= offset && $0 < offset + length ? 0 : value }, shape: fillShape)
        return padded + fill
    case .reflect:
        precondition(
            before < n && after < n,
            "pad: reflect padding (\(before), \(after)) must be smaller than dimension \(dim) of shape \(x.shape)")
        let indices = (0..<size).map { j -> Int in
            let p = j - before
            return p < 0 ? -p : (p >= n ? 2 * (n - 1) - p : p)
        }
        return x.indexSelected(dim: dim, indices)
    case .replicate:
        return x.indexSelected(dim: dim, (0..<size).map { Swift.min(Swift.max($0 - before, 0), n - 1) })
    case .circular:
        let cropped = x.sliced(dim: dim, Swift.max(-before, 0)..<(n - Swift.max(-after, 0)))
        let m = cropped.shape[dim]
        precondition(
            m > 0 && before <= m && after <= m,
            "pad: circular padding \(padding) must not exceed dimension \(dim) of shape \(x.shape)")
        let b = Swift.max(before, 0)
        let indices = (0..<(m + b + Swift.max(after, 0))).map { j in ((j - b) % m + m) % m }
        return cropped.indexSelected(dim: dim, indices)
    }
}
