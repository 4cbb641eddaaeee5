// Pooling+Indexed: gather and scatter-add by `Int32` positions within planes — the backward of
// max pooling (scatter of the output gradient to the saved argmax positions), its adjoint
// (gather), and nearest-neighbour upsampling (a gather by a map shared by all planes) with its
// backward (a scatter-add by that map).
//
// Loop structure: planes are split into contiguous blocks over threads (at least
// `Pooling.minimumElementsPerChunk` elements per block); within a plane, outputs are visited in
// order. The scatter-add zeroes its plane and adds each source element in source order, so
// overlapping windows (stride < kernel) and repeated positions accumulate in the same order for
// every thread count.

extension Pooling {
    /// `y[p, o] = x[p, indices[o']]` with `o' = p·outputCount + o`, or `o' = o` when
    /// `sharedIndices` (one map for every plane).
    ///
    /// - Parameters:
    ///   - x: `planes · inputCount` elements.
    ///   - y: `planes · outputCount` elements.
    ///   - indices: positions in `0..<inputCount`; `planes · outputCount` of them, or
    ///     `outputCount` when `sharedIndices`.
    public static func gather<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafePointer<Int32>,
        planes: Int, inputCount: Int, outputCount: Int, sharedIndices: Bool
    ) {
        if T.self == Float.self {
            gatherImpl(rebind(x, Float.self), rebind(y, Float.self), indices, planes, inputCount, outputCount, sharedIndices)
        } else if T.self == Double.self {
            gatherImpl(rebind(x, Double.self), rebind(y, Double.self), indices, planes, inputCount, outputCount, sharedIndices)
        } else {
            gatherImpl(x, y, indices, planes, inputCount, outputCount, sharedIndices)
        }
    }

    static func gatherImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafePointer<Int32>,
        _ planes: Int, _ inputCount: Int, _ outputCount: Int, _ sharedIndices: Bool
    ) {
        let xs = SendableConstPointer(x), ys = SendablePointer(y), ix = SendableConstPointer(indices)
        forEachPlaneBlock(planes: planes, perPlane: Swift.max(inputCount, outputCount)) { block in
            for p in block {
                let src = xs.base + p * inputCount, dst = ys.base + p * outputCount
                let map = ix.base + (sharedIndices ? 0 : p * outputCount)
                for o in 0..<outputCount { dst[o] = src[Int(map[o])] }
            }
        }
    }

    /// The adjoint of ``gather(_:_:_:planes:inputCount:outputCount:sharedIndices:)``:
    /// `y[p, ·] = 0`, then `y[p, indices[o']] += x[p, o]` for each `o` in order.
    ///
    /// - Parameters:
    ///   - x: `planes · outputCount` elements (the gradient of the gathered tensor).
    ///   - y: `planes · inputCount` elements, overwritten.
    public static func scatterAdd<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafePointer<Int32>,
        planes: Int, inputCount: Int, outputCount: Int, sharedIndices: Bool
    ) {
        if T.self == Float.self {
            scatterAddImpl(rebind(x, Float.self), rebind(y, Float.self), indices, planes, inputCount, outputCount, sharedIndices)
        } else if T.self == Double.self {
            scatterAddImpl(rebind(x, Double.self), rebind(y, Double.self), indices, planes, inputCount, outputCount, sharedIndices)
        } else {
            scatterAddImpl(x, y, indices, planes, inputCount, outputCount, sharedIndices)
        }
    }

    static func scatterAddImpl<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ indices: UnsafePointer<Int32>,
        _ planes: Int, _ inputCount: Int, _ outputCount: Int, _ sharedIndices: Bool
    ) {
        let xs = SendableConstPointer(x), ys = SendablePointer(y), ix = SendableConstPointer(indices)
        forEachPlaneBlock(planes: planes, perPlane: Swift.max(inputCount, outputCount)) { block in
            for p in block {
                let src = xs.base + p * outputCount, dst = ys.base + p * inputCount
                let map = ix.base + (sharedIndices ? 0 : p * outputCount)
                dst.update(repeating: 0, count: inputCount)
                for o in 0..<outputCount { dst[Int(map[o])] += src[o] }
            }
        }
    }

    /// PyTorch's nearest-neighbour source index for each of `output` positions along an axis
    /// of `input` positions (`mode='nearest'`): `min(⌊dst · scale⌋, input − 1)` computed in
    /// `Float` as PyTorch does, with `scale = 1/scaleFactor` when a scale factor is used, else
    /// `input/output`; the identity when sizes are equal and `dst/2` when the output is twice the
    /// input (PyTorch's shortcuts, which the formula also gives).
    public static func nearestSourceIndices(input: Int, output: Int, scaleFactor: Double?) -> [Int] {
        if output == input { return Array(0..<output) }
        if output == 2 * input { return (0..<output).map { $0 >> 1 } }
        let scale: Float =
            if let scaleFactor, scaleFactor > 0 { Float(1.0 / scaleFactor) } else { Float(input) / Float(output) }
        return (0..<output).map { Swift.min(Int((Float($0) * scale).rounded(.down)), input - 1) }
    }
}
