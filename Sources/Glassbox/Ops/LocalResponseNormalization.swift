import GlassboxKernels

// Local response normalisation, like `torch.nn.functional.local_response_norm`, written with
// differentiable tensor operations (pad, slices, sums, powers), so derivatives of any order
// exist. The derivation is in Docs/Normalization.md.

/// Local response normalisation of `[N, C, *]` across channels, like
/// `torch.nn.functional.local_response_norm`:
/// `y[c] = x[c] / (k + α/size · Σ_{c' ∈ W(c)} x[c']²)^β` with the window
/// `W(c) = [c − ⌊size/2⌋, c + ⌊(size − 1)/2⌋] ∩ [0, C)` (the sum always divided by `size`, as
/// PyTorch's zero-padded average pooling does).
///
/// Backward, with `d = k + α/size·S` and `S` the window sum:
/// `∂x[j] = g[j]·d[j]^(−β) − 2·x[j]·(αβ/size)·Σ_{c: j ∈ W(c)} g[c]·x[c]·d[c]^(−β−1)`.
///
/// - Parameters:
///   - size: the number of neighbouring channels summed (≥ 1).
///   - alpha, beta, k: the constants of the formula (PyTorch's defaults 1e-4, 0.75, 1).
public func localResponseNorm<Scalar>(
    _ input: Tensor<Scalar>, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1
) -> Tensor<Scalar> {
    precondition(input.rank >= 3, "localResponseNorm: expected an input of shape [N, C, *] (3 dimensions or more), got \(input.shape)")
    precondition(size > 0, "localResponseNorm: size must be positive, got \(size)")
    let channels = input.shape[1]
    let squares = input * input
    let padded = squares.padded(dim: 1, to: channels + size - 1, offset: size / 2)
    var windowSum = padded.sliced(dim: 1, 0..<channels)
    for j in 1..<size { windowSum = windowSum + padded.sliced(dim: 1, j..<(j + channels)) }
    let divisor = (windowSum * Scalar(alpha / Double(size)) + Scalar(k)).pow(Scalar(beta))
    return input / divisor
}
