#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A unary elementwise function applied by ``Elementwise/unary(_:_:_:count:)``.
public enum UnaryOperation: Sendable {
    /// `-x`
    case negate
    /// `|x|`
    case abs
    /// `√x`
    case sqrt
    /// `x²`
    case square
    /// `1 / x`
    case reciprocal
    /// `max(x, 0)`
    case relu
    /// `1` where `x > 0`, else `0` (the derivative of ReLU).
    case positiveMask
    /// `-1`, `0` or `1` by the sign of `x` (`NaN` stays `NaN`).
    case sign
    /// `sin x`
    case sin
    /// `cos x`
    case cos
    /// `exp x`, via ``VectorMath/exp(_:_:count:)``.
    case exp
    /// `log x`, via ``VectorMath/log(_:_:count:)``.
    case log
    /// `tanh x`, via ``VectorMath/tanh(_:_:count:)``.
    case tanh
    /// `1 / (1 + e^-x)`, via ``VectorMath/sigmoid(_:_:count:)``.
    case sigmoid
    /// `erf x`, via ``VectorMath/erf(_:_:count:)``.
    case erf
}

/// A binary elementwise function applied by ``Elementwise/binary(_:_:_:_:_:shape:)``.
///
/// Comparisons produce `1` for true and `0` for false.
public enum BinaryOperation: Sendable {
    /// `a + b`
    case add
    /// `a - b`
    case subtract
    /// `a * b`
    case multiply
    /// `a / b`
    case divide
    /// `max(a, b)` (NaN if either is NaN)
    case maximum
    /// `min(a, b)` (NaN if either is NaN)
    case minimum
    /// `a ^ b` (libm `pow`)
    case power
    /// `a == b`
    case equal
    /// `a != b`
    case notEqual
    /// `a < b`
    case less
    /// `a <= b`
    case lessEqual
    /// `a > b`
    case greater
    /// `a >= b`
    case greaterEqual
    /// `0` where `b <= 0`, else `a` (`a` where `b` is NaN): ReLU's backward in one pass, with
    /// `a` the incoming gradient and `b` the ReLU's input, like PyTorch's `threshold_backward`.
    case reluGradient
}

/// Elementwise kernels over contiguous buffers and broadcast views.
///
/// Loop structure: the output is walked in row-major order; the innermost (coalesced) dimension
/// is a contiguous run whose operand strides are each 0 or 1, handled by a tight loop the
/// compiler vectorises. Large outputs are split into contiguous chunks over threads (outputs
/// only, so results never depend on the thread count).
public enum Elementwise {
    /// Outputs smaller than this run on the calling thread.
    @usableFromInline static let parallelThreshold = 1 << 16

    /// `y[i] = value` for `i < count` (initialising or overwriting).
    public static func fill<T: KernelScalar>(_ y: UnsafeMutablePointer<T>, count: Int, with value: T) {
        if T.self == Float.self {
            rebind(y, Float.self).initialize(repeating: value as! Float, count: count)
        } else if T.self == Double.self {
            rebind(y, Double.self).initialize(repeating: value as! Double, count: count)
        } else {
            y.initialize(repeating: value, count: count)
        }
    }

    /// `y[i] = op(x[i])` for `i < count`. `x` and `y` may be the same buffer.
    public static func unary<T: KernelScalar>(
        _ op: UnaryOperation, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int
    ) {
        switch op {
        case .exp: return VectorMath.exp(x, y, count: count)
        case .log: return VectorMath.log(x, y, count: count)
        case .tanh: return VectorMath.tanh(x, y, count: count)
        case .sigmoid: return VectorMath.sigmoid(x, y, count: count)
        case .erf: return VectorMath.erf(x, y, count: count)
        default: break
        }
        if T.self == Float.self {
            unaryChunked(op, rebind(x, Float.self), rebind(y, Float.self), count)
        } else if T.self == Double.self {
            unaryChunked(op, rebind(x, Double.self), rebind(y, Double.self), count)
        } else {
            unaryChunked(op, x, y, count)
        }
    }

    static func unaryChunked<T: KernelScalar>(
        _ op: UnaryOperation, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int
    ) {
        let xs = SendableConstPointer(x)
        let ys = SendablePointer(y)
        Threading.parallelChunks(count, granularity: 64, minimumChunk: parallelThreshold) { r in
            unaryLoop(op, xs.base + r.lowerBound, ys.base + r.lowerBound, r.count)
        }
    }

    @inline(__always)
    static func unaryLoop<T: KernelScalar>(
        _ op: UnaryOperation, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        switch op {
        case .negate: for i in 0..<n { y[i] = -x[i] }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .square: for i in 0..<n { y[i] = x[i] * x[i] }
        case .reciprocal: for i in 0..<n { y[i] = 1 / x[i] }
        case .relu: for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : (v.isNaN ? v : 0) }
        case .positiveMask: for i in 0..<n { y[i] = x[i] > 0 ? 1 : 0 }
        case .sign:
            for i in 0..<n {
                let v = x[i]
                y[i] = v > 0 ? 1 : (v < 0 ? -1 : v)
            }
        case .sin: for i in 0..<n { y[i] = T(LibM.sin(Double(x[i]))) }
        case .cos: for i in 0..<n { y[i] = T(LibM.cos(Double(x[i]))) }
        case .exp, .log, .tanh, .sigmoid, .erf: fatalError("unreachable: handled by VectorMath")
        }
    }

    /// `out[idx] = op(a[idx·aStrides], b[idx·bStrides])` for every index of `shape`.
    ///
    /// `aStrides`/`bStrides` are element strides per output dimension (0 broadcasts). `out`
    /// is contiguous in row-major order.
    public static func binary<T: KernelScalar>(
        _ op: BinaryOperation, _ a: UnsafePointer<T>, _ aStrides: [Int],
        _ b: UnsafePointer<T>, _ bStrides: [Int], _ out: UnsafeMutablePointer<T>, shape: [Int]
    ) {
        precondition(aStrides.count == shape.count && bStrides.count == shape.count)
        if T.self == Float.self {
            binaryStrided(
                op, rebind(a, Float.self), aStrides, rebind(b, Float.self), bStrides,
                rebind(out, Float.self), shape)
        } else if T.self == Double.self {
            binaryStrided(
                op, rebind(a, Double.self), aStrides, rebind(b, Double.self), bStrides,
                rebind(out, Double.self), shape)
        } else {
            binaryStrided(op, a, aStrides, b, bStrides, out, shape)
        }
    }

    static func binaryStrided<T: KernelScalar>(
        _ op: BinaryOperation, _ a: UnsafePointer<T>, _ aStrides: [Int],
        _ b: UnsafePointer<T>, _ bStrides: [Int], _ out: UnsafeMutablePointer<T>, _ shape: [Int]
    ) {
        let (dims, sa, sb) = coalesce(shape, aStrides, bStrides)
        let total = dims.reduce(1, *)
        if total == 0 { return }
        let inner = dims.last ?? 1
        let ia = sa.last ?? 0
        let ib = sb.last ?? 0
        let rows = total / inner
        let ap = SendableConstPointer(a), bp = SendableConstPointer(b), op_ = SendablePointer(out)
        if rows == 1 {
            // One run (same-shape contiguous operands coalesce to one): split the run itself.
            Threading.parallelChunks(inner, granularity: 64, minimumChunk: parallelThreshold) { r in
                binaryRow(
                    op, ap.base + r.lowerBound * ia, ia, bp.base + r.lowerBound * ib, ib, op_.base + r.lowerBound, r.count)
            }
            return
        }
        let rowsPerChunkMin = max(1, parallelThreshold / max(inner, 1))
        Threading.parallelChunks(rows, minimumChunk: rowsPerChunkMin) { r in
            // Offsets of the first row of the chunk.
            var index = [Int](repeating: 0, count: max(dims.count - 1, 0))
            var rem = r.lowerBound
            for d in stride(from: dims.count - 2, through: 0, by: -1) {
                index[d] = rem % dims[d]
                rem /= dims[d]
            }
            var offA = 0, offB = 0
            for d in 0..<index.count {
                offA += index[d] * sa[d]
                offB += index[d] * sb[d]
            }
            for row in r {
                binaryRow(op, ap.base + offA, ia, bp.base + offB, ib, op_.base + row * inner, inner)
                // Advance the multi-index.
                var d = index.count - 1
                while d >= 0 {
                    index[d] += 1
                    offA += sa[d]
                    offB += sb[d]
                    if index[d] < dims[d] { break }
                    offA -= sa[d] * dims[d]
                    offB -= sb[d] * dims[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }

    @inline(__always)
    static func binaryRow<T: KernelScalar>(
        _ op: BinaryOperation, _ a: UnsafePointer<T>, _ ia: Int, _ b: UnsafePointer<T>, _ ib: Int,
        _ o: UnsafeMutablePointer<T>, _ n: Int
    ) {
        switch op {
        case .add: apply(a, ia, b, ib, o, n) { $0 + $1 }
        case .subtract: apply(a, ia, b, ib, o, n) { $0 - $1 }
        case .multiply: apply(a, ia, b, ib, o, n) { $0 * $1 }
        case .divide: apply(a, ia, b, ib, o, n) { $0 / $1 }
        case .maximum: apply(a, ia, b, ib, o, n) { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }
        case .minimum: apply(a, ia, b, ib, o, n) { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }
        case .power: apply(a, ia, b, ib, o, n) { T(LibM.pow(Double($0), Double($1))) }
        case .equal: apply(a, ia, b, ib, o, n) { $0 == $1 ? 1 : 0 }
        case .notEqual: apply(a, ia, b, ib, o, n) { $0 != $1 ? 1 : 0 }
        case .less: apply(a, ia, b, ib, o, n) { $0 < $1 ? 1 : 0 }
        case .lessEqual: apply(a, ia, b, ib, o, n) { $0 <= $1 ? 1 : 0 }
        case .greater: apply(a, ia, b, ib, o, n) { $0 > $1 ? 1 : 0 }
        case .greaterEqual: apply(a, ia, b, ib, o, n) { $0 >= $1 ? 1 : 0 }
        case .reluGradient: apply(a, ia, b, ib, o, n) { $1 <= 0 ? 0 : $0 }
        }
    }

    /// One contiguous output run; operand strides are 0 or 1 after coalescing (or arbitrary).
    @inline(__always)
    static func apply<T: KernelScalar>(
        _ a: UnsafePointer<T>, _ ia: Int, _ b: UnsafePointer<T>, _ ib: Int,
        _ o: UnsafeMutablePointer<T>, _ n: Int, _ f: (T, T) -> T
    ) {
        if ia == 1 && ib == 1 {
            for i in 0..<n { o[i] = f(a[i], b[i]) }
        } else if ia == 1 && ib == 0 {
            let bv = b[0]
            for i in 0..<n { o[i] = f(a[i], bv) }
        } else if ia == 0 && ib == 1 {
            let av = a[0]
            for i in 0..<n { o[i] = f(av, b[i]) }
        } else {
            for i in 0..<n { o[i] = f(a[i * ia], b[i * ib]) }
        }
    }

    /// Merges adjacent dimensions that are contiguous in both operands and drops size-1
    /// dimensions, so the innermost loop is as long as possible.
    static func coalesce(_ shape: [Int], _ sa: [Int], _ sb: [Int]) -> ([Int], [Int], [Int]) {
        var dims: [Int] = [], outA: [Int] = [], outB: [Int] = []
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = dims.last, outA.last! == sa[d] * shape[d], outB.last! == sb[d] * shape[d] {
                dims[dims.count - 1] = last * shape[d]
                outA[outA.count - 1] = sa[d]
                outB[outB.count - 1] = sb[d]
            } else {
                dims.append(shape[d])
                outA.append(sa[d])
                outB.append(sb[d])
            }
        }
        if dims.isEmpty { return ([1], [0], [0]) }
        return (dims, outA, outB)
    }

    /// Copies a strided view into a contiguous buffer: `out[idx] = x[idx·strides]`.
    public static func gather<T: KernelScalar>(
        _ x: UnsafePointer<T>, _ strides: [Int], _ out: UnsafeMutablePointer<T>, shape: [Int]
    ) {
        // A copy is `a + 0·b` with b broadcast; reuse the binary walker's loop structure.
        var zero: T = 0
        withUnsafePointer(to: &zero) { z in
            binary(.add, x, strides, z, [Int](repeating: 0, count: shape.count), out, shape: shape)
        }
    }
}

@inline(__always)
func rebind<T, U>(_ p: UnsafePointer<T>, _: U.Type) -> UnsafePointer<U> {
    UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
}

@inline(__always)
func rebind<T, U>(_ p: UnsafeMutablePointer<T>, _: U.Type) -> UnsafeMutablePointer<U> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
}

extension Elementwise {
    /// `out[i] = condition[i] != 0 ? a[i] : b[i]` over contiguous buffers.
    public static func select<T: KernelScalar>(
        _ condition: UnsafePointer<T>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
        _ out: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Float.self {
            selectImpl(
                rebind(condition, Float.self), rebind(a, Float.self), rebind(b, Float.self),
                rebind(out, Float.self), count)
        } else if T.self == Double.self {
            selectImpl(
                rebind(condition, Double.self), rebind(a, Double.self), rebind(b, Double.self),
                rebind(out, Double.self), count)
        } else {
            selectImpl(condition, a, b, out, count)
        }
    }

    static func selectImpl<T: KernelScalar>(
        _ c: UnsafePointer<T>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
        _ out: UnsafeMutablePointer<T>, _ count: Int
    ) {
        for i in 0..<count { out[i] = c[i] != 0 ? a[i] : b[i] }
    }
}
