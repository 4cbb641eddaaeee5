import GlassboxKernels

// Layer normalisation as one fused op (`.layerNorm`): the statistics, the normalisation and the
// affine map in one kernel pass forward and one backward (GlassboxKernels' LayerNormalization),
// the same bits as `batchNorm` on rows followed by the separate multiply and add. A recorded
// backward (`createGraph`) differentiates that composition instead. Derivation:
// Docs/Normalization.md.

extension Tensor {
    /// `y = (x − μ)/√(σ² + ε) · weight + bias` over rows of `width` contiguous elements (see
    /// ``layerNorm(_:normalizedShape:weight:bias:eps:)``), recorded as one `.layerNorm` node.
    func layerNormalized(rows: Int, width: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
        let x = self
        let output = Tensor.empty(shape)
        let mean = Tensor.empty([rows]), inverseStd = Tensor.empty([rows])
        LayerNormalization.forward(
            storage.pointer, output.storage.pointer, mean: mean.storage.pointer, inverseStd: inverseStd.storage.pointer,
            weight: weight?.storage.pointer, bias: bias?.storage.pointer, rows: rows, width: width, epsilon: Scalar(eps))
        let inputs = [x] + [weight, bias].compactMap { $0 }
        Tensor.recordedFused(.layerNorm, inputs, outputs: [output]) { gradOutputs, _ in
            let g = gradOutputs[0]
            precondition(g.count == x.count, "layerNorm: gradient \(g.shape) for input \(x.shape)")
            let dx = Tensor.empty(x.shape)
            let dw = weight.map { Tensor.empty($0.shape) }, db = bias.map { Tensor.empty($0.shape) }
            LayerNormalization.backward(
                g.storage.pointer, x.storage.pointer, mean: mean.storage.pointer, inverseStd: inverseStd.storage.pointer,
                weight: weight?.storage.pointer, gradInput: dx.storage.pointer, gradWeight: dw?.storage.pointer,
                gradBias: db?.storage.pointer, rows: rows, width: width)
            var grads: [Tensor?] = [dx]
            if let dw { grads.append(dw) }
            if let db { grads.append(db) }
            return grads
        } composite: { tensors in
            var rest = tensors.dropFirst()
            let w = weight == nil ? nil : rest.removeFirst(), b = bias == nil ? nil : rest.removeFirst()
            return [Tensor.layerNormComposite(tensors[0], rows: rows, width: width, weight: w, bias: b, eps: eps)]
        }
        return output
    }

    /// Layer normalisation as `batchNorm` on the rows (each row one channel of `[1, rows,
    /// width]`), then `· weight` and `+ bias`: the function the fused kernels compute, with
    /// differentiable operations.
    static func layerNormComposite(_ x: Tensor, rows: Int, width: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
        var output = x.batchNormalized(outer: 1, channels: rows, inner: width, weight: nil, bias: nil, eps: eps).output
        if let weight { output = output * weight }
        if let bias { output = output + bias }
        return output
    }
}
