#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Elementwise operators: unary math and activations, binary arithmetic with numpy broadcasting,
// comparisons and logic, bitwise ops, Where, Clip and the variadic Sum/Mean/Max/Min.

/// Applies `real` (float types) or `int` (integer types) to every element.
func unaryOp(_ ctx: ONNXNodeContext, _ real: (Double) -> Double, int: ((Int64) -> Int64)? = nil) throws -> [ONNXValue?] {
    let x = try ctx.input(0)
    switch x.storage {
    case .real(let v): return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: v.map(real)))
    case .int(let v):
        if let int { return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, ints: v.map(int))) }
        throw ctx.fail("\(x.dtype) input is not supported")
    case .string: throw ctx.fail("string input is not supported")
    }
}

/// Broadcasts `a` and `b` and returns their element index maps and the output shape.
func broadcastPair(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: ONNXNodeContext) throws -> (shape: [Int], ia: [Int], ib: [Int]) {
    guard let shape = broadcastShape(a.shape, b.shape) else { throw ctx.fail("shapes \(a.shape) and \(b.shape) do not broadcast") }
    return (shape, broadcastIndices(from: a.shape, to: shape), broadcastIndices(from: b.shape, to: shape))
}

/// A binary op with broadcasting; the result has the first input's type.
func binaryOp(_ ctx: ONNXNodeContext, _ real: (Double, Double) -> Double, int: ((Int64, Int64) -> Int64)? = nil) throws -> [ONNXValue?] {
    let a = try ctx.input(0), b = try ctx.input(1)
    return [.tensor(try binary(a, b, ctx, real, int: int))]
}

func binary(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: ONNXNodeContext, _ real: (Double, Double) -> Double, int: ((Int64, Int64) -> Int64)? = nil) throws -> ONNXTensor {
    let (shape, ia, ib) = try broadcastPair(a, b, ctx)
    if a.dtype.isFloatingPoint || int == nil {
        guard a.dtype != .string else { throw ctx.fail("string input is not supported") }
        let x = a.reals, y = b.reals
        return ONNXTensor(dtype: a.dtype, shape: shape, reals: zip(ia, ib).map { real(x[$0], y[$1]) })
    }
    let x = a.ints, y = b.ints
    return ONNXTensor(dtype: a.dtype, shape: shape, ints: zip(ia, ib).map { int!(x[$0], y[$1]) })
}

/// A comparison with broadcasting; the result is bool.
func compareOp(_ ctx: ONNXNodeContext, _ real: @escaping (Double, Double) -> Bool, int: @escaping (Int64, Int64) -> Bool, string: ((String, String) -> Bool)? = nil) throws -> [ONNXValue?] {
    let a = try ctx.input(0), b = try ctx.input(1)
    let (shape, ia, ib) = try broadcastPair(a, b, ctx)
    let result: [Int64]
    switch (a.storage, b.storage) {
    case (.string(let x), .string(let y)):
        guard let string else { throw ctx.fail("string input is not supported") }
        result = zip(ia, ib).map { string(x[$0], y[$1]) ? 1 : 0 }
    case (.int(let x), .int(let y)) where a.dtype != .uint64:
        result = zip(ia, ib).map { int(x[$0], y[$1]) ? 1 : 0 }
    default:
        let x = a.reals, y = b.reals
        result = zip(ia, ib).map { real(x[$0], y[$1]) ? 1 : 0 }
    }
    return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: shape, ints: result))
}

/// Folds the inputs with a broadcasting binary op (Sum, Max, Min, Mean).
func variadicOp(_ ctx: ONNXNodeContext, _ real: @escaping (Double, Double) -> Double, int: ((Int64, Int64) -> Int64)?) throws -> ONNXTensor {
    var acc = try ctx.input(0)
    for i in 1..<max(ctx.inputCount, 1) { acc = try binary(acc, try ctx.input(i), ctx, real, int: int) }
    return acc
}

func pythonMod(_ a: Int64, _ b: Int64) -> Int64 {
    guard b != 0 else { return 0 }
    let r = a % b
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}

func nanMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
func nanMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

extension ONNXOperators {
    nonisolated(unsafe) static let elementwise: [String: ONNXOperator] = {
        var t: [String: ONNXOperator] = [:]
        let unaryReal: [(String, (Double) -> Double)] = [
            ("Exp", exp), ("Log", log), ("Sqrt", { $0.squareRoot() }), ("Reciprocal", { 1 / $0 }),
            ("Sin", sin), ("Cos", cos), ("Tan", tan), ("Asin", asin), ("Acos", acos), ("Atan", atan),
            ("Sinh", sinh), ("Cosh", cosh), ("Asinh", asinh), ("Acosh", acosh), ("Atanh", atanh),
            ("Floor", { $0.rounded(.down) }), ("Ceil", { $0.rounded(.up) }), ("Round", { $0.rounded(.toNearestOrEven) }),
            ("Erf", erf), ("Sigmoid", sigmoid), ("Tanh", tanh), ("Softsign", { $0 / (1 + abs($0)) }),
            ("Softplus", { $0 > 30 ? $0 : log1p(exp($0)) }), ("Mish", { $0 * tanh($0 > 30 ? $0 : log1p(exp($0))) }),
        ]
        for (name, f) in unaryReal { t[name] = { try unaryOp($0, f) } }
        t["Abs"] = { try unaryOp($0, { abs($0) }, int: { $0 < 0 ? 0 &- $0 : $0 }) }
        t["Neg"] = { try unaryOp($0, { -$0 }, int: { 0 &- $0 }) }
        t["Sign"] = { try unaryOp($0, { $0 > 0 ? 1 : $0 < 0 ? -1 : $0.isNaN ? .nan : 0 }, int: { $0.signum() }) }
        t["Relu"] = { try unaryOp($0, { $0 > 0 ? $0 : 0 }, int: { Swift.max($0, 0) }) }
        t["Identity"] = { ctx in [ctx.inputs.first ?? nil] }
        t["LeakyRelu"] = { ctx in let a = ctx.float("alpha", 0.01); return try unaryOp(ctx, { $0 >= 0 ? $0 : a * $0 }) }
        t["Elu"] = { ctx in let a = ctx.float("alpha", 1); return try unaryOp(ctx, { $0 >= 0 ? $0 : a * (exp($0) - 1) }) }
        t["Celu"] = { ctx in let a = ctx.float("alpha", 1); return try unaryOp(ctx, { Swift.max(0, $0) + Swift.min(0, a * (exp($0 / a) - 1)) }) }
        t["Selu"] = { ctx in
            let a = ctx.float("alpha", 1.67326319217681884765625), g = ctx.float("gamma", 1.05070102214813232421875)
            return try unaryOp(ctx, { $0 > 0 ? g * $0 : g * (a * exp($0) - a) })
        }
        t["ThresholdedRelu"] = { ctx in let a = ctx.float("alpha", 1); return try unaryOp(ctx, { $0 > a ? $0 : 0 }) }
        t["HardSigmoid"] = { ctx in
            let a = ctx.float("alpha", 0.2), b = ctx.float("beta", 0.5)
            return try unaryOp(ctx, { Swift.max(0, Swift.min(1, a * $0 + b)) })
        }
        t["HardSwish"] = { try unaryOp($0, { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) }) }
        t["Gelu"] = { ctx in
            if ctx.string("approximate", "none") == "tanh" {
                return try unaryOp(ctx, { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) })
            }
            return try unaryOp(ctx, { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) })
        }
        t["Shrink"] = { ctx in
            let l = ctx.float("lambd", 0.5), b = ctx.float("bias", 0)
            return try unaryOp(ctx, { $0 < -l ? $0 + b : $0 > l ? $0 - b : 0 }, int: { Double($0) < -l ? $0 + Int64(b) : Double($0) > l ? $0 - Int64(b) : 0 })
        }
        t["IsNaN"] = { ctx in
            let x = try ctx.input(0)
            return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: x.shape, ints: x.reals.map { $0.isNaN ? 1 : 0 }))
        }
        t["IsInf"] = { ctx in
            let x = try ctx.input(0)
            let neg = ctx.int("detect_negative", 1) != 0, pos = ctx.int("detect_positive", 1) != 0
            return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: x.shape, ints: x.reals.map { ($0 == .infinity && pos) || ($0 == -.infinity && neg) ? 1 : 0 }))
        }
        t["Not"] = { try unaryOp($0, { $0 == 0 ? 1 : 0 }, int: { $0 == 0 ? 1 : 0 }) }
        t["BitwiseNot"] = { try unaryOp($0, { $0 }, int: { ~$0 }) }

        t["Add"] = { try binaryOp($0, +, int: { $0 &+ $1 }) }
        t["Sub"] = { try binaryOp($0, -, int: { $0 &- $1 }) }
        t["Mul"] = { try binaryOp($0, *, int: { $0 &* $1 }) }
        t["Div"] = { try binaryOp($0, /, int: { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }) }
        t["Pow"] = { ctx in
            let a = try ctx.input(0), b = try ctx.input(1)
            if a.dtype.isFloatingPoint { return [.tensor(try binary(a, b, ctx, pow))] }
            let r = try binary(ONNXTensor(dtype: .double, shape: a.shape, reals: a.reals), b, ctx, pow)
            return ONNXNodeContext.one(ONNXTensor(dtype: a.dtype, shape: r.shape, ints: r.reals.map { doubleToInt64($0) }))
        }
        t["Mod"] = { ctx in
            if ctx.int("fmod", 0) != 0 { return try binaryOp(ctx, fmod, int: { $1 == 0 ? 0 : $0 % $1 }) }
            return try binaryOp(ctx, { a, b in let r = fmod(a, b); return r != 0 && (r < 0) != (b < 0) ? r + b : r }, int: pythonMod)
        }
        t["PRelu"] = { try binaryOp($0, { $0 >= 0 ? $0 : $0 * $1 }, int: { $0 >= 0 ? $0 : $0 &* $1 }) }
        t["BitShift"] = { ctx in
            let left = ctx.string("direction", "") == "LEFT"
            let dtype = try ctx.input(0).dtype
            return try binaryOp(ctx, { a, _ in a }, int: { a, b in
                let width = Int64(dtype.bitWidth)
                let signed = [.int8, .int16, .int32, .int64, .int4, .int2].contains(dtype)
                if left { return b < 0 || b >= width ? 0 : wrapToType(a << b, dtype) }
                if signed { return a >> (b < 0 ? 63 : Swift.min(b, 63)) }
                if b < 0 { return 0 }
                return b >= width ? 0 : Int64(bitPattern: UInt64(bitPattern: a) >> UInt64(b))
            })
        }
        t["BitwiseAnd"] = { try binaryOp($0, { a, _ in a }, int: { $0 & $1 }) }
        t["BitwiseOr"] = { try binaryOp($0, { a, _ in a }, int: { $0 | $1 }) }
        t["BitwiseXor"] = { try binaryOp($0, { a, _ in a }, int: { $0 ^ $1 }) }
        t["And"] = { try binaryOp($0, { $0 != 0 && $1 != 0 ? 1 : 0 }, int: { $0 != 0 && $1 != 0 ? 1 : 0 }) }
        t["Or"] = { try binaryOp($0, { $0 != 0 || $1 != 0 ? 1 : 0 }, int: { $0 != 0 || $1 != 0 ? 1 : 0 }) }
        t["Xor"] = { try binaryOp($0, { ($0 != 0) != ($1 != 0) ? 1 : 0 }, int: { ($0 != 0) != ($1 != 0) ? 1 : 0 }) }
        t["Equal"] = { try compareOp($0, ==, int: ==, string: ==) }
        t["Greater"] = { try compareOp($0, >, int: >) }
        t["Less"] = { try compareOp($0, <, int: <) }
        t["GreaterOrEqual"] = { try compareOp($0, >=, int: >=) }
        t["LessOrEqual"] = { try compareOp($0, <=, int: <=) }
        t["Sum"] = { ONNXNodeContext.one(try variadicOp($0, +, int: { $0 &+ $1 })) }
        t["Max"] = { ONNXNodeContext.one(try variadicOp($0, nanMax, int: { Swift.max($0, $1) })) }
        t["Min"] = { ONNXNodeContext.one(try variadicOp($0, nanMin, int: { Swift.min($0, $1) })) }
        t["Mean"] = { ctx in
            let s = try variadicOp(ctx, +, int: nil)
            let n = Double(ctx.inputCount)
            return ONNXNodeContext.one(ONNXTensor(dtype: s.dtype, shape: s.shape, reals: s.reals.map { $0 / n }))
        }
        t["Where"] = { ctx in
            let c = try ctx.input(0), x = try ctx.input(1), y = try ctx.input(2)
            guard let s1 = broadcastShape(c.shape, x.shape), let shape = broadcastShape(s1, y.shape) else {
                throw ctx.fail("shapes \(c.shape), \(x.shape), \(y.shape) do not broadcast")
            }
            let ic = broadcastIndices(from: c.shape, to: shape), ix = broadcastIndices(from: x.shape, to: shape)
            let iy = broadcastIndices(from: y.shape, to: shape)
            let cond = c.ints
            let count = shape.reduce(1, *)
            switch (x.storage, y.storage) {
            case (.string(let a), .string(let b)):
                return ONNXNodeContext.one(ONNXTensor(shape: shape, strings: (0..<count).map { cond[ic[$0]] != 0 ? a[ix[$0]] : b[iy[$0]] }))
            case (.int(let a), .int(let b)):
                return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, storage: .int((0..<count).map { cond[ic[$0]] != 0 ? a[ix[$0]] : b[iy[$0]] })))
            default:
                let a = x.reals, b = y.reals
                return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, storage: .real((0..<count).map { cond[ic[$0]] != 0 ? a[ix[$0]] : b[iy[$0]] })))
            }
        }
        t["Clip"] = { ctx in
            let x = try ctx.input(0)
            var lo = -Double.infinity, hi = Double.infinity
            if ctx.opset < 11 {
                lo = ctx.float("min", -.infinity)
                hi = ctx.float("max", .infinity)
            } else {
                if let m = try ctx.optionalInput(1) { lo = m.reals[0] }
                if let m = try ctx.optionalInput(2) { hi = m.reals[0] }
            }
            if case .int(let v) = x.storage {
                let l = try ctx.optionalInput(1)?.ints[0] ?? Int64.min, h = try ctx.optionalInput(2)?.ints[0] ?? Int64.max
                return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, ints: v.map { Swift.min(Swift.max($0, l), h) }))
            }
            return try unaryOp(ctx, { $0.isNaN ? $0 : Swift.min(Swift.max($0, lo), hi) })
        }
        return t
    }()
}
