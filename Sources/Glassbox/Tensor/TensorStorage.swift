import GlassboxKernels

/// The scalar types a ``Tensor`` holds: `Float` (default, production) and `Double` (gradient
/// checks, reference runs).
public typealias TensorScalar = KernelScalar

/// A contiguous, 64-byte-aligned buffer of scalars (from ``TensorMemory``'s cache when large), shared by tensors that are views of one
/// another (``Tensor/reshaped(_:)``).
final class TensorStorage<Scalar: TensorScalar> {
    let pointer: UnsafeMutablePointer<Scalar>
    let count: Int

    /// Allocates `count` uninitialised scalars (at least one, so the pointer is always valid).
    init(count: Int) {
        precondition(count >= 0, "tensor storage: negative element count \(count)")
        self.count = count
        let raw = TensorMemory.allocate(bytes: Swift.max(count, 1) * MemoryLayout<Scalar>.stride)
        pointer = raw.bindMemory(to: Scalar.self, capacity: Swift.max(count, 1))
    }

    convenience init(repeating value: Scalar, count: Int) {
        self.init(count: count)
        Elementwise.fill(pointer, count: count, with: value)
    }

    deinit { TensorMemory.release(UnsafeMutableRawPointer(pointer), bytes: Swift.max(count, 1) * MemoryLayout<Scalar>.stride) }
}
