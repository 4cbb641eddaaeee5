import GlassboxIO

// Cast and CastLike: every pair of supported element types, strings parsed and printed like
// numpy, float8 conversions with or without saturation.

/// Converts `x` to element type `to`; `saturate` applies to the float8 types.
func castTensor(_ x: ONNXTensor, to: ONNXDataType, saturate: Bool = true, roundMode: String = "up") -> ONNXTensor {
    if to == x.dtype { return x }
    switch (x.storage, to) {
    case (.string(let s), _):
        if to.isFloatingPoint {
            return castTensor(ONNXTensor(dtype: .double, shape: x.shape, storage: .real(s.map(parseFloat))), to: to, saturate: saturate)
        }
        return ONNXTensor(dtype: to, shape: x.shape, ints: s.map { Int64($0) ?? doubleToInt64(parseFloat($0)) })
    case (.real(let v), .string):
        if x.dtype == .double { return ONNXTensor(shape: x.shape, strings: v.map { numpyString($0) }) }
        return ONNXTensor(shape: x.shape, strings: v.map { numpyString(Float($0)) })
    case (.int(let v), .string):
        if x.dtype == .bool { return ONNXTensor(shape: x.shape, strings: v.map { $0 != 0 ? "True" : "False" }) }
        if x.dtype == .uint64 { return ONNXTensor(shape: x.shape, strings: v.map { "\(UInt64(bitPattern: $0))" }) }
        return ONNXTensor(shape: x.shape, strings: v.map { "\($0)" })
    case (.real(let v), _) where to.isFloatingPoint:
        if to == .float8e8m0 {
            let mode = roundMode
            return ONNXTensor(dtype: to, shape: x.shape, storage: .real(v.map { castE8M0($0, mode: mode, saturate: saturate) }))
        }
        if !saturate, let format = MiniFloat.format(to) {
            return ONNXTensor(dtype: to, shape: x.shape, storage: .real(v.map { format.decode(format.encode($0, saturate: false)) }))
        }
        return ONNXTensor(dtype: to, shape: x.shape, reals: v)
    case (.real(let v), _):
        if to == .bool { return ONNXTensor(dtype: to, shape: x.shape, ints: v.map { $0 != 0 ? 1 : 0 }) }
        if to == .int4 || to == .uint4 || to == .int2 || to == .uint2 {
            let lo: Double = to == .int4 ? -8 : to == .int2 ? -2 : 0, hi: Double = to == .int4 ? 7 : to == .uint4 ? 15 : to == .int2 ? 1 : 3
            return ONNXTensor(dtype: to, shape: x.shape, ints: v.map { let r = $0.rounded(.toNearestOrEven); return r >= lo && r <= hi ? Int64(r) : 0 })
        }
        if to == .uint64 { return ONNXTensor(dtype: to, shape: x.shape, ints: v.map { $0 >= 9.2e18 && $0 < 1.8446744073709552e19 ? Int64(bitPattern: UInt64($0)) : doubleToInt64($0) }) }
        return ONNXTensor(dtype: to, shape: x.shape, ints: v.map { doubleToInt64($0) })
    case (.int(let v), _):
        if to.isFloatingPoint { return ONNXTensor(dtype: to, shape: x.shape, reals: x.reals) }
        if to == .bool { return ONNXTensor(dtype: to, shape: x.shape, ints: v.map { $0 != 0 ? 1 : 0 }) }
        if to == .int4 || to == .uint4 || to == .int2 || to == .uint2 { return ONNXTensor(dtype: to, shape: x.shape, ints: v) }
        return ONNXTensor(dtype: to, shape: x.shape, ints: v)
    }
}

func parseFloat(_ s: String) -> Double {
    let t = s.lowercased().trimmingPrefix("+")
    switch t {
    case "inf", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "nan", "-nan": return .nan
    default: return Double(String(t)) ?? .nan
    }
}

/// `str()` of a numpy float32/float64 scalar: the shortest round-trip digits.
func numpyString<F: BinaryFloatingPoint & CustomStringConvertible>(_ x: F) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    var s = x.description
    if let e = s.firstIndex(of: "e") {
        var mantissa = String(s[..<e])
        var exponent = String(s[s.index(after: e)...])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        let negative = exponent.hasPrefix("-")
        if negative || exponent.hasPrefix("+") { exponent.removeFirst() }
        if exponent.count < 2 { exponent = "0" + exponent }
        s = mantissa + "e" + (negative ? "-" : "+") + exponent
    }
    return s
}

func dataType(_ ctx: ONNXNodeContext, _ raw: Int) throws -> ONNXDataType {
    guard let t = ONNXDataType(rawValue: raw), t != .undefined else { throw ctx.fail("unknown element type \(raw)") }
    return t
}

extension ONNXOperators {
    nonisolated(unsafe) static let cast: [String: ONNXOperator] = [
        "Cast": { ctx in
            let to = try dataType(ctx, ctx.int("to", 0))
            return ONNXNodeContext.one(castTensor(try ctx.input(0), to: to, saturate: ctx.int("saturate", 1) != 0, roundMode: ctx.string("round_mode", "up")))
        },
        "CastLike": { ctx in
            ONNXNodeContext.one(castTensor(try ctx.input(0), to: try ctx.input(1).dtype, saturate: ctx.int("saturate", 1) != 0, roundMode: ctx.string("round_mode", "up")))
        },
    ]
}

/// FLOAT8E8M0 (a power of two, 2^-127 … 2^127) from `x`, rounding `up`, `down` or `nearest`.
func castE8M0(_ x: Double, mode: String, saturate: Bool) -> Double {
    if x.isNaN || x <= 0 && !(x == 0) { return .nan }
    if x.isInfinite { return saturate ? 0x1p127 : .nan }
    if x == 0 { return 0x1p-127 }
    let e = x.exponent
    let exact = x == Double(sign: .plus, exponent: e, significand: 1)
    var k = Int(e)
    switch mode {
    case "down": break
    case "nearest": if x.significand >= 1.5 { k += 1 }
    default: if !exact { k += 1 }
    }
    if k > 127 { return saturate ? 0x1p127 : .nan }
    return Double(sign: .plus, exponent: max(k, -127), significand: 1)
}
