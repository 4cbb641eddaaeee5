import GlassboxKernels

/// An integer tensor: indices for gathering, class labels, `argmax` results.
public struct IndexTensor: Sendable, Equatable {
    /// The size of each dimension.
    public var shape: [Int]
    /// The indices in row-major order.
    public var indices: [Int]

    /// Creates an index tensor; `indices.count` must equal the product of `shape`.
    public init(_ indices: [Int], shape: [Int]) {
        precondition(
            indices.count == shape.reduce(1, *),
            "IndexTensor: \(indices.count) indices do not fill shape \(shape)")
        self.indices = indices
        self.shape = shape
    }

    /// A one-dimensional index tensor.
    public init(_ indices: [Int]) { self.init(indices, shape: [indices.count]) }
}

extension Tensor {
    /// `[outer, axis, inner]` sizes around dimension `d`.
    func split3(_ d: Int) -> (Int, Int, Int) {
        (shape[..<d].reduce(1, *), shape[d], shape[(d + 1)...].reduce(1, *))
    }

    func reducedShape(_ d: Int, keepDim: Bool) -> [Int] {
        var s = shape
        if keepDim { s[d] = 1 } else { s.remove(at: d) }
        return s
    }

    /// Sum along `d` without recording (the kernel behind ``sum(dim:keepDim:)``).
    func sumKernel(dim d: Int, keepDim: Bool) -> Tensor {
        let (outer, axis, inner) = split3(d)
        let out = Tensor.empty(reducedShape(d, keepDim: keepDim))
        Reduction.sum(storage.pointer, out.storage.pointer, outer: outer, axis: axis, inner: inner)
        return out
    }

    /// The sum of all elements (a scalar tensor).
    public func sum() -> Tensor {
        reshaped([count]).sum(dim: 0)
    }

    /// The sum along `dim` (negative counts from the end). Derivative: the gradient broadcast
    /// back over `dim`.
    public func sum(dim: Int, keepDim: Bool = false) -> Tensor {
        let x = self
        let d = Tensor.normalizedDim(dim, rank: rank, op: "sum(dim:)")
        let kept = reducedShape(d, keepDim: true)
        return sumKernel(dim: d, keepDim: keepDim).recorded(.sum, [x]) { g, _ in
            [g.reshaped(kept).expanded(to: x.shape)]
        }
    }

    /// The mean of all elements.
    public func mean() -> Tensor { sum() / Scalar(Swift.max(count, 1)) }

    /// The mean along `dim`.
    public func mean(dim: Int, keepDim: Bool = false) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "mean(dim:)")
        return sum(dim: d, keepDim: keepDim) / Scalar(shape[d])
    }

    /// The variance along `dim`, with Bessel's correction when `unbiased` (PyTorch's default).
    public func variance(dim: Int, unbiased: Bool = true, keepDim: Bool = false) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "variance(dim:)")
        let centered = self - mean(dim: d, keepDim: true)
        let n = shape[d] - (unbiased ? 1 : 0)
        return centered.squared().sum(dim: d, keepDim: keepDim) / Scalar(Swift.max(n, 1))
    }

    /// The maximum along `dim` and the index of its first occurrence. The gradient flows to
    /// that index.
    public func max(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: IndexTensor) {
        let x = self
        let d = Tensor.normalizedDim(dim, rank: rank, op: "max(dim:)")
        let (outer, axis, inner) = split3(d)
        let outShape = reducedShape(d, keepDim: keepDim)
        let values = Tensor.empty(outShape)
        var idx = [Int](repeating: 0, count: outer * inner)
        idx.withUnsafeMutableBufferPointer { ip in
            Reduction.max(storage.pointer, values.storage.pointer, ip.baseAddress!, outer: outer, axis: axis, inner: inner)
        }
        let indices = IndexTensor(idx, shape: outShape)
        let kept = reducedShape(d, keepDim: true)
        values.recorded(.max, [x]) { g, _ in
            [Tensor.zeros(x.shape).scatterAdding(dim: d, index: IndexTensor(idx, shape: kept), source: g.reshaped(kept))]
        }
        return (values, indices)
    }

    /// The minimum along `dim` and the index of its first occurrence.
    public func min(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: IndexTensor) {
        let r = (-self).max(dim: dim, keepDim: keepDim)
        return (-r.values, r.indices)
    }

    /// The largest element (a scalar tensor).
    public func max() -> Tensor { reshaped([count]).max(dim: 0).values }

    /// The smallest element (a scalar tensor).
    public func min() -> Tensor { reshaped([count]).min(dim: 0).values }

    /// The index of the largest element along `dim`.
    public func argmax(dim: Int, keepDim: Bool = false) -> IndexTensor {
        withoutGrad { max(dim: dim, keepDim: keepDim).indices }
    }

    /// `log Σ exp(x)` along `dim`, computed stably. Derivative: `softmax(x)`.
    public func logSumExp(dim: Int, keepDim: Bool = false) -> Tensor {
        let x = self
        let d = Tensor.normalizedDim(dim, rank: rank, op: "logSumExp(dim:)")
        let (outer, axis, inner) = split3(d)
        let out = Tensor.empty(reducedShape(d, keepDim: keepDim))
        GlassboxKernels.Softmax.logSumExp(storage.pointer, out.storage.pointer, outer: outer, axis: axis, inner: inner)
        let kept = reducedShape(d, keepDim: true)
        return out.recorded(.logSumExp, [x]) { g, y in
            [g.reshaped(kept) * (x - y.reshaped(kept)).exp()]
        }
    }

    /// Softmax along `dim`. Derivative: `y ⊙ (g − Σ g⊙y)`.
    public func softmax(dim: Int) -> Tensor {
        let x = self
        let d = Tensor.normalizedDim(dim, rank: rank, op: "softmax(dim:)")
        let (outer, axis, inner) = split3(d)
        let out = Tensor.empty(shape)
        GlassboxKernels.Softmax.forward(storage.pointer, out.storage.pointer, outer: outer, axis: axis, inner: inner, log: false)
        return out.recorded(.softmax, [x]) { g, y in
            [y * (g - (g * y).sum(dim: d, keepDim: true))]
        }
    }

    /// Log-softmax along `dim`. Derivative: `g − softmax(x)·Σ g`.
    public func logSoftmax(dim: Int) -> Tensor {
        let x = self
        let d = Tensor.normalizedDim(dim, rank: rank, op: "logSoftmax(dim:)")
        let (outer, axis, inner) = split3(d)
        let out = Tensor.empty(shape)
        GlassboxKernels.Softmax.forward(storage.pointer, out.storage.pointer, outer: outer, axis: axis, inner: inner, log: true)
        return out.recorded(.logSoftmax, [x]) { g, y in
            [g - y.exp() * g.sum(dim: d, keepDim: true)]
        }
    }
}
