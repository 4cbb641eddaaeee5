import GlassboxKernels

/// The scalar types a ``Tensor`` holds: `Float` (default, production) and `Double` (gradient
/// checks, reference runs).
public typealias TensorScalar = KernelScalar

/// A contiguous, 64-byte-aligned buffer of scalars, shared by tensors that are views of one
/// another (``Tensor/reshaped(_:)``).
final class TensorStorage<Scalar: TensorScalar> {
    let pointer: UnsafeMutablePointer<Scalar>
    let count: Int

    /// Allocates `count` uninitialised scalars (at least one, so the pointer is always valid).
    init(count: Int) {
        precondition(count >= 0, "tensor storage: negative element count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<Scalar>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Scalar.self, capacity: Swift.max(count, 1))
    }

    convenience init(repeating value: Scalar, count: Int) {
        self.init(count: count)
        Elementwise.fill(pointer, count: count, with: value)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
