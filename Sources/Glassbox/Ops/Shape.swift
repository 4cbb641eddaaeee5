import GlassboxKernels

/// Shape operations. ``reshaped(_:)`` shares storage; ``permuted(_:)`` and
/// ``transposed(_:_:)`` materialise a contiguous copy.
extension Tensor {
    /// The same elements with a new shape (one dimension may be −1 and is inferred). Shares
    /// storage with `self`.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(
                known > 0 && count % known == 0,
                "reshaped: cannot reshape tensor of shape \(shape) into \(newShape)")
            target[inferred] = count / known
        }
        precondition(
            target.allSatisfy { $0 >= 0 } && target.reduce(1, *) == count,
            "reshaped: cannot reshape tensor of shape \(shape) into \(newShape)")
        if target == shape { return self }
        let x = self
        return Tensor(shape: target, storage: storage).recorded(.reshape, [x]) { g, _ in
            [g.reshaped(x.shape)]
        }
    }

    /// Flattens dimensions `startDim…endDim` into one (like `torch.flatten`).
    public func flattened(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = Tensor.normalizedDim(startDim, rank: rank, op: "flattened")
        let e = Tensor.normalizedDim(endDim, rank: rank, op: "flattened")
        precondition(s <= e, "flattened: startDim \(startDim) after endDim \(endDim)")
        return reshaped(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
    }

    /// Inserts a dimension of size 1 at `dim`.
    public func unsqueezed(_ dim: Int) -> Tensor {
        let d = dim < 0 ? dim + rank + 1 : dim
        precondition(d >= 0 && d <= rank, "unsqueezed: dimension \(dim) out of range for rank \(rank)")
        var s = shape
        s.insert(1, at: d)
        return reshaped(s)
    }

    /// Removes dimension `dim`, which must have size 1; with `nil`, removes every size-1
    /// dimension.
    public func squeezed(_ dim: Int? = nil) -> Tensor {
        guard let dim else { return reshaped(shape.filter { $0 != 1 }) }
        let d = Tensor.normalizedDim(dim, rank: rank, op: "squeezed")
        if shape[d] != 1 { return self }
        var s = shape
        s.remove(at: d)
        return reshaped(s)
    }

    /// Reorders dimensions: result dimension `i` is `self`'s dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        let dims = order.map { Tensor.normalizedDim($0, rank: rank, op: "permuted") }
        precondition(
            dims.count == rank && Set(dims).count == rank,
            "permuted: \(order) is not a permutation of the \(rank) dimensions of shape \(shape)")
        if dims == Array(0..<rank) { return self }
        let strides = Tensor.contiguousStrides(shape)
        let outShape = dims.map { shape[$0] }
        let out = Tensor.empty(outShape)
        Elementwise.gather(storage.pointer, dims.map { strides[$0] }, out.storage.pointer, shape: outShape)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return out.recorded(.permute, [self]) { g, _ in [g.permuted(inverse)] }
    }

    /// Swaps two dimensions (materialised).
    public func transposed(_ dim0: Int = -2, _ dim1: Int = -1) -> Tensor {
        let a = Tensor.normalizedDim(dim0, rank: rank, op: "transposed")
        let b = Tensor.normalizedDim(dim1, rank: rank, op: "transposed")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return permuted(order)
    }

    /// Elements `range` along `dim` (like `narrow`/slicing). Derivative: the gradient placed
    /// back into zeros.
    public func sliced(dim: Int, _ range: Range<Int>) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "sliced")
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[d],
            "sliced: range \(range) out of bounds for dimension \(d) of shape \(shape)")
        if range.count == shape[d] { return self }
        let (outer, axis, inner) = split3(d)
        var outShape = shape
        outShape[d] = range.count
        let out = Tensor.empty(outShape)
        let n = range.count * inner
        for o in 0..<outer {
            (out.storage.pointer + o * n).update(
                from: storage.pointer + o * axis * inner + range.lowerBound * inner, count: n)
        }
        let x = self
        return out.recorded(.slice, [x]) { g, _ in [g.padded(dim: d, to: x.shape[d], offset: range.lowerBound)] }
    }

    /// Places `self` at `offset` along `dim` inside zeros of size `size`: the adjoint of
    /// ``sliced(dim:_:)``.
    public func padded(dim: Int, to size: Int, offset: Int) -> Tensor {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "padded")
        precondition(
            offset >= 0 && offset + shape[d] <= size,
            "padded: \(shape[d]) elements at offset \(offset) do not fit in \(size) (shape \(shape))")
        var outShape = shape
        outShape[d] = size
        let out = Tensor.zeros(outShape)
        let (outer, axis, inner) = split3(d)
        for o in 0..<outer {
            (out.storage.pointer + (o * size + offset) * inner).update(
                from: storage.pointer + o * axis * inner, count: axis * inner)
        }
        let length = shape[d]
        return out.recorded(.pad, [self]) { g, _ in [g.sliced(dim: d, offset..<(offset + length))] }
    }

    /// The sub-tensor at `index` along the first dimension (that dimension removed).
    public subscript(index: Int) -> Tensor {
        precondition(rank > 0, "subscript: cannot index a scalar tensor")
        let i = index < 0 ? index + shape[0] : index
        return sliced(dim: 0, i..<(i + 1)).squeezed(0)
    }

    /// Concatenates tensors along `dim`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors given")
        let first = tensors[0]
        let d = normalizedDim(dim, rank: first.rank, op: "concat")
        for t in tensors {
            var a = t.shape, b = first.shape
            precondition(a.count == b.count, "concat: shapes \(first.shape) and \(t.shape) differ in rank")
            a[d] = 0
            b[d] = 0
            precondition(a == b, "concat: shapes \(first.shape) and \(t.shape) differ outside dimension \(d)")
        }
        var outShape = first.shape
        outShape[d] = tensors.reduce(0) { $0 + $1.shape[d] }
        let out = empty(outShape)
        let (outer, _, inner) = first.split3(d)
        let total = outShape[d]
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            let n = t.shape[d] * inner
            for o in 0..<outer {
                (out.storage.pointer + (o * total + offset) * inner).update(
                    from: t.storage.pointer + o * n, count: n)
            }
            offset += t.shape[d]
        }
        return out.recorded(.concat, tensors) { g, _ in
            zip(tensors, offsets).map { t, o in g.sliced(dim: d, o..<(o + t.shape[d])) }
        }
    }

    /// Stacks equally shaped tensors along a new dimension `dim`.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors given")
        for t in tensors {
            precondition(t.shape == tensors[0].shape, "stack: shapes \(tensors[0].shape) and \(t.shape) differ")
        }
        return concat(tensors.map { $0.unsqueezed(dim) }, dim: dim)
    }

    /// Splits along `dim` into pieces of the given sizes (which must add up to the dimension).
    public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "split")
        precondition(
            sizes.reduce(0, +) == shape[d],
            "split: sizes \(sizes) do not add up to dimension \(d) of shape \(shape)")
        var offset = 0
        return sizes.map { size in
            defer { offset += size }
            return sliced(dim: d, offset..<(offset + size))
        }
    }

    /// Splits along `dim` into `chunks` pieces of equal size (the last may be smaller).
    public func chunked(_ chunks: Int, dim: Int = 0) -> [Tensor] {
        let d = Tensor.normalizedDim(dim, rank: rank, op: "chunked")
        let size = (shape[d] + chunks - 1) / chunks
        var sizes: [Int] = []
        var left = shape[d]
        while left > 0 {
            sizes.append(Swift.min(size, left))
            left -= size
        }
        return split(sizes: sizes, dim: d)
    }
}
