import GlassboxKernels

/// The shape two shapes broadcast to under NumPy/PyTorch rules, or a stop naming `op` and both
/// shapes.
func broadcastShapes(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let rank = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(
            da == db || da == 1 || db == 1,
            "\(op): shapes \(a) and \(b) cannot be broadcast together")
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Element strides that read a contiguous tensor of `shape` as if broadcast to `target`.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let strides = Tensor<Float>.contiguousStrides(shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { i in
        i < offset || shape[i - offset] == 1 ? 0 : strides[i - offset]
    }
}

extension Tensor {
    /// Applies a binary kernel with broadcasting (no graph).
    static func binaryKernel(_ op: BinaryOperation, _ a: Tensor, _ b: Tensor, name: String) -> Tensor {
        let shape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape, op: name)
        let out = empty(shape)
        Elementwise.binary(
            op, a.storage.pointer, broadcastStrides(a.shape, to: shape),
            b.storage.pointer, broadcastStrides(b.shape, to: shape), out.storage.pointer, shape: shape)
        return out
    }

    /// Applies a unary kernel (no graph).
    func unaryKernel(_ op: UnaryOperation) -> Tensor {
        let out = Tensor.empty(shape)
        Elementwise.unary(op, storage.pointer, out.storage.pointer, count: count)
        return out
    }

    /// Broadcasts to `shape` (materialised), like `torch.Tensor.expand` followed by a copy.
    /// The gradient sums over the broadcast dimensions.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let checked = broadcastShapes(shape, target, op: "expanded(to:)")
        precondition(checked == target, "expanded(to:): shape \(shape) cannot be expanded to \(target)")
        let out = Tensor.empty(target)
        Elementwise.gather(storage.pointer, broadcastStrides(shape, to: target), out.storage.pointer, shape: target)
        let source = shape
        return out.recorded(.expand, [self]) { g, _ in [g.summed(toShape: source)] }
    }

    /// Sums over broadcast dimensions so the result has `target`'s shape: the adjoint of
    /// ``expanded(to:)``, used to un-broadcast gradients.
    public func summed(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        let checked = broadcastShapes(target, shape, op: "summed(toShape:)")
        precondition(checked == shape, "summed(toShape:): shape \(shape) does not reduce to \(target)")
        var t = self
        let lead = shape.count - target.count
        // Sum leading dimensions away, then dimensions that are 1 in the target.
        if lead > 0 {
            t = withoutGrad { t.reshaped([shape[..<lead].reduce(1, *)] + Array(shape[lead...])) }
            t = withoutGrad { t.sumKernel(dim: 0, keepDim: false) }
        }
        for (d, size) in target.enumerated() where size == 1 && t.shape[d] != 1 {
            t = withoutGrad { t.sumKernel(dim: d, keepDim: true) }
        }
        let out = Tensor(shape: target, storage: t.storage)
        return out.recorded(.sumToShape, [self]) { [shape] g, _ in [g.expanded(to: shape)] }
    }
}
