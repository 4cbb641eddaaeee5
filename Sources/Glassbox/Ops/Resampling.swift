import GlassboxKernels

// Resampling along axes, like `torch.nn.functional.interpolate`: every mode except `area` is a
// product of one-axis linear maps (`ResamplingTable`: 1 tap per output for nearest, 2 for
// linear, 4 for cubic), applied axis after axis. The primitive `resampleAxis` applies one table
// along one dimension; its backward is the same primitive with the transposed table, so
// derivatives of any order exist. The derivation is in Docs/Resampling.md.

extension Tensor {
    /// Applies the one-axis linear map `table` along `dim`:
    /// `y[…, r, …] = Σ_j weight_j · x[…, source_j, …]` over the taps of output row `r`; `dim` has
    /// size `table.inputSize` and becomes `table.outputSize`.
    ///
    /// Backward: `∂x = resampled(g, dim, table.transposed)` (each input position receives
    /// `weight_j · g` from every output that read it, summed in output order).
    public func resampled(dim: Int, table: ResamplingTable) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "resampled")
        precondition(
            shape[d] == table.inputSize,
            "resampled: dimension \(dim) of shape \(shape) has size \(shape[d]), the table reads \(table.inputSize)")
        var outShape = shape
        outShape[d] = table.outputSize
        let out = Tensor.empty(outShape)
        let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
        Resampling.apply(storage.pointer, out.storage.pointer, outer: outer, inner: inner, table: table)
        return out.recorded(.resampleAxis, [self]) { g, _ in [g.resampled(dim: d, table: table.transposed)] }
    }
}

/// The interpolation modes of `torch.nn.functional.interpolate` and `torch.nn.Upsample`.
public enum InterpolationMode: String, Sendable, CaseIterable {
    /// Nearest neighbour, `src = min(⌊dst·s⌋, in − 1)` (any number of spatial dimensions).
    case nearest
    /// Nearest neighbour with half-pixel centres, `src = min(⌊(dst + 0.5)·s⌋, in − 1)`.
    case nearestExact = "nearest-exact"
    /// Linear interpolation of `[N, C, L]`.
    case linear
    /// Bilinear interpolation of `[N, C, H, W]`.
    case bilinear
    /// Bicubic interpolation of `[N, C, H, W]` (Keys' kernel, `a = −0.75`).
    case bicubic
    /// Trilinear interpolation of `[N, C, D, H, W]`.
    case trilinear
    /// Adaptive average pooling to the output size (any number of spatial dimensions).
    case area

    /// The input rank the mode requires, or `nil` for any of 3, 4 and 5.
    public var requiredRank: Int? {
        switch self {
        case .nearest, .nearestExact, .area: nil
        case .linear: 3
        case .bilinear, .bicubic: 4
        case .trilinear: 5
        }
    }

    /// Whether `align_corners` applies (the interpolating modes).
    public var takesAlignCorners: Bool { ![.nearest, .nearestExact, .area].contains(self) }

    /// The one-axis table of this mode.
    public func table(input: Int, output: Int, alignCorners: Bool, scale: Double?) -> ResamplingTable {
        switch self {
        case .nearest: .nearest(input: input, output: output, scale: scale)
        case .nearestExact: .nearestExact(input: input, output: output, scale: scale)
        case .linear, .bilinear, .trilinear: .linear(input: input, output: output, alignCorners: alignCorners, scale: scale)
        case .bicubic: .cubic(input: input, output: output, alignCorners: alignCorners, scale: scale)
        case .area: .area(input: input, output: output)
        }
    }
}

/// The output size of ``interpolate(_:size:scaleFactor:mode:alignCorners:recomputeScaleFactor:)``
/// for the spatial sizes `spatial`, and the scales passed to the index rule (`nil` when the
/// size is given or `recomputeScaleFactor`): `size` (one entry broadcasts) or
/// `⌊in · scaleFactor⌋` per axis.
public func interpolationGeometry(
    spatial: [Int], size: [Int]?, scaleFactor: [Double]?, recomputeScaleFactor: Bool? = nil
) -> (outputSize: [Int], scales: [Double?]) {
    let n = spatial.count
    func broadcast<T>(_ values: [T], _ name: String) -> [T] {
        precondition(values.count == 1 || values.count == n, "interpolate: \(name) \(values) must have 1 or \(n) entries for \(n) spatial dimensions")
        return values.count == 1 ? Array(repeating: values[0], count: n) : values
    }
    switch (size, scaleFactor) {
    case (let size?, nil):
        return (broadcast(size, "size"), Array(repeating: nil, count: n))
    case (nil, let scaleFactor?):
        let scales = broadcast(scaleFactor, "scaleFactor")
        precondition(scales.allSatisfy { $0 > 0 && $0.isFinite }, "interpolate: scaleFactor must be positive and finite, got \(scales)")
        let outputSize = zip(spatial, scales).map { Int((Double($0) * $1).rounded(.down)) }
        return (outputSize, recomputeScaleFactor == true ? Array(repeating: nil, count: n) : scales)
    default:
        preconditionFailure("interpolate: give exactly one of size and scaleFactor")
    }
}

/// Resamples the spatial dimensions of `[N, C, *]` (one, two or three of them), like
/// `torch.nn.functional.interpolate` (without `antialias`). Mode `area` is adaptive average
/// pooling to the output size (the average of each axis's bin, axis by axis).
///
/// The output size is `size` (one entry broadcasts to every spatial dimension), or
/// `⌊in · scaleFactor⌋` per axis. Each axis is resampled by the mode's ``ResamplingTable``
/// (nearest, nearest-exact, linear or cubic), with PyTorch's source coordinates: the scale of an
/// axis is `(in − 1)/(out − 1)` with `alignCorners`, else `1/scaleFactor` when a scale factor is
/// given and `recomputeScaleFactor` is not `true`, else `in/out`. Modes `linear`, `bilinear`,
/// `bicubic` and `trilinear` need 3-, 4-, 4- and 5-D inputs; `alignCorners` (default `false`) is
/// only for them.
///
/// The axes are resampled last first (PyTorch's summation order). Backward: the transposed
/// tables, axis by axis in reverse order.
public func interpolate<Scalar>(
    _ input: Tensor<Scalar>, size: [Int]? = nil, scaleFactor: [Double]? = nil, mode: InterpolationMode = .nearest,
    alignCorners: Bool? = nil, recomputeScaleFactor: Bool? = nil
) -> Tensor<Scalar> {
    precondition(
        (3...5).contains(input.rank) && input.shape.dropFirst(2).allSatisfy { $0 > 0 },
        "interpolate: expected a [N, C, *] input with 1 to 3 non-empty spatial dimensions, got shape \(input.shape)")
    if let rank = mode.requiredRank {
        precondition(input.rank == rank, "interpolate: mode '\(mode.rawValue)' needs a \(rank)-D input, got shape \(input.shape)")
    }
    precondition(
        alignCorners == nil || mode.takesAlignCorners,
        "interpolate: alignCorners can only be set with the interpolating modes (linear, bilinear, bicubic, trilinear)")
    let spatial = Array(input.shape.dropFirst(2))
    let (outputSize, scales) = interpolationGeometry(
        spatial: spatial, size: size, scaleFactor: scaleFactor, recomputeScaleFactor: recomputeScaleFactor)
    precondition(outputSize.allSatisfy { $0 > 0 }, "interpolate: output size \(outputSize) for input of shape \(input.shape) must be positive")
    if mode == .nearest && input.rank == 4 {
        return upsampleNearest(input, outputSize: outputSize, scales: scales)
    }
    // The last axis first: PyTorch sums Σ_h w_h · (Σ_w w_w · x[h, w]), the same products in the same order.
    var output = input
    for axis in spatial.indices.reversed() {
        let table = mode.table(input: spatial[axis], output: outputSize[axis], alignCorners: alignCorners ?? false, scale: scales[axis])
        output = output.resampled(dim: axis + 2, table: table)
    }
    return output
}
