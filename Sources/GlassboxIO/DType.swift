/// The element type of an ``ArrayData``: the dtypes that safetensors, `.npy` and IDX files
/// share. Every dtype is stored little-endian.
public enum DType: String, CaseIterable, Sendable, CustomStringConvertible {
    /// IEEE 754 binary64.
    case f64
    /// IEEE 754 binary32.
    case f32
    /// IEEE 754 binary16 (half precision).
    case f16
    /// bfloat16: the upper 16 bits of a binary32.
    case bf16
    /// Signed 64-bit integer.
    case i64
    /// Signed 32-bit integer.
    case i32
    /// Signed 16-bit integer.
    case i16
    /// Signed 8-bit integer.
    case i8
    /// Unsigned 8-bit integer.
    case u8
    /// Boolean, one byte per element (0 is false, anything else true).
    case bool

    /// The number of bytes one element occupies.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// Whether the dtype is a floating-point type (`f64`, `f32`, `f16`, `bf16`).
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }

    /// The dtype's name in a safetensors header (`"F32"`, `"BF16"`, `"BOOL"`, …).
    public var safeTensorsName: String {
        switch self {
        case .f64: "F64"
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .i64: "I64"
        case .i32: "I32"
        case .i16: "I16"
        case .i8: "I8"
        case .u8: "U8"
        case .bool: "BOOL"
        }
    }

    /// The dtype whose safetensors header name is `name`, or `nil` if Glassbox does not read it.
    public init?(safeTensorsName name: String) {
        guard let match = DType.allCases.first(where: { $0.safeTensorsName == name }) else {
            return nil
        }
        self = match
    }

    /// The lower-case name (`"f32"`, `"bool"`, …).
    public var description: String { rawValue }
}
