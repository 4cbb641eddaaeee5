// ONNX `TensorProto`, `SparseTensorProto` and the element-type enum, decoded from and encoded to
// the protobuf wire format (field numbers of onnx.proto, IR version 11).

/// The element type of an ONNX tensor (`TensorProto.DataType`).
public enum ONNXDataType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case undefined = 0, float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    case string = 8, bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13
    case complex64 = 14, complex128 = 15, bfloat16 = 16
    case float8e4m3fn = 17, float8e4m3fnuz = 18, float8e5m2 = 19, float8e5m2fnuz = 20
    case uint4 = 21, int4 = 22, float4e2m1 = 23, float8e8m0 = 24, uint2 = 25, int2 = 26
    case float6e2m3 = 27, float6e3m2 = 28

    /// The lower-case name used by onnx (`float`, `int64`, `float8e4m3fn`).
    public var description: String { ONNXDataType.names[rawValue] }

    static let names = ["undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool", "float16", "double", "uint32", "uint64", "complex64", "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz", "uint4", "int4", "float4e2m1", "float8e8m0", "uint2", "int2", "float6e2m3", "float6e3m2"]

    /// Whether elements are floating point (any width).
    public var isFloatingPoint: Bool {
        switch self {
        case .float, .double, .float16, .bfloat16, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz,
            .float4e2m1, .float8e8m0, .float6e2m3, .float6e3m2: true
        default: false
        }
    }

    /// Whether elements are integers (signed or unsigned, any width; not bool).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .uint16, .int16, .int32, .int64, .uint32, .uint64, .uint4, .int4, .uint2, .int2: true
        default: false
        }
    }

    /// Bits per element in `raw_data` (0 for strings).
    public var bitWidth: Int {
        switch self {
        case .undefined, .string: 0
        case .bool, .uint8, .int8, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz, .float8e8m0: 8
        case .uint16, .int16, .float16, .bfloat16: 16
        case .int32, .uint32, .float: 32
        case .int64, .uint64, .double, .complex64: 64
        case .complex128: 128
        case .uint4, .int4, .float4e2m1: 4
        case .uint2, .int2: 2
        case .float6e2m3, .float6e3m2: 6
        }
    }
}

/// One `key`/`value` pair (`StringStringEntryProto`).
public struct ONNXStringPair: Sendable, Equatable {
    /// The key.
    public var key: String
    /// The value.
    public var value: String
    /// A pair.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    init(reader r: inout ProtobufReader) throws {
        key = ""
        value = ""
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited); key = try r.string()
            case 2: try r.expect(type, .lengthDelimited); value = try r.string()
            default: try r.skip(type)
            }
        }
    }

    func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.string(1, key)
        w.string(2, value)
        return w
    }
}

/// An ONNX `TensorProto`: a dense tensor's dims, element type and data, as stored (in
/// `raw_data` or one of the typed fields; see ``ONNXTensorProto/rawData``).
public struct ONNXTensorProto: Sendable, Equatable {
    /// The dimensions.
    public var dims: [Int64] = []
    /// The element type (`data_type`, an ``ONNXDataType`` raw value; kept raw so that unknown
    /// types reach the runtime's error message).
    public var dataType: Int = 0
    /// The value name.
    public var name: String = ""
    /// A documentation string.
    public var docString: String = ""
    /// `float_data` (FLOAT, COMPLEX64).
    public var floatData: [Float] = []
    /// `int32_data` (INT32, and the narrower types: INT16, INT8, UINT16, UINT8, BOOL, FLOAT16 and
    /// BFLOAT16 bits, FLOAT8 bits, INT4/UINT4 packed two per value).
    public var int32Data: [Int64] = []
    /// `string_data` (STRING), as bytes.
    public var stringData: [[UInt8]] = []
    /// `int64_data` (INT64).
    public var int64Data: [Int64] = []
    /// `raw_data`: the elements little-endian and packed, or `nil` when the typed fields are used.
    public var rawData: [UInt8]? = nil
    /// `double_data` (DOUBLE, COMPLEX128).
    public var doubleData: [Double] = []
    /// `uint64_data` (UINT32, UINT64), as bit patterns.
    public var uint64Data: [Int64] = []
    /// `external_data`: `location`, `offset`, `length`, … of data stored in a file beside the model.
    public var externalData: [ONNXStringPair] = []
    /// `data_location`: 1 when the data is external.
    public var dataLocation: Int = 0

    /// An empty tensor proto.
    public init() {}

    /// Decodes a serialized `TensorProto`.
    public init(serialized bytes: [UInt8]) throws {
        var r = ProtobufReader(bytes, message: "TensorProto")
        try self.init(reader: &r)
    }

    init(reader r: inout ProtobufReader) throws {
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.repeatedVarint(type, into: &dims)
            case 2: try r.expect(type, .varint); dataType = Int(truncatingIfNeeded: try r.int64())
            case 4: try r.repeatedFloat(type, into: &floatData)
            case 5: try r.repeatedVarint(type, into: &int32Data)
            case 6: try r.expect(type, .lengthDelimited); stringData.append(try r.bytesField())
            case 7: try r.repeatedVarint(type, into: &int64Data)
            case 8: try r.expect(type, .lengthDelimited); name = try r.string()
            case 9: try r.expect(type, .lengthDelimited); rawData = try r.bytesField()
            case 10: try r.repeatedDouble(type, into: &doubleData)
            case 11: try r.repeatedVarint(type, into: &uint64Data)
            case 12: try r.expect(type, .lengthDelimited); docString = try r.string()
            case 13:
                try r.expect(type, .lengthDelimited)
                var sub = try r.messageReader("StringStringEntryProto")
                externalData.append(try ONNXStringPair(reader: &sub))
            case 14: try r.expect(type, .varint); dataLocation = Int(truncatingIfNeeded: try r.int64())
            default: try r.skip(type)
            }
        }
    }

    /// The encoded message.
    public func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.packedInts(1, dims)
        w.int(2, Int64(dataType))
        w.packedFloats(4, floatData)
        w.packedInts(5, int32Data)
        for s in stringData { w.bytes(6, s) }
        w.packedInts(7, int64Data)
        if !name.isEmpty { w.string(8, name) }
        if let rawData { w.bytes(9, rawData) }
        w.packedDoubles(10, doubleData)
        w.packedInts(11, uint64Data)
        if !docString.isEmpty { w.string(12, docString) }
        for p in externalData { w.message(13, p.encoded()) }
        if dataLocation != 0 { w.int(14, Int64(dataLocation)) }
        return w
    }

    /// The serialized bytes.
    public func serialized() -> [UInt8] { encoded().bytes }
}

/// An ONNX `SparseTensorProto`: the non-zero `values`, their `indices` and the dense `dims`.
public struct ONNXSparseTensorProto: Sendable, Equatable {
    /// The non-zero values (1-d).
    public var values = ONNXTensorProto()
    /// The indices: `[nnz]` linear or `[nnz, rank]` coordinates.
    public var indices = ONNXTensorProto()
    /// The dense shape.
    public var dims: [Int64] = []

    /// An empty sparse tensor.
    public init() {}

    init(reader r: inout ProtobufReader) throws {
        while let (field, type) = try r.nextField() {
            switch field {
            case 1: try r.expect(type, .lengthDelimited); var s = try r.messageReader("TensorProto"); values = try ONNXTensorProto(reader: &s)
            case 2: try r.expect(type, .lengthDelimited); var s = try r.messageReader("TensorProto"); indices = try ONNXTensorProto(reader: &s)
            case 3: try r.repeatedVarint(type, into: &dims)
            default: try r.skip(type)
            }
        }
    }

    /// The encoded message.
    public func encoded() -> ProtobufWriter {
        var w = ProtobufWriter()
        w.message(1, values.encoded())
        w.message(2, indices.encoded())
        w.packedInts(3, dims)
        return w
    }
}
