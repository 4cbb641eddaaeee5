import GlassboxIO
import Testing

@Suite struct ArrayDataTests {
    @Test func floatsRoundTripThroughEveryFloatDType() {
        let values: [Float] = [0, -0.0, 1.5, -2.25, 0.1, .infinity, -.infinity]
        let f32 = ArrayData(floats: values, shape: [7])
        #expect(f32.dtype == .f32 && f32.bytes.count == 28)
        #expect(f32.asFloats().map(\.bitPattern) == values.map(\.bitPattern))
        #expect(ArrayData(floats: values, shape: [7], dtype: .f64).asDoubles() == values.map(Double.init))
        let f16 = ArrayData(floats: [1, -2.5, 65504, 0.5], shape: [2, 2], dtype: .f16)
        #expect(f16.bytes == [0x00, 0x3C, 0x00, 0xC1, 0xFF, 0x7B, 0x00, 0x38])
        #expect(f16.asFloats() == [1, -2.5, 65504, 0.5])
        let bf16 = ArrayData(floats: [1, -2.5, 3], shape: [3], dtype: .bf16)
        #expect(bf16.bytes == [0x80, 0x3F, 0x20, 0xC0, 0x40, 0x40])
        #expect(bf16.asDoubles() == [1, -2.5, 3])
    }

    @Test func integersAndBools() {
        let ints = ArrayData(int64s: [0, -1, .max, .min], shape: [2, 2])
        #expect(ints.asInt64s() == [0, -1, .max, .min])
        #expect(ArrayData(int32s: [7, -8], shape: [2]).asInt64s() == [7, -8])
        #expect(ArrayData(int32s: [7, -8], shape: [2]).asFloats() == [7, -8])
        let bools = ArrayData(bools: [true, false, true], shape: [3])
        #expect(bools.bytes == [1, 0, 1] && bools.asBools() == [true, false, true])
        #expect(bools.asFloats() == [1, 0, 1])
        let bytes = ArrayData(uint8s: [0, 255], shape: [2])
        #expect(bytes.asDoubles() == [0, 255] && bytes.asInt64s() == [0, 255])
        #expect(ArrayData(dtype: .i8, shape: [2], bytes: [0xFF, 0x80]).asInt64s() == [-1, -128])
        #expect(ArrayData(dtype: .i16, shape: [1], bytes: [0x00, 0x80]).asDoubles() == [-32768])
        #expect(ArrayData(floats: [], shape: [0, 3]).elementCount == 0)
        #expect(ArrayData(doubles: [2.5], shape: []).elementCount == 1)
    }

    @Test func everyHalfBitPatternWidensAndNarrowsBack() {
        for bits in 0...UInt16.max {
            let value = Float(float16Bits: bits)
            if value.isNaN {
                #expect(value.float16Bits & 0x7C00 == 0x7C00 && value.float16Bits & 0x3FF != 0)
            } else {
                #expect(value.float16Bits == bits, "half \(bits)")
            }
            let brain = Float(bfloat16Bits: bits)
            #expect(brain.isNaN ? brain.bfloat16Bits & 0x7F80 == 0x7F80 : brain.bfloat16Bits == bits)
        }
    }

    @Test func halfNarrowingRoundsToNearestEven() {
        // Subnormals: the smallest half subnormal is 2^-24; ties go to even.
        #expect(Float(0x1p-24).float16Bits == 0x0001)
        #expect(Float(0x1p-25).float16Bits == 0x0000)  // tie between 0 and 1 → 0
        #expect(Float(0x1.8p-24).float16Bits == 0x0002)  // tie between 1 and 2 → 2
        #expect(Float(0x1.0p-26).float16Bits == 0x0000)
        #expect(Float(-0x1p-24).float16Bits == 0x8001)
        #expect(Float(0x1p-14).float16Bits == 0x0400)  // smallest normal
        #expect(Float(0x1.ffcp-15).float16Bits == 0x0400)  // rounds up into the normals
        #expect(Float(65520).float16Bits == 0x7C00)  // halfway to the next binade → infinity
        #expect(Float(65519).float16Bits == 0x7BFF)
        #expect(Float(1 + 0x1p-11).float16Bits == 0x3C00)  // tie → even
        #expect(Float(1 + 0x1.8p-10).float16Bits == 0x3C02)  // tie → even (up)
        #expect(Float.nan.float16Bits == 0x7E00)
        #expect(Float(float16Bits: 0x0001) == 0x1p-24)
        #expect(Float(float16Bits: 0x03FF) == 0x1.ff8p-15)
        #expect(Float(float16Bits: 0xFC00) == -.infinity)
        #expect(Float(float16Bits: 0x7E00).bitPattern == 0x7FC0_0000)
        #expect(Float(1 + 0x1p-8).bfloat16Bits == 0x3F80)  // tie → even
        #expect(Float(1 + 0x1.8p-7).bfloat16Bits == 0x3F82)
        #expect(Float.greatestFiniteMagnitude.bfloat16Bits == 0x7F80)  // rounds to infinity
        #expect(Float.nan.bfloat16Bits == 0x7FC0)
    }

    @Test func dtypeNames() {
        #expect(DType.allCases.count == 10)
        for dtype in DType.allCases { #expect(DType(safeTensorsName: dtype.safeTensorsName) == dtype) }
        #expect(DType(safeTensorsName: "F8_E4M3") == nil)
        #expect(DType.bf16.byteSize == 2 && DType.bool.byteSize == 1 && DType.i64.byteSize == 8)
    }
}
