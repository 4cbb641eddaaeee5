#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

// Smaller operators: Swish, SwiGLU, BitCast, RotaryEmbedding, Einsum, Unique, Det, the window
// functions, CenterCropPad, LRN and MaxUnpool.

func window(_ ctx: ONNXNodeContext, _ f: @escaping (Double, Double) -> Double) throws -> [ONNXValue?] {
    let size = Int(try ctx.input(0).ints[0])
    let periodic = ctx.int("periodic", 1) != 0
    let n = Double(periodic ? size : size - 1)
    let dtype = try dataType(ctx, ctx.int("output_datatype", 1))
    return ONNXNodeContext.one(ONNXTensor(dtype: dtype, shape: [size], reals: (0..<size).map { f(Double($0), n) }))
}

/// `einsum(equation, operands)` by iterating over every combination of the index letters.
func einsum(_ equation: String, _ operands: [ONNXTensor], _ ctx: ONNXNodeContext) throws -> ONNXTensor {
    let clean = equation.filter { $0 != " " }
    let parts = clean.components(separatedBy: "->")
    var inputs = parts[0].components(separatedBy: ",").map { Array($0) }
    guard inputs.count == operands.count else { throw ctx.fail("equation '\(equation)' has \(inputs.count) operands, got \(operands.count)") }
    // Expand "..." into fresh upper-case-free symbols.
    var ellipsisRank = 0
    for (k, spec) in inputs.enumerated() where String(spec).contains("...") {
        ellipsisRank = max(ellipsisRank, operands[k].rank - (spec.count - 3))
    }
    let ellipsisLetters = (0..<ellipsisRank).map { Character(UnicodeScalar(0x3B1 + $0)!) }
    func expand(_ spec: [Character], rank: Int) -> [Character] {
        let s = String(spec)
        guard s.contains("...") else { return spec }
        let r = rank - (spec.count - 3)
        return Array(s.replacingOccurrences3("...", with: String(ellipsisLetters.suffix(r))))
    }
    inputs = inputs.enumerated().map { expand($0.element, rank: operands[$0.offset].rank) }
    var output: [Character]
    if parts.count > 1 {
        output = expand(Array(parts[1]), rank: ellipsisRank + parts[1].count - (parts[1].contains("...") ? 3 : 0))
    } else {
        var counts: [Character: Int] = [:]
        for spec in inputs { for c in spec { counts[c, default: 0] += 1 } }
        output = ellipsisLetters + counts.filter { $0.value == 1 && !ellipsisLetters.contains($0.key) }.map(\.key).sorted()
    }
    var sizes: [Character: Int] = [:]
    for (spec, t) in zip(inputs, operands) {
        guard spec.count == t.rank else { throw ctx.fail("operand of rank \(t.rank) for '\(String(spec))'") }
        for (c, n) in zip(spec, t.shape) where sizes[c] == nil || sizes[c] == 1 { sizes[c] = n }
    }
    let letters = output + sizes.keys.filter { !output.contains($0) }.sorted()
    let dims = letters.map { sizes[$0]! }
    let position = Dictionary(uniqueKeysWithValues: letters.enumerated().map { ($0.element, $0.offset) })
    let values = operands.map(\.reals)
    let maps = zip(inputs, operands).map { spec, t -> [(Int, Int)] in
        let st = stridesOf(t.shape)
        return spec.enumerated().map { (position[$0.element]!, t.shape[$0.offset] == 1 ? 0 : st[$0.offset]) }
    }
    let outShape = output.map { sizes[$0]! }
    let outStrides = stridesOf(outShape)
    var out = [Double](repeating: 0, count: outShape.reduce(1, *))
    forEachIndex(dims) { idx in
        var product = 1.0
        for (k, map) in maps.enumerated() {
            var f = 0
            for (p, s) in map { f += idx[p] * s }
            product *= values[k][f]
        }
        var o = 0
        for d in 0..<output.count { o += idx[d] * outStrides[d] }
        out[o] += product
    }
    return ONNXTensor(dtype: operands[0].dtype, shape: outShape, reals: out)
}

extension String {
    func replacingOccurrences3(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            result += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }

    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

func determinant(_ m: [Double], _ n: Int) -> Double {
    var a = m
    var det = 1.0
    for c in 0..<n {
        var p = c
        for r in (c + 1)..<max(n, c + 1) where abs(a[r * n + c]) > abs(a[p * n + c]) { p = r }
        if a[p * n + c] == 0 { return 0 }
        if p != c {
            for k in 0..<n { a.swapAt(p * n + k, c * n + k) }
            det = -det
        }
        det *= a[c * n + c]
        for r in (c + 1)..<max(n, c + 1) {
            let f = a[r * n + c] / a[c * n + c]
            for k in c..<n { a[r * n + k] -= f * a[c * n + k] }
        }
    }
    return det
}

extension ONNXOperators {
    nonisolated(unsafe) static let misc: [String: ONNXOperator] = [
        "MelWeightMatrix": { ctx in
            let bins = Int(try ctx.input(0).ints[0]), dftLength = Int(try ctx.input(1).ints[0]), rate = Double(try ctx.input(2).ints[0])
            let lower = try ctx.input(3).reals[0], upper = try ctx.input(4).reals[0]
            let spectrogramBins = dftLength / 2 + 1
            let lowMel = Double(2595 * Float(log1p(Float(lower) / 700))) / log(10.0)
            let highMel = Double(2595 * Float(log1p(Float(upper) / 700))) / log(10.0)
            let step = (highMel - lowMel) / Double(bins + 2)
            let edges = (0..<(bins + 2)).map { i -> Int in
                let hz = 700 * expm1((Double(i) * step + lowMel) / 2595 * log(10.0))
                return Int((Double(dftLength + 1) * hz / rate).rounded(.down))
            }
            var out = [Double](repeating: 0, count: spectrogramBins * bins)
            for i in 0..<bins {
                let (l, c, h) = (edges[i], edges[i + 1], edges[i + 2])
                if c - l == 0 { if c >= 0 && c < spectrogramBins { out[c * bins + i] = 1 } } else {
                    for j in l...c where j >= 0 && j < spectrogramBins { out[j * bins + i] = Double(j - l) / Double(c - l) }
                }
                if h - c > 0 { for j in c..<h where j >= 0 && j < spectrogramBins { out[j * bins + i] = Double(h - j) / Double(h - c) } }
            }
            let dtype = try dataType(ctx, ctx.int("output_datatype", 1))
            return ONNXNodeContext.one(ONNXTensor(dtype: dtype, shape: [spectrogramBins, bins], reals: out))
        },
        "Swish": { ctx in let a = ctx.float("alpha", 1); return try unaryOp(ctx, { $0 * sigmoid(a * $0) }) },
        "SwiGLU": { ctx in
            let a = ctx.float("alpha", 1)
            return try binaryOp(ctx, { x, y in x * sigmoid(a * x) * y })
        },
        "BitCast": { ctx in
            let x = try ctx.input(0)
            let to = try dataType(ctx, ctx.int("to", 0))
            guard to.bitWidth == x.dtype.bitWidth, to != .string, x.dtype != .string else { throw ctx.fail("cannot bit-cast \(x.dtype) to \(to)") }
            let mask: UInt64 = x.dtype.bitWidth >= 64 ? ~0 : (1 << UInt64(x.dtype.bitWidth)) - 1
            return ONNXNodeContext.one(ONNXTensor(dtype: to, shape: x.shape, codes: x.codes.map { $0 & mask }))
        },
        "Einsum": { ctx in
            let operands = try (0..<ctx.inputCount).map { try ctx.input($0) }
            return ONNXNodeContext.one(try einsum(ctx.string("equation", ""), operands, ctx))
        },
        "Det": { ctx in
            let x = try ctx.input(0)
            let n = x.shape[x.rank - 1]
            let v = x.reals
            let batch = x.count / max(n * n, 1)
            let d = (0..<batch).map { determinant(Array(v[($0 * n * n)..<($0 * n * n + n * n)]), n) }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: Array(x.shape.dropLast(2)), reals: d))
        },
        "HannWindow": { try window($0) { n, N in 0.5 - 0.5 * cos(2 * Double.pi * n / N) } },
        "HammingWindow": { try window($0) { n, N in 25.0 / 46 - (1 - 25.0 / 46) * cos(2 * Double.pi * n / N) } },
        "BlackmanWindow": { try window($0) { n, N in 0.42 - 0.5 * cos(2 * Double.pi * n / N) + 0.08 * cos(4 * Double.pi * n / N) } },
        "CenterCropPad": { ctx in
            var x = try ctx.input(0)
            let target = try ctx.intsInput(1) ?? []
            let axes = try (ctx.ints("axes") ?? Array(0..<x.rank)).map { try normalizeAxis($0, x.rank, ctx) }
            for (k, a) in axes.enumerated() {
                let n = x.shape[a], t = target[k]
                if n > t {
                    let s = (n - t) / 2
                    x = sliceTensor(x, starts: [s], ends: [s + t], axes: [a], steps: [1])
                } else if n < t {
                    var b = [Int](repeating: 0, count: x.rank), e = b
                    b[a] = (t - n) / 2
                    e[a] = t - n - b[a]
                    x = try padTensor(x, begin: b, end: e, mode: "constant", value: nil, ctx)
                }
            }
            return ONNXNodeContext.one(x)
        },
        "LRN": { ctx in
            let x = try ctx.input(0)
            let size = ctx.int("size", 1), alpha = ctx.float("alpha", 1e-4), beta = ctx.float("beta", 0.75), bias = ctx.float("bias", 1)
            let c = x.shape[1], inner = x.shape[2...].reduce(1, *)
            let v = x.reals
            var y = v
            for i in 0..<v.count {
                let ch = (i / inner) % c
                var s = 0.0
                for q in Swift.max(0, ch - (size - 1) / 2)...Swift.min(c - 1, ch + (size - 1 + 1) / 2) {
                    let e = v[i + (q - ch) * inner]
                    s += e * e
                }
                y[i] = v[i] / pow(bias + alpha / Double(size) * s, beta)
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "RotaryEmbedding": { ctx in
            let x = try ctx.input(0), cosT = try ctx.input(1), sinT = try ctx.input(2)
            let positions = try ctx.optionalInput(3)?.ints
            let fourD = x.rank == 4
            let (b, s) = fourD ? (x.shape[0], x.shape[2]) : (x.shape[0], x.shape[1])
            let heads = fourD ? x.shape[1] : ctx.int("num_heads", 0)
            guard heads > 0 else { throw ctx.fail("num_heads is needed for 3-d input") }
            let d = fourD ? x.shape[3] : x.shape[2] / heads
            var rot = ctx.int("rotary_embedding_dim", 0)
            if rot == 0 { rot = d }
            let half = rot / 2
            let interleaved = ctx.int("interleaved", 0) != 0
            let v = x.reals, cv = cosT.reals, sv = sinT.reals
            var y = v
            for bi in 0..<b {
                for si in 0..<s {
                    let row = positions.map { Int($0[bi * s + si]) } ?? (bi * s + si)
                    for h in 0..<heads {
                        let base = fourD ? ((bi * heads + h) * s + si) * d : (bi * s + si) * heads * d + h * d
                        for i in 0..<half {
                            let c = cv[row * half + i], sn = sv[row * half + i]
                            let (p1, p2) = interleaved ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + half)
                            let x1 = v[p1], x2 = v[p2]
                            y[p1] = c * x1 - sn * x2
                            y[p2] = sn * x1 + c * x2
                        }
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: x.shape, reals: y))
        },
        "Unique": { ctx in
            let x = try ctx.input(0)
            let sortedOutput = ctx.int("sorted", 1) != 0
            var t = x
            var axis = 0
            if let a = ctx.int("axis") { axis = try normalizeAxis(a, x.rank, ctx) } else { t = x.reshaped([x.count]) }
            let n = t.shape[axis]
            let slices = (0..<n).map { sliceTensor(t, starts: [$0], ends: [$0 + 1], axes: [axis], steps: [1]) }
            var uniques: [Int] = []
            var inverse: [Int64] = []
            var counts: [Int64] = []
            for (i, sl) in slices.enumerated() {
                if let u = uniques.firstIndex(where: { slices[$0] == sl }) {
                    inverse.append(Int64(u)); counts[u] += 1
                } else {
                    uniques.append(i); inverse.append(Int64(uniques.count - 1)); counts.append(1)
                }
            }
            var order = Array(0..<uniques.count)
            if sortedOutput {
                func less(_ a: ONNXTensor, _ b: ONNXTensor) -> Bool {
                    switch (a.storage, b.storage) {
                    case (.string(let x), .string(let y)): return x.lexicographicallyPrecedes(y)
                    default: return a.reals.lexicographicallyPrecedes(b.reals)
                    }
                }
                order.sort { less(slices[uniques[$0]], slices[uniques[$1]]) }
            }
            var rank = [Int](repeating: 0, count: order.count)
            for (k, o) in order.enumerated() { rank[o] = k }
            let y = try concatenate(order.map { slices[uniques[$0]] }, axis: axis, ctx)
            return [.tensor(y),
                    .tensor(ONNXTensor(dtype: .int64, shape: [order.count], ints: order.map { Int64(uniques[$0]) })),
                    .tensor(ONNXTensor(dtype: .int64, shape: [inverse.count], ints: inverse.map { Int64(rank[Int($0)]) })),
                    .tensor(ONNXTensor(dtype: .int64, shape: [order.count], ints: order.map { counts[$0] }))]
        },
        "MaxUnpool": { ctx in
            let x = try ctx.input(0), ind = try ctx.input(1)
            let kernel = ctx.ints("kernel_shape") ?? []
            let n = kernel.count
            let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: n)
            let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
            var shape = try ctx.intsInput(2) ?? []
            if shape.isEmpty {
                shape = Array(x.shape[..<2]) + (0..<n).map { (x.shape[2 + $0] - 1) * strides[$0] + kernel[$0] - pads[$0] - pads[$0 + n] }
            }
            var out = [Double](repeating: 0, count: shape.reduce(1, *))
            let v = x.reals, iv = ind.ints
            for i in 0..<v.count where Int(iv[i]) < out.count { out[Int(iv[i])] = v[i] }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: shape, reals: out))
        },
    ]
}
