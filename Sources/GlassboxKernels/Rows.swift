/// Row gathers and scatter-adds: the kernels behind `indexSelected` / `indexAdded` and
/// embedding look-ups.
///
/// A tensor is viewed as `[outer, axis, width]`; a "row" is one `width`-long run. Both kernels
/// walk the indices in order, so the scatter-add sums repeated indices in a fixed order and
/// its result does not depend on the thread count.
public enum Rows {
    /// `out[o, j, :] = source[o, indices[j], :]` for `o < outer`, `j < indices.count`.
    ///
    /// - Precondition: every index lies in `0..<axis` (checked by the caller).
    public static func select<T: KernelScalar>(
        _ source: UnsafePointer<T>, outer: Int, axis: Int, width: Int, indices: [Int],
        into out: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self {
            selectRows(rebind(source, Float.self), outer, axis, width, indices, rebind(out, Float.self))
        } else if T.self == Double.self {
            selectRows(rebind(source, Double.self), outer, axis, width, indices, rebind(out, Double.self))
        } else {
            selectRows(source, outer, axis, width, indices, out)
        }
    }

    /// `out[o, indices[j], :] += source[o, j, :]` for `o < outer`, `j < indices.count`, in
    /// that order; `out` is `[outer, size, width]` and already initialised.
    ///
    /// - Precondition: every index lies in `0..<size` (checked by the caller).
    public static func add<T: KernelScalar>(
        _ source: UnsafePointer<T>, outer: Int, width: Int, indices: [Int], size: Int,
        into out: UnsafeMutablePointer<T>
    ) {
        if T.self == Float.self {
            addRows(rebind(source, Float.self), outer, width, indices, size, rebind(out, Float.self))
        } else if T.self == Double.self {
            addRows(rebind(source, Double.self), outer, width, indices, size, rebind(out, Double.self))
        } else {
            addRows(source, outer, width, indices, size, out)
        }
    }

    @inline(__always)
    static func selectRows<T: KernelScalar>(
        _ source: UnsafePointer<T>, _ outer: Int, _ axis: Int, _ width: Int, _ indices: [Int],
        _ out: UnsafeMutablePointer<T>
    ) {
        for o in 0..<outer {
            for (j, i) in indices.enumerated() {
                (out + (o * indices.count + j) * width).update(from: source + (o * axis + i) * width, count: width)
            }
        }
    }

    @inline(__always)
    static func addRows<T: KernelScalar>(
        _ source: UnsafePointer<T>, _ outer: Int, _ width: Int, _ indices: [Int], _ size: Int,
        _ out: UnsafeMutablePointer<T>
    ) {
        for o in 0..<outer {
            for (j, i) in indices.enumerated() {
                let dst = out + (o * size + i) * width
                let src = source + (o * indices.count + j) * width
                for k in 0..<width { dst[k] += src[k] }
            }
        }
    }
}
