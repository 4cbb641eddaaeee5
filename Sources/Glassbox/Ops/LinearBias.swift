import GlassboxKernels

// `x·Wᵀ + b` as one op (`.linear`): the GEMM adds the bias as it writes its tiles (the bits of
// filling the output with the bias rows and adding `x·Wᵀ` with beta = 1, as BLAS's addmm does,
// without that pass over the output), so the bias costs no pass of its own forward,
// and the backward is the matmul's two GEMMs and the column sums of the gradient. A recorded
// backward (`createGraph`) differentiates `batchedMatmul(x, W) + b` instead.

extension Tensor {
    /// `x·Wᵀ + b` for `x` `[rows, in]`, `weight` `[out, in]`, `bias` `[out]`; returns `[rows, out]`.
    static func linearWithBias(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
        let rows = x.shape[0], inFeatures = x.shape[1], outFeatures = weight.shape[0]
        let out = empty([rows, outFeatures])
        GlassboxKernels.gemm(
            .none, .transpose, m: rows, n: outFeatures, k: inFeatures, alpha: 1, a: x.storage.pointer, lda: inFeatures,
            b: weight.storage.pointer, ldb: inFeatures, beta: 0, c: out.storage.pointer, ldc: outFeatures,
            bias: bias.storage.pointer)
        recordedFused(.linear, [x, weight, bias], outputs: [out]) { gradOutputs, _ in
            let g = gradOutputs[0]
            let g3 = g.reshaped([1, rows, outFeatures])
            let gx: Tensor? = x.requiresGrad
                ? batchedMatmul(g3, weight.reshaped([1, outFeatures, inFeatures]), false, false).reshaped(x.shape) : nil
            let gw: Tensor? = weight.requiresGrad
                ? batchedMatmul(g3, x.reshaped([1, rows, inFeatures]), true, false).reshaped(weight.shape) : nil
            let gb: Tensor? = bias.requiresGrad ? g.sum(dim: 0) : nil
            return [gx, gw, gb]
        } composite: { inputs in
            let product = batchedMatmul(
                inputs[0].reshaped([1, rows, inFeatures]), inputs[1].reshaped([1, outFeatures, inFeatures]), false, true)
            return [product.reshaped([rows, outFeatures]) + inputs[2]]
        }
        return out
    }
}
