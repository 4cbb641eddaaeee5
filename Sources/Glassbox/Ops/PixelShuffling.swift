import GlassboxKernels

// Pixel shuffle, pixel unshuffle and channel shuffle, like `torch.nn.functional.pixel_shuffle`,
// `pixel_unshuffle` and `channel_shuffle`: each a reshape, a permutation and a reshape, so the
// backward is the inverse permutation (derivatives of any order exist).

/// Rearranges `[*, C·r², H, W]` into `[*, C, H·r, W·r]`, like
/// `torch.nn.functional.pixel_shuffle`: `y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w]`.
/// Backward: ``pixelUnshuffle(_:downscaleFactor:)`` of the gradient.
public func pixelShuffle<Scalar>(_ input: Tensor<Scalar>, upscaleFactor r: Int) -> Tensor<Scalar> {
    precondition(r > 0, "pixelShuffle: upscaleFactor must be positive, got \(r)")
    precondition(
        input.rank >= 3 && input.shape[input.rank - 3] % (r * r) == 0,
        "pixelShuffle: expected an input of shape [*, C·\(r * r), H, W] (3 dimensions or more), got \(input.shape)")
    let leading = Array(input.shape.dropLast(3)), batch = leading.reduce(1, *)
    let (c, h, w) = (input.shape[input.rank - 3] / (r * r), input.shape[input.rank - 2], input.shape[input.rank - 1])
    return input.reshaped([batch, c, r, r, h, w]).permuted([0, 1, 4, 2, 5, 3]).reshaped(leading + [c, h * r, w * r])
}

/// Rearranges `[*, C, H·r, W·r]` into `[*, C·r², H, W]`, like
/// `torch.nn.functional.pixel_unshuffle` (the inverse of ``pixelShuffle(_:upscaleFactor:)``).
public func pixelUnshuffle<Scalar>(_ input: Tensor<Scalar>, downscaleFactor r: Int) -> Tensor<Scalar> {
    precondition(r > 0, "pixelUnshuffle: downscaleFactor must be positive, got \(r)")
    precondition(
        input.rank >= 3 && input.shape[input.rank - 2] % r == 0 && input.shape[input.rank - 1] % r == 0,
        "pixelUnshuffle: expected an input of shape [*, C, H·\(r), W·\(r)] (3 dimensions or more), got \(input.shape)")
    let leading = Array(input.shape.dropLast(3)), batch = leading.reduce(1, *)
    let (c, h, w) = (input.shape[input.rank - 3], input.shape[input.rank - 2] / r, input.shape[input.rank - 1] / r)
    return input.reshaped([batch, c, h, r, w, r]).permuted([0, 1, 3, 5, 2, 4]).reshaped(leading + [c * r * r, h, w])
}

/// Shuffles the channels of `[N, C, *]` across `groups`, like
/// `torch.nn.functional.channel_shuffle`: the channels viewed as `[groups, C/groups]` are
/// transposed, so output channel `j·groups + g` is input channel `g·(C/groups) + j`.
public func channelShuffle<Scalar>(_ input: Tensor<Scalar>, groups: Int) -> Tensor<Scalar> {
    precondition(groups > 0, "channelShuffle: groups must be positive, got \(groups)")
    precondition(
        input.rank >= 3 && input.shape[1] % groups == 0,
        "channelShuffle: expected an input of shape [N, C, *] (3 dimensions or more) with C divisible by \(groups), got \(input.shape)")
    let (n, c) = (input.shape[0], input.shape[1])
    let inner = input.shape.dropFirst(2).reduce(1, *)
    return input.reshaped([n, groups, c / groups, inner]).permuted([0, 2, 1, 3]).reshaped(input.shape)
}
