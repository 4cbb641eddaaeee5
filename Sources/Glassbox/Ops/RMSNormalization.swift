import GlassboxKernels

// Root-mean-square normalisation, like `torch.nn.functional.rms_norm`, written with
// differentiable tensor operations (so derivatives of any order exist). The derivation is in
// Docs/Normalization.md.

/// RMS normalisation over the trailing dimensions `normalizedShape`, like
/// `torch.nn.functional.rms_norm`: each row of `D = ∏ normalizedShape` elements is divided by
/// its root mean square, `y = x / √(mean(x²) + ε) · weight`.
///
/// Backward, with `r = (mean(x²) + ε)^(−1/2)` and `ĝ = g·weight`:
/// `∂x = r·ĝ − x·r³·mean(ĝ·x)` (means over the row), `∂weight = Σ_rows g·x·r`.
///
/// - Parameters:
///   - weight: shaped `normalizedShape`, or `nil` for none.
///   - eps: added to the mean square; `nil` uses the machine epsilon of `Scalar`
///     (`torch.finfo(dtype).eps`, PyTorch's default).
public func rmsNorm<Scalar>(
    _ input: Tensor<Scalar>, normalizedShape: [Int], weight: Tensor<Scalar>? = nil, eps: Double? = nil
) -> Tensor<Scalar> {
    precondition(
        !normalizedShape.isEmpty && input.rank >= normalizedShape.count
            && Array(input.shape.suffix(normalizedShape.count)) == normalizedShape,
        "rmsNorm: input shape \(input.shape) does not end in normalizedShape \(normalizedShape)")
    if let weight { precondition(weight.shape == normalizedShape, "rmsNorm: weight has shape \(weight.shape), expected \(normalizedShape)") }
    let width = normalizedShape.reduce(1, *)
    precondition(width > 0, "rmsNorm: normalizedShape \(normalizedShape) has no elements")
    let rows = input.count / width
    if rows == 0 { return input * 1 }
    let x = input.reshaped([rows, width])
    let epsilon = eps.map { Scalar($0) } ?? Scalar.ulpOfOne
    var output = (x * ((x * x).mean(dim: 1, keepDim: true) + epsilon).pow(-0.5)).reshaped(input.shape)
    if let weight { output = output * weight }
    return output
}
