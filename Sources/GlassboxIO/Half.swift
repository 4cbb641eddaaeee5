// Bit-exact conversions between binary32 and the two 16-bit float formats (IEEE binary16 and
// bfloat16), written with integer operations so they behave the same on every platform.
// Widening is exact; narrowing rounds to nearest, ties to even, overflows to infinity and keeps
// NaNs NaN (quiet, payload truncated).

extension Float {
    /// Creates the binary32 value equal to the IEEE binary16 value with bit pattern `bits`
    /// (exact, including subnormals, infinities and NaN payloads).
    public init(float16Bits bits: UInt16) {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        if exponent == 0x1F {  // infinity or NaN
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else if exponent != 0 {  // normal
            self = Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        } else if mantissa == 0 {  // signed zero
            self = Float(bitPattern: sign)
        } else {  // subnormal: mantissa × 2^-24, exact in binary32
            let magnitude = Float(mantissa) * Float(bitPattern: 0x3380_0000)  // 2^-24
            self = sign != 0 ? -magnitude : magnitude
        }
    }

    /// Creates the binary32 value equal to the bfloat16 value with bit pattern `bits` (exact).
    public init(bfloat16Bits bits: UInt16) {
        self = Float(bitPattern: UInt32(bits) << 16)
    }

    /// The IEEE binary16 bit pattern nearest to this value (round to nearest, ties to even;
    /// too large values become infinity; NaN stays a quiet NaN).
    public var float16Bits: UInt16 {
        let bits = bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 112  // rebias 127 → 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal or zero in binary16: shift the full significand right.
            if halfExponent < -10 { return sign }  // below half the smallest subnormal
            let significand = mantissa | 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var result = significand >> shift
            let remainder = significand & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = UInt32(halfExponent) << 10 | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) {
            result += 1  // may carry into the exponent, up to infinity: still correct
        }
        return sign | UInt16(result)
    }

    /// The bfloat16 bit pattern nearest to this value (round to nearest, ties to even; NaN
    /// stays a quiet NaN).
    public var bfloat16Bits: UInt16 {
        let bits = bitPattern
        if isNaN { return UInt16(bits >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
