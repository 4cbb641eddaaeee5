/// A dense n-dimensional array as it lies in a file: a dtype, a shape and the raw element bytes,
/// little-endian, in C (row-major) order. The value type every GlassboxIO reader returns and
/// every writer takes; it knows nothing of tensors.
///
/// Invariant: `bytes.count == elementCount * dtype.byteSize`.
public struct ArrayData: Equatable, Sendable {
    /// The element type.
    public var dtype: DType
    /// The extent of each dimension; `[]` is a scalar (one element).
    public var shape: [Int]
    /// The elements, little-endian, C order.
    public var bytes: [UInt8]

    /// Creates an array from raw little-endian, C-order bytes.
    ///
    /// - Precondition: every dimension is non-negative and
    ///   `bytes.count == shape.product * dtype.byteSize`.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        let count = ArrayData.checkedElementCount(shape)
        precondition(
            count != nil && count! * dtype.byteSize == bytes.count,
            "ArrayData: \(bytes.count) bytes do not hold a \(dtype) array of shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The product of `shape`, or `nil` if a dimension is negative or the product overflows
    /// `Int` (or the byte count would).
    static func checkedElementCount(_ shape: [Int], elementSize: Int = 8) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        if count.multipliedReportingOverflow(by: elementSize).overflow { return nil }
        return count
    }
}

// MARK: - Creating arrays from Swift values

extension ArrayData {
    /// Creates an array from `Float` values, stored as `dtype` (`.f32` by default; `.f16` and
    /// `.bf16` round to nearest even, `.f64` is exact).
    ///
    /// - Precondition: `dtype` is a floating-point dtype and `floats.count` matches `shape`.
    public init(floats: [Float], shape: [Int], dtype: DType = .f32) {
        precondition(dtype.isFloatingPoint, "ArrayData(floats:): \(dtype) is not a float dtype")
        switch dtype {
        case .f32: self.init(dtype: dtype, shape: shape, bytes: littleEndianBytes(floats.map(\.bitPattern)))
        case .f64: self.init(doubles: floats.map(Double.init), shape: shape)
        case .f16: self.init(dtype: dtype, shape: shape, bytes: littleEndianBytes(floats.map(\.float16Bits)))
        default: self.init(dtype: dtype, shape: shape, bytes: littleEndianBytes(floats.map(\.bfloat16Bits)))
        }
    }

    /// Creates an array from `Double` values, stored as `dtype` (`.f64` by default; narrower
    /// float dtypes round to nearest even).
    ///
    /// - Precondition: `dtype` is a floating-point dtype and `doubles.count` matches `shape`.
    public init(doubles: [Double], shape: [Int], dtype: DType = .f64) {
        precondition(dtype.isFloatingPoint, "ArrayData(doubles:): \(dtype) is not a float dtype")
        if dtype == .f64 {
            self.init(dtype: .f64, shape: shape, bytes: littleEndianBytes(doubles.map(\.bitPattern)))
        } else {
            self.init(floats: doubles.map(Float.init), shape: shape, dtype: dtype)
        }
    }

    /// Creates an `.i64` array.
    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .i64, shape: shape, bytes: littleEndianBytes(int64s))
    }

    /// Creates an `.i32` array.
    public init(int32s: [Int32], shape: [Int]) {
        self.init(dtype: .i32, shape: shape, bytes: littleEndianBytes(int32s))
    }

    /// Creates a `.u8` array.
    public init(uint8s: [UInt8], shape: [Int]) {
        self.init(dtype: .u8, shape: shape, bytes: uint8s)
    }

    /// Creates a `.bool` array (one byte per element, 0 or 1).
    public init(bools: [Bool], shape: [Int]) {
        self.init(dtype: .bool, shape: shape, bytes: bools.map { $0 ? 1 : 0 })
    }
}

// MARK: - Reading values out

extension ArrayData {
    /// The elements converted to `Double`, for every dtype (exact for all but `.i64` values
    /// beyond 2^53; `.bool` gives 0 or 1).
    public func asDoubles() -> [Double] {
        let count = elementCount
        return bytes.withUnsafeBytes { raw -> [Double] in
            switch dtype {
            case .f64: return (0..<count).map { Double(bitPattern: raw.littleEndian(UInt64.self, at: $0)) }
            case .f32: return (0..<count).map { Double(Float(bitPattern: raw.littleEndian(UInt32.self, at: $0))) }
            case .f16: return (0..<count).map { Double(Float(float16Bits: raw.littleEndian(UInt16.self, at: $0))) }
            case .bf16: return (0..<count).map { Double(Float(bfloat16Bits: raw.littleEndian(UInt16.self, at: $0))) }
            case .i64: return (0..<count).map { Double(Int64(bitPattern: raw.littleEndian(UInt64.self, at: $0))) }
            case .i32: return (0..<count).map { Double(Int32(bitPattern: raw.littleEndian(UInt32.self, at: $0))) }
            case .i16: return (0..<count).map { Double(Int16(bitPattern: raw.littleEndian(UInt16.self, at: $0))) }
            case .i8: return (0..<count).map { Double(Int8(bitPattern: raw[$0])) }
            case .u8: return (0..<count).map { Double(raw[$0]) }
            case .bool: return (0..<count).map { raw[$0] != 0 ? 1 : 0 }
            }
        }
    }

    /// The elements converted to `Float`, for every dtype (`.f64` and large integers round to
    /// nearest; `.f16`/`.bf16` widen exactly; `.bool` gives 0 or 1).
    public func asFloats() -> [Float] {
        let count = elementCount
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .f32: return (0..<count).map { Float(bitPattern: raw.littleEndian(UInt32.self, at: $0)) }
            case .f16: return (0..<count).map { Float(float16Bits: raw.littleEndian(UInt16.self, at: $0)) }
            case .bf16: return (0..<count).map { Float(bfloat16Bits: raw.littleEndian(UInt16.self, at: $0)) }
            case .f64: return (0..<count).map { Float(Double(bitPattern: raw.littleEndian(UInt64.self, at: $0))) }
            case .i64: return (0..<count).map { Float(Int64(bitPattern: raw.littleEndian(UInt64.self, at: $0))) }
            case .i32: return (0..<count).map { Float(Int32(bitPattern: raw.littleEndian(UInt32.self, at: $0))) }
            case .i16: return (0..<count).map { Float(Int16(bitPattern: raw.littleEndian(UInt16.self, at: $0))) }
            case .i8: return (0..<count).map { Float(Int8(bitPattern: raw[$0])) }
            case .u8: return (0..<count).map { Float(raw[$0]) }
            case .bool: return (0..<count).map { raw[$0] != 0 ? 1 : 0 }
            }
        }
    }

    /// The elements converted to `Int64`, for the integer dtypes and `.bool` (0 or 1).
    ///
    /// - Precondition: `dtype` is not a floating-point dtype (convert those with `asDoubles()`
    ///   and round as you intend).
    public func asInt64s() -> [Int64] {
        precondition(!dtype.isFloatingPoint, "ArrayData.asInt64s(): dtype \(dtype) is floating point")
        let count = elementCount
        return bytes.withUnsafeBytes { raw -> [Int64] in
            switch dtype {
            case .i64: return (0..<count).map { Int64(bitPattern: raw.littleEndian(UInt64.self, at: $0)) }
            case .i32: return (0..<count).map { Int64(Int32(bitPattern: raw.littleEndian(UInt32.self, at: $0))) }
            case .i16: return (0..<count).map { Int64(Int16(bitPattern: raw.littleEndian(UInt16.self, at: $0))) }
            case .i8: return (0..<count).map { Int64(Int8(bitPattern: raw[$0])) }
            case .u8: return (0..<count).map { Int64(raw[$0]) }
            case .bool: return (0..<count).map { raw[$0] != 0 ? 1 : 0 }
            default: return []
            }
        }
    }

    /// The elements of a `.bool` or integer array as `Bool` (non-zero is `true`).
    ///
    /// - Precondition: `dtype` is not a floating-point dtype.
    public func asBools() -> [Bool] {
        if dtype.byteSize == 1 && !dtype.isFloatingPoint { return bytes.map { $0 != 0 } }
        return asInt64s().map { $0 != 0 }
    }
}

// MARK: - Byte helpers shared by the formats

extension UnsafeRawBufferPointer {
    /// The `index`-th little-endian `T` of the buffer (unaligned load).
    @inline(__always)
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at index: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: index &* MemoryLayout<T>.size, as: T.self))
    }
}

/// The little-endian bytes of `values`, concatenated.
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    let size = MemoryLayout<T>.size
    return [UInt8](unsafeUninitializedCapacity: values.count * size) { buffer, initialized in
        let raw = UnsafeMutableRawBufferPointer(buffer)
        for (index, value) in values.enumerated() {
            raw.storeBytes(of: value.littleEndian, toByteOffset: index * size, as: T.self)
        }
        initialized = values.count * size
    }
}

/// Reverses the byte order of each `size`-byte element of `bytes` in place.
func swapByteOrder(_ bytes: inout [UInt8], elementSize size: Int) {
    guard size > 1 else { return }
    bytes.withUnsafeMutableBufferPointer { buffer in
        var start = 0
        while start + size <= buffer.count {
            var low = start, high = start + size - 1
            while low < high {
                buffer.swapAt(low, high)
                low += 1
                high -= 1
            }
            start += size
        }
    }
}
