import GlassboxIO

extension ONNXTensor {
    /// Decodes a `TensorProto` (raw or typed fields; external data read relative to `directory`).
    public init(proto: ONNXTensorProto, directory: String? = nil) throws {
        let label = proto.name.isEmpty ? "tensor" : "tensor '\(proto.name)'"
        guard let dtype = ONNXDataType(rawValue: proto.dataType), dtype != .undefined else {
            throw ONNXError("\(label): unknown data_type \(proto.dataType)")
        }
        guard proto.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else { throw ONNXError("\(label): invalid dims \(proto.dims)") }
        let shape = proto.dims.map { Int($0) }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 31 else { throw ONNXError("\(label): dims \(shape) are too large") }
            count = p
        }
        var raw = proto.rawData
        if proto.dataLocation == 1 || !proto.externalData.isEmpty {
            raw = try ONNXTensor.readExternal(proto, label: label, directory: directory)
        }
        if dtype == .string {
            guard proto.stringData.count == count else { throw ONNXError("\(label): \(proto.stringData.count) strings for shape \(shape)") }
            self.init(shape: shape, strings: proto.stringData.map { String(decoding: $0, as: UTF8.self) })
            return
        }
        if dtype == .complex64 || dtype == .complex128 { throw ONNXError("\(label): complex tensors are not supported") }
        if let raw {
            let bits = dtype.bitWidth
            let needed = (count * bits + 7) / 8
            guard raw.count == needed else { throw ONNXError("\(label): raw_data has \(raw.count) bytes, \(dtype) \(shape) needs \(needed)") }
            var codes = [UInt64](repeating: 0, count: count)
            if bits >= 8 {
                let bytes = bits / 8
                for i in 0..<count {
                    var v: UInt64 = 0
                    for k in 0..<bytes { v |= UInt64(raw[i * bytes + k]) << (8 * UInt64(k)) }
                    codes[i] = v
                }
            } else {
                let perByte = 8 / bits
                let mask = UInt64((1 << bits) - 1)
                for i in 0..<count { codes[i] = (UInt64(raw[i / perByte]) >> UInt64(bits * (i % perByte))) & mask }
            }
            self.init(dtype: dtype, shape: shape, codes: codes)
            return
        }
        switch dtype {
        case .float:
            guard proto.floatData.count == count else { throw ONNXError("\(label): \(proto.floatData.count) float_data for shape \(shape)") }
            self.init(dtype: dtype, shape: shape, storage: .real(proto.floatData.map { Double($0) }))
        case .double:
            guard proto.doubleData.count == count else { throw ONNXError("\(label): \(proto.doubleData.count) double_data for shape \(shape)") }
            self.init(dtype: dtype, shape: shape, storage: .real(proto.doubleData))
        case .int64:
            guard proto.int64Data.count == count else { throw ONNXError("\(label): \(proto.int64Data.count) int64_data for shape \(shape)") }
            self.init(dtype: dtype, shape: shape, storage: .int(proto.int64Data))
        case .uint32, .uint64:
            guard proto.uint64Data.count == count else { throw ONNXError("\(label): \(proto.uint64Data.count) uint64_data for shape \(shape)") }
            self.init(dtype: dtype, shape: shape, codes: proto.uint64Data.map { UInt64(bitPattern: $0) })
        default:
            let bits = dtype.bitWidth
            if bits < 8 {
                let perValue = 8 / bits
                guard proto.int32Data.count == (count + perValue - 1) / perValue else {
                    throw ONNXError("\(label): \(proto.int32Data.count) int32_data for \(dtype) \(shape)")
                }
                let mask = UInt64((1 << bits) - 1)
                let codes = (0..<count).map { i in (UInt64(truncatingIfNeeded: proto.int32Data[i / perValue]) >> UInt64(bits * (i % perValue))) & mask }
                self.init(dtype: dtype, shape: shape, codes: codes)
            } else {
                guard proto.int32Data.count == count else { throw ONNXError("\(label): \(proto.int32Data.count) int32_data for \(dtype) \(shape)") }
                let mask: UInt64 = bits == 32 ? 0xFFFF_FFFF : (1 << UInt64(bits)) - 1
                self.init(dtype: dtype, shape: shape, codes: proto.int32Data.map { UInt64(bitPattern: $0) & mask })
            }
        }
    }

    /// A tensor from element bit patterns (little-endian codes of `dtype`).
    init(dtype: ONNXDataType, shape: [Int], codes: [UInt64]) {
        switch dtype {
        case .float: self.init(dtype: dtype, shape: shape, storage: .real(codes.map { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }))
        case .double: self.init(dtype: dtype, shape: shape, storage: .real(codes.map { Double(bitPattern: $0) }))
        case .float16: self.init(dtype: dtype, shape: shape, storage: .real(codes.map { Double(Float(float16Bits: UInt16(truncatingIfNeeded: $0))) }))
        case .bfloat16: self.init(dtype: dtype, shape: shape, storage: .real(codes.map { Double(Float(bfloat16Bits: UInt16(truncatingIfNeeded: $0))) }))
        default:
            if let format = MiniFloat.format(dtype) {
                self.init(dtype: dtype, shape: shape, storage: .real(codes.map { format.decode(Int($0)) }))
            } else {
                self.init(dtype: dtype, shape: shape, ints: codes.map { Int64(bitPattern: $0) })
            }
        }
    }

    /// The element bit patterns (for `raw_data`).
    var codes: [UInt64] {
        switch storage {
        case .real(let v):
            switch dtype {
            case .float: return v.map { UInt64(Float($0).bitPattern) }
            case .double: return v.map { $0.bitPattern }
            case .float16: return v.map { UInt64(Float($0).float16Bits) }
            case .bfloat16: return v.map { UInt64(Float($0).bfloat16Bits) }
            default:
                let format = MiniFloat.format(dtype)!
                return v.map { UInt64(format.encode($0, saturate: true)) }
            }
        case .int(let v): return v.map { UInt64(bitPattern: $0) }
        case .string: return []
        }
    }

    /// Encodes this tensor as a `TensorProto` with `raw_data` (strings in `string_data`).
    public func proto(name: String = "") -> ONNXTensorProto {
        var p = ONNXTensorProto()
        p.name = name
        p.dims = shape.map { Int64($0) }
        p.dataType = dtype.rawValue
        if case .string(let s) = storage {
            p.stringData = s.map { Array($0.utf8) }
            return p
        }
        let bits = dtype.bitWidth
        let codes = self.codes
        var raw = [UInt8](repeating: 0, count: (codes.count * bits + 7) / 8)
        if bits >= 8 {
            let bytes = bits / 8
            for (i, c) in codes.enumerated() { for k in 0..<bytes { raw[i * bytes + k] = UInt8(truncatingIfNeeded: c >> (8 * UInt64(k))) } }
        } else {
            let perByte = 8 / bits
            let mask = UInt64((1 << bits) - 1)
            for (i, c) in codes.enumerated() { raw[i / perByte] |= UInt8((c & mask) << UInt64(bits * (i % perByte))) }
        }
        p.rawData = raw
        return p
    }

    static func readExternal(_ proto: ONNXTensorProto, label: String, directory: String?) throws -> [UInt8] {
        var location = ""
        var offset = 0
        var length: Int? = nil
        for entry in proto.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset": offset = Int(entry.value) ?? -1
            case "length": length = Int(entry.value) ?? -1
            default: break
            }
        }
        guard !location.isEmpty, !location.hasPrefix("/"), !location.split(separator: "/").contains(".."), offset >= 0 else {
            throw ONNXError("\(label): invalid external data location '\(location)' offset \(offset)")
        }
        let path = (directory.map { $0 + "/" } ?? "") + location
        let bytes = try FileIO.readBytes(atPath: path)
        let end = length.map { offset + $0 } ?? bytes.count
        guard (length ?? 0) >= 0, end <= bytes.count, offset <= end else {
            throw ONNXError("\(label): external data \(path) has \(bytes.count) bytes, need offset \(offset) length \(length ?? -1)")
        }
        return Array(bytes[offset..<end])
    }
}

extension ONNXValue {
    /// Decodes a test-data value.
    public init(proto: ONNXValueProto) throws {
        switch proto {
        case .tensor(let t): self = .tensor(try ONNXTensor(proto: t))
        case .sequence(let items, _):
            let values = try items.map { try ONNXValue(proto: $0) }
            var elem = ONNXDataType.float
            if case .tensor(let t)? = values.first { elem = t.dtype }
            self = .sequence(values, elementType: elem)
        case .optional(let item, _):
            self = .optional(try item.map { try ONNXValue(proto: $0) }, type: .unknown)
        }
    }

    /// Encodes this value as a test-data value.
    public func proto() -> ONNXValueProto {
        switch self {
        case .tensor(let t): .tensor(t.proto())
        case .sequence(let items, _): .sequence(items.map { $0.proto() }, elementKind: 1)
        case .optional(let item, _): .optional(item?.proto(), elementKind: 1)
        }
    }
}
