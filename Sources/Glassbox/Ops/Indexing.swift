import GlassboxKernels

/// Gathering and scattering by integer indices.
extension Tensor {
    /// Rows (or slices) `indices` along `dim`, like `torch.index_select`. Derivative:
    /// scatter-add of the gradient back to those positions.
    public func indexSelected(dim: Int, _ indices: [Int]) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "indexSelected")
        let (outer, axis, inner) = split3(d)
        for i in indices {
            precondition(i >= 0 && i < axis, "indexSelected: index \(i) out of range for dimension \(d) of shape \(shape)")
        }
        var outShape = shape
        outShape[d] = indices.count
        let out = Tensor.empty(outShape)
        Rows.select(storage.pointer, outer: outer, axis: axis, width: inner, indices: indices, into: out.storage.pointer)
        let x = self
        return out.recorded(.indexSelect, [x]) { g, _ in
            [g.indexAdded(dim: d, indices, size: x.shape[d])]
        }
    }

    /// Adds slices of `self` along `dim` into zeros of size `size` at `indices` (the adjoint of
    /// ``indexSelected(dim:_:)``, like `index_add`).
    public func indexAdded(dim: Int, _ indices: [Int], size: Int) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "indexAdded")
        precondition(indices.count == shape[d], "indexAdded: \(indices.count) indices for dimension \(d) of shape \(shape)")
        let (outer, _, inner) = split3(d)
        var outShape = shape
        outShape[d] = size
        for i in indices {
            precondition(i >= 0 && i < size, "indexAdded: index \(i) out of range for size \(size)")
        }
        let out = Tensor.zeros(outShape)
        Rows.add(storage.pointer, outer: outer, width: inner, indices: indices, size: size, into: out.storage.pointer)
        return out.recorded(.indexAdd, [self]) { g, _ in [g.indexSelected(dim: d, indices)] }
    }

    /// Walks every position of `index` (same rank as `self`), calling `body(indexPosition,
    /// selfPosition)` with `self`'s flat position whose `dim` coordinate is replaced by the
    /// index value.
    private func forEachIndexed(dim d: Int, _ index: IndexTensor, _ op: String, _ body: (Int, Int) -> Void) {
        precondition(index.shape.count == rank, "\(op): index of shape \(index.shape) for tensor of shape \(shape)")
        for k in 0..<rank where k != d {
            precondition(index.shape[k] <= shape[k], "\(op): index shape \(index.shape) exceeds tensor shape \(shape)")
        }
        let strides = Tensor.contiguousStrides(shape)
        var position = [Int](repeating: 0, count: rank)
        for (flat, value) in index.indices.enumerated() {
            precondition(value >= 0 && value < shape[d], "\(op): index \(value) out of range for dimension \(d) of shape \(shape)")
            var offset = 0
            for k in 0..<rank { offset += (k == d ? value : position[k]) * strides[k] }
            body(flat, offset)
            var k = rank - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < index.shape[k] { break }
                position[k] = 0
                k -= 1
            }
        }
    }

    /// `out[i][j] = self[index[i][j]][j]` for `dim` 0 (and likewise for any dim), like
    /// `torch.gather`. Derivative: scatter-add.
    public func gathered(dim: Int, index: IndexTensor) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "gathered")
        let out = Tensor.empty(index.shape)
        let src = storage.pointer, dst = out.storage.pointer
        forEachIndexed(dim: d, index, "gathered") { i, s in dst[i] = src[s] }
        let x = self
        return out.recorded(.gather, [x]) { g, _ in
            [Tensor.zeros(x.shape).scatterAdding(dim: d, index: index, source: g)]
        }
    }

    /// A copy of `self` with `source[i][j]` added at `[index[i][j]][j]` for `dim` 0 (likewise
    /// for any dim), like `torch.scatter_add`. Derivatives: identity for `self`, gather for
    /// `source`.
    public func scatterAdding(dim: Int, index: IndexTensor, source: Tensor) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "scatterAdding")
        precondition(source.shape == index.shape, "scatterAdding: source shape \(source.shape) differs from index shape \(index.shape)")
        let out = Tensor.empty(shape)
        out.storage.pointer.update(from: storage.pointer, count: count)
        let src = source.storage.pointer, dst = out.storage.pointer
        forEachIndexed(dim: d, index, "scatterAdding") { i, s in dst[s] += src[i] }
        let x = self
        return out.recorded(.scatterAdd, [x, source]) { g, _ in
            [g, g.gathered(dim: d, index: index)]
        }
    }
}
