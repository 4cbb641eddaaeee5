import GlassboxIO

/// Why an ONNX model could not be loaded or run: one line naming the node and op.
public struct ONNXError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public let message: String
    /// An error with a message.
    public init(_ message: String) { self.message = message }
    /// The one-line message.
    public var description: String { message }
}

/// The elements of an ``ONNXTensor``: every floating-point type is held as `Double` (rounded to
/// its own precision when created), every integer type and bool as `Int64` (wrapped to its own
/// width), strings as `String`.
public enum ONNXStorage: Sendable, Equatable {
    /// Floating-point elements.
    case real([Double])
    /// Integer or bool (0/1) elements.
    case int([Int64])
    /// String elements.
    case string([String])

    /// The number of elements.
    public var count: Int {
        switch self {
        case .real(let v): v.count
        case .int(let v): v.count
        case .string(let v): v.count
        }
    }
}

/// A dense tensor of any ONNX element type.
public struct ONNXTensor: Sendable, Equatable {
    /// The element type.
    public var dtype: ONNXDataType
    /// The dimensions.
    public var shape: [Int]
    /// The elements, row-major.
    public var storage: ONNXStorage

    /// A tensor from floating-point values, rounded to `dtype`'s precision.
    public init(dtype: ONNXDataType, shape: [Int], reals: [Double]) {
        self.dtype = dtype
        self.shape = shape
        if dtype.isFloatingPoint {
            storage = .real(dtype == .double ? reals : reals.map { roundToType($0, dtype) })
        } else if dtype == .string {
            storage = .string(reals.map { "\($0)" })
        } else {
            storage = .int(reals.map { wrapToType(doubleToInt64($0), dtype) })
        }
    }

    /// A tensor from integer values, wrapped to `dtype`'s width (or converted for float types).
    public init(dtype: ONNXDataType, shape: [Int], ints: [Int64]) {
        self.dtype = dtype
        self.shape = shape
        if dtype.isFloatingPoint {
            storage = .real(ints.map { roundToType(Double($0), dtype) })
        } else {
            storage = .int(ints.map { wrapToType($0, dtype) })
        }
    }

    /// A string tensor.
    public init(shape: [Int], strings: [String]) {
        dtype = .string
        self.shape = shape
        storage = .string(strings)
    }

    /// A tensor with storage taken as is.
    public init(dtype: ONNXDataType, shape: [Int], storage: ONNXStorage) {
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// The number of elements.
    public var count: Int { storage.count }
    /// The rank.
    public var rank: Int { shape.count }

    /// The elements as `Double` (integers converted, strings parsed as 0).
    public var reals: [Double] {
        switch storage {
        case .real(let v): v
        case .int(let v): dtype == .uint64 ? v.map { Double(UInt64(bitPattern: $0)) } : v.map { Double($0) }
        case .string(let v): v.map { Double($0) ?? 0 }
        }
    }

    /// The elements as `Int64` (floats truncated toward zero).
    public var ints: [Int64] {
        switch storage {
        case .real(let v): v.map { doubleToInt64($0) }
        case .int(let v): v
        case .string(let v): v.map { Int64($0) ?? 0 }
        }
    }

    /// The elements as strings.
    public var strings: [String] {
        switch storage {
        case .string(let v): v
        case .int(let v): v.map { "\($0)" }
        case .real(let v): v.map { "\($0)" }
        }
    }

    /// A tensor with the elements at `indices` (flat, row-major) and shape `shape`.
    public func gathered(_ indices: [Int], shape: [Int]) -> ONNXTensor {
        switch storage {
        case .real(let v): ONNXTensor(dtype: dtype, shape: shape, storage: .real(indices.map { v[$0] }))
        case .int(let v): ONNXTensor(dtype: dtype, shape: shape, storage: .int(indices.map { v[$0] }))
        case .string(let v): ONNXTensor(dtype: dtype, shape: shape, storage: .string(indices.map { v[$0] }))
        }
    }

    /// The same elements with another shape.
    public func reshaped(_ shape: [Int]) -> ONNXTensor { ONNXTensor(dtype: dtype, shape: shape, storage: storage) }

    /// A scalar `Int64` tensor.
    public static func scalar(_ value: Int64, _ dtype: ONNXDataType = .int64) -> ONNXTensor {
        ONNXTensor(dtype: dtype, shape: [], ints: [value])
    }
}

/// A runtime value: a tensor, a sequence or an optional.
public indirect enum ONNXValue: Sendable, Equatable {
    /// A tensor.
    case tensor(ONNXTensor)
    /// A sequence; `elementType` is the declared tensor element type (for empty sequences).
    case sequence([ONNXValue], elementType: ONNXDataType)
    /// An optional, empty or holding a value; `type` is the declared element type.
    case optional(ONNXValue?, type: ONNXType)

    /// The tensor, or an error naming what it is instead.
    public func tensor(_ what: @autoclosure () -> String) throws -> ONNXTensor {
        guard case .tensor(let t) = self else { throw ONNXError("\(what()): expected a tensor, got a \(kind)") }
        return t
    }

    /// `tensor`, `sequence` or `optional`.
    public var kind: String {
        switch self {
        case .tensor: "tensor"
        case .sequence: "sequence"
        case .optional: "optional"
        }
    }
}

/// Rounds `x` to the nearest value of floating-point type `dtype`.
func roundToType(_ x: Double, _ dtype: ONNXDataType) -> Double {
    switch dtype {
    case .double: x
    case .float: Double(Float(x))
    case .float16: Double(Float(float16Bits: Float(x).float16Bits))
    case .bfloat16: Double(Float(bfloat16Bits: Float(x).bfloat16Bits))
    default:
        if let format = MiniFloat.format(dtype) { format.decode(format.encode(x, saturate: true)) } else { x }
    }
}

/// Converts a double to Int64 (truncating; NaN and out-of-range values saturate like C casts on x86: to Int64.min).
func doubleToInt64(_ x: Double) -> Int64 {
    guard x.isFinite, x > -9.223372036854775e18, x < 9.223372036854775e18 else { return Int64.min }
    return Int64(x)
}

/// Wraps `v` to the width and signedness of `dtype` (two's complement).
func wrapToType(_ v: Int64, _ dtype: ONNXDataType) -> Int64 {
    switch dtype {
    case .bool: v != 0 ? 1 : 0
    case .int8: Int64(Int8(truncatingIfNeeded: v))
    case .uint8: Int64(UInt8(truncatingIfNeeded: v))
    case .int16: Int64(Int16(truncatingIfNeeded: v))
    case .uint16: Int64(UInt16(truncatingIfNeeded: v))
    case .int32: Int64(Int32(truncatingIfNeeded: v))
    case .uint32: Int64(UInt32(truncatingIfNeeded: v))
    case .int4: ((v & 0xF) ^ 8) - 8
    case .uint4: v & 0xF
    case .int2: ((v & 3) ^ 2) - 2
    case .uint2: v & 3
    default: v
    }
}
