import GlassboxIO

/// The 8-, 6- and 4-bit float formats of ONNX (FLOAT8E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0,
/// FLOAT4E2M1): decoding by the format's fields, encoding by the nearest of its (at most 256)
/// values, ties to the even code, out-of-range values to the largest finite value (saturate)
/// or to infinity/NaN as the format has.
struct MiniFloat: Sendable {
    let bits: Int
    let exponentBits: Int
    let mantissaBits: Int
    let bias: Int
    /// No infinities; the all-ones code (FN) is NaN.
    let finiteOnly: Bool
    /// Unsigned zero only; 0x80 is NaN (FNUZ).
    let unsignedZero: Bool
    let values: [Double]
    let largest: Double

    init(bits: Int, exponentBits: Int, mantissaBits: Int, bias: Int, finiteOnly: Bool, unsignedZero: Bool, decoder: ((Int) -> Double)? = nil) {
        self.bits = bits
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.finiteOnly = finiteOnly
        self.unsignedZero = unsignedZero
        var table: [Double] = []
        for code in 0..<(1 << bits) {
            table.append(decoder?(code) ?? MiniFloat.decodeFields(code, bits, exponentBits, mantissaBits, bias, finiteOnly, unsignedZero))
        }
        values = table
        largest = table.filter { $0.isFinite }.max() ?? 0
    }

    static func decodeFields(_ code: Int, _ bits: Int, _ e: Int, _ m: Int, _ bias: Int, _ finiteOnly: Bool, _ unsignedZero: Bool) -> Double {
        let signBit = 1 << (bits - 1)
        if unsignedZero && code == signBit { return .nan }
        let sign: Double = code & signBit != 0 ? -1 : 1
        let exponent = (code >> m) & ((1 << e) - 1)
        let mantissa = code & ((1 << m) - 1)
        let maxExponent = (1 << e) - 1
        if bits == 8 && finiteOnly && !unsignedZero && exponent == maxExponent && mantissa == (1 << m) - 1 { return .nan }
        if bits == 8 && !finiteOnly && !unsignedZero && exponent == maxExponent {
            return mantissa == 0 ? sign * .infinity : .nan
        }
        if exponent == 0 { return sign * Double(mantissa) * pow2(1 - bias - m) }
        return sign * (1 + Double(mantissa) / Double(1 << m)) * pow2(exponent - bias)
    }

    static func pow2(_ n: Int) -> Double { Double(sign: .plus, exponent: n, significand: 1) }

    func decode(_ code: Int) -> Double { values[code & ((1 << bits) - 1)] }

    func encode(_ x: Double, saturate: Bool) -> Int {
        if x.isNaN { return values.firstIndex { $0.isNaN } ?? 0 }
        if x.isInfinite || abs(x) > largest {
            let code = values.firstIndex { x > 0 ? $0 == largest : $0 == -largest } ?? 0
            if saturate || x.isFinite && abs(x) <= largest { return code }
            if let inf = values.firstIndex(where: { $0 == x }) { return inf }
            if x.isFinite, !finiteOnly, !unsignedZero, let inf = values.firstIndex(where: { $0 == (x > 0 ? Double.infinity : -Double.infinity) }) {
                return inf
            }
            return values.firstIndex { $0.isNaN } ?? code
        }
        var best = 0
        var bestDistance = Double.infinity
        for (code, v) in values.enumerated() where v.isFinite {
            let d = abs(v - x)
            if d < bestDistance || (d == bestDistance && (code & 1) == 0 && (best & 1) == 1) {
                best = code
                bestDistance = d
            }
        }
        if values[best] == 0 && x < 0 && !unsignedZero { return values.firstIndex { $0 == 0 && $0.sign == .minus } ?? best }
        return best
    }

    static let e4m3fn = MiniFloat(bits: 8, exponentBits: 4, mantissaBits: 3, bias: 7, finiteOnly: true, unsignedZero: false)
    static let e4m3fnuz = MiniFloat(bits: 8, exponentBits: 4, mantissaBits: 3, bias: 8, finiteOnly: true, unsignedZero: true)
    static let e5m2 = MiniFloat(bits: 8, exponentBits: 5, mantissaBits: 2, bias: 15, finiteOnly: false, unsignedZero: false)
    static let e5m2fnuz = MiniFloat(bits: 8, exponentBits: 5, mantissaBits: 2, bias: 16, finiteOnly: true, unsignedZero: true)
    static let e2m1 = MiniFloat(bits: 4, exponentBits: 2, mantissaBits: 1, bias: 1, finiteOnly: true, unsignedZero: false)
    static let e8m0 = MiniFloat(bits: 8, exponentBits: 8, mantissaBits: 0, bias: 127, finiteOnly: true, unsignedZero: false) { code in
        code == 255 ? .nan : pow2(code - 127)
    }

    static func format(_ dtype: ONNXDataType) -> MiniFloat? {
        switch dtype {
        case .float8e4m3fn: e4m3fn
        case .float8e4m3fnuz: e4m3fnuz
        case .float8e5m2: e5m2
        case .float8e5m2fnuz: e5m2fnuz
        case .float4e2m1: e2m1
        case .float8e8m0: e8m0
        default: nil
        }
    }
}
