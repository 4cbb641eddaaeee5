import Synchronization

/// A cache of freed tensor buffers, so that a training step reuses the previous step's memory
/// instead of asking the system for fresh pages (each first touch of a fresh page is a page
/// fault: about 8 % of a transformer layer's step before this cache).
///
/// Buffers of at least ``minimumBytes`` are rounded up to a size class (four classes per power of
/// two, so at most 25 % is wasted) and, when a tensor dies, kept for the next allocation of the
/// same class, up to ``capacityBytes`` in all; beyond that they go back to the system. Smaller
/// buffers go straight to `malloc`, which already recycles them well.
public enum TensorMemory {
    /// Buffers smaller than this are not cached.
    public static let minimumBytes = 1 << 16
    /// The most bytes kept in the cache (256 MiB).
    public static let capacityBytes = 1 << 28

    private struct Cache: @unchecked Sendable {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var bytes = 0
    }

    private static let cache = Mutex(Cache())

    /// The bytes held by the cache now.
    public static var cachedBytes: Int { cache.withLock { $0.bytes } }

    /// Returns every cached buffer to the system (tensors alive are not affected).
    public static func releaseCachedBuffers() {
        let buffers = cache.withLock { c -> [UnsafeMutableRawPointer] in
            defer { c = Cache() }
            return c.free.values.flatMap { $0 }
        }
        for p in buffers { p.deallocate() }
    }

    /// The size class of a request: `bytes` rounded up to a quarter of its power of two.
    static func sizeClass(_ bytes: Int) -> Int {
        if bytes < minimumBytes { return bytes }
        let power = 1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount)
        let step = power / 4
        return (bytes + step - 1) / step * step
    }

    /// A 64-byte-aligned buffer of at least `bytes` bytes (uninitialised).
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let size = sizeClass(bytes)
        if size >= minimumBytes {
            let reused = cache.withLock { c -> UnsafeMutableRawPointer? in
                guard let p = c.free[size]?.popLast() else { return nil }
                c.bytes -= size
                return p
            }
            if let reused { return reused }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    }

    /// Gives back a buffer `allocate(bytes:)` returned for the same `bytes`.
    static func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let size = sizeClass(bytes)
        if size >= minimumBytes {
            let kept = cache.withLock { c -> Bool in
                guard c.bytes + size <= capacityBytes else { return false }
                c.free[size, default: []].append(pointer)
                c.bytes += size
                return true
            }
            if kept { return }
        }
        pointer.deallocate()
    }
}
