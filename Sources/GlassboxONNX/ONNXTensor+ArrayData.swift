import GlassboxIO

extension ONNXTensor {
    /// The ONNX tensor of a safetensors/npy array: F64, F32, F16, BF16 keep their float type;
    /// I64, I32, I16, I8, U8 and BOOL their integer type.
    public init(_ array: ArrayData) {
        switch array.dtype {
        case .f64: self.init(dtype: .double, shape: array.shape, reals: array.asDoubles())
        case .f32: self.init(dtype: .float, shape: array.shape, reals: array.asDoubles())
        case .f16: self.init(dtype: .float16, shape: array.shape, reals: array.asDoubles())
        case .bf16: self.init(dtype: .bfloat16, shape: array.shape, reals: array.asDoubles())
        case .i64: self.init(dtype: .int64, shape: array.shape, ints: array.asInt64s())
        case .i32: self.init(dtype: .int32, shape: array.shape, ints: array.asInt64s())
        case .i16: self.init(dtype: .int16, shape: array.shape, ints: array.asInt64s())
        case .i8: self.init(dtype: .int8, shape: array.shape, ints: array.asInt64s())
        case .u8: self.init(dtype: .uint8, shape: array.shape, ints: array.asInt64s())
        case .bool: self.init(dtype: .bool, shape: array.shape, ints: array.asInt64s())
        }
    }

    /// The tensor as a safetensors array, or an error naming `name` for element types
    /// safetensors has no dtype for (strings, float8, uint32/64, int4, …).
    public func arrayData(name: String) throws -> ArrayData {
        switch dtype {
        case .double: return ArrayData(doubles: reals, shape: shape)
        case .float: return ArrayData(floats: reals.map { Float($0) }, shape: shape)
        case .float16: return ArrayData(floats: reals.map { Float($0) }, shape: shape, dtype: .f16)
        case .bfloat16: return ArrayData(floats: reals.map { Float($0) }, shape: shape, dtype: .bf16)
        case .int64: return ArrayData(int64s: ints, shape: shape)
        case .int32: return ArrayData(int32s: ints.map { Int32(truncatingIfNeeded: $0) }, shape: shape)
        case .uint8: return ArrayData(uint8s: ints.map { UInt8(truncatingIfNeeded: $0) }, shape: shape)
        case .bool: return ArrayData(bools: ints.map { $0 != 0 }, shape: shape)
        default: throw ONNXError("'\(name)': a \(dtype) tensor has no safetensors dtype")
        }
    }
}
