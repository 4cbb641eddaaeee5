import GlassboxIO

// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearMatMul: per-tensor,
// per-axis and blocked scales and zero points; integer, float8 and float4 targets.

/// For each element of a tensor of `shape`, the flat index of its scale (scalar, per-axis or blocked).
func quantParameterIndices(_ shape: [Int], _ parameter: ONNXTensor, axis: Int, block: Int) -> [Int] {
    let count = shape.reduce(1, *)
    if parameter.count == 1 { return [Int](repeating: 0, count: count) }
    var result: [Int] = []
    result.reserveCapacity(count)
    if parameter.rank <= 1 || block == 0 {
        let inner = shape[(axis + 1)...].reduce(1, *)
        for i in 0..<count { result.append((i / inner) % shape[axis]) }
        return result
    }
    let pStrides = stridesOf(parameter.shape)
    forEachIndex(shape) { idx in
        var f = 0
        for d in 0..<idx.count { f += (d == axis ? idx[d] / block : idx[d]) * pStrides[d] }
        result.append(f)
    }
    return result
}

func integerRange(_ t: ONNXDataType) -> (Double, Double)? {
    switch t {
    case .uint8: (0, 255)
    case .int8: (-128, 127)
    case .uint16: (0, 65535)
    case .int16: (-32768, 32767)
    case .uint4: (0, 15)
    case .int4: (-8, 7)
    case .uint2: (0, 3)
    case .int2: (-2, 1)
    case .int32: (-2147483648, 2147483647)
    default: nil
    }
}

extension ONNXOperators {
    nonisolated(unsafe) static let quantization: [String: ONNXOperator] = [
        "QuantizeLinear": { ctx in
            let x = try ctx.input(0), scale = try ctx.input(1), zero = try ctx.optionalInput(2)
            let axis = scale.count == 1 ? 0 : try normalizeAxis(ctx.int("axis", 1), max(x.rank, 1), ctx)
            let block = ctx.int("block_size", 0)
            let out = try zero?.dtype ?? ctx.int("output_dtype").flatMap { $0 == 0 ? nil : try dataType(ctx, $0) } ?? .uint8
            let si = quantParameterIndices(x.shape, scale, axis: axis, block: block)
            let zi = zero.map { quantParameterIndices(x.shape, $0, axis: axis, block: block) }
            let xv = x.reals, sv = scale.reals, zv = zero?.reals
            var q = [Double](repeating: 0, count: xv.count)
            for i in 0..<xv.count {
                q[i] = xv[i] / sv[si[i]]
                if x.dtype == .float || scale.dtype == .float { q[i] = Double(Float(q[i])) }
            }
            if let (lo, hi) = integerRange(out) {
                let r = (0..<q.count).map { i in Swift.min(Swift.max(q[i].rounded(.toNearestOrEven) + (zv.map { $0[zi![i]] } ?? 0), lo), hi) }
                return ONNXNodeContext.one(ONNXTensor(dtype: out, shape: x.shape, reals: r))
            }
            if out == .float4e2m1 || out == .float6e2m3 || out == .float6e3m2, let zv {
                for i in 0..<q.count { q[i] += zv[zi![i]] }
            }
            return ONNXNodeContext.one(castTensor(ONNXTensor(dtype: .double, shape: x.shape, reals: q), to: out, saturate: ctx.int("saturate", 1) != 0))
        },
        "DequantizeLinear": { ctx in
            let x = try ctx.input(0), scale = try ctx.input(1), zero = try ctx.optionalInput(2)
            let axis = scale.count == 1 ? 0 : try normalizeAxis(ctx.int("axis", 1), max(x.rank, 1), ctx)
            let block = ctx.int("block_size", 0)
            let si = quantParameterIndices(x.shape, scale, axis: axis, block: block)
            let xv = x.reals, sv = scale.reals
            var y = [Double](repeating: 0, count: xv.count)
            let useZero = zero != nil && x.dtype.isInteger
            let zi = zero.map { quantParameterIndices(x.shape, $0, axis: axis, block: block) }
            let zv = zero?.reals
            for i in 0..<xv.count {
                let dx = useZero ? xv[i] - zv![zi![i]] : xv[i]
                y[i] = Double(Float(dx)) * sv[si[i]]
            }
            let out = try ctx.int("output_dtype").flatMap { $0 == 0 ? nil : try dataType(ctx, $0) } ?? scale.dtype
            return ONNXNodeContext.one(ONNXTensor(dtype: out, shape: x.shape, reals: y))
        },
        "DynamicQuantizeLinear": { ctx in
            let x = try ctx.input(0)
            let v = x.reals
            let lo = Swift.min(0, v.min() ?? 0), hi = Swift.max(0, v.max() ?? 0)
            let scale = Double(Float((hi - lo) / 255))
            let zero = scale == 0 ? 0 : Swift.min(Swift.max((-lo / scale).rounded(.toNearestOrEven), 0), 255)
            let y = v.map { scale == 0 ? zero : Swift.min(Swift.max((Double(Float($0 / scale))).rounded(.toNearestOrEven) + zero, 0), 255) }
            return [.tensor(ONNXTensor(dtype: .uint8, shape: x.shape, reals: y)), .tensor(ONNXTensor(dtype: .float, shape: [], reals: [scale])),
                    .tensor(ONNXTensor(dtype: .uint8, shape: [], reals: [zero]))]
        },
        "QLinearMatMul": { ctx in
            let a = try ctx.input(0), aScale = try ctx.input(1), aZero = try ctx.input(2)
            let b = try ctx.input(3), bScale = try ctx.input(4), bZero = try ctx.input(5)
            let yScale = try ctx.input(6), yZero = try ctx.input(7)
            func dequant(_ t: ONNXTensor, _ s: ONNXTensor, _ z: ONNXTensor, axis: Int) -> ONNXTensor {
                let si = quantParameterIndices(t.shape, s, axis: axis, block: 0), zi = quantParameterIndices(t.shape, z, axis: axis, block: 0)
                let tv = t.reals, sv = s.reals, zv = z.reals
                return ONNXTensor(dtype: .double, shape: t.shape, reals: (0..<tv.count).map { (tv[$0] - zv[zi[$0]]) * sv[si[$0]] })
            }
            let da = dequant(a, aScale, aZero, axis: Swift.max(a.rank - 2, 0)), db = dequant(b, bScale, bZero, axis: b.rank - 1)
            let y = try matmul(da, db, ctx, dtype: .double)
            let (lo, hi) = integerRange(yZero.dtype) ?? (0, 255)
            let ys = yScale.reals[0], yz = yZero.reals[0]
            return ONNXNodeContext.one(ONNXTensor(dtype: yZero.dtype, shape: y.shape, reals: y.reals.map { Swift.min(Swift.max(($0 / ys).rounded(.toNearestOrEven) + yz, lo), hi) }))
        },
    ]
}
