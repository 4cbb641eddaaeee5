import GlassboxIO

// GridSample for any number of spatial dims: nearest, linear and cubic sampling at normalised
// grid coordinates, zeros/border/reflection padding, align_corners.

func gridReflect(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
    let range = hi - lo
    if x < lo {
        let dx = lo - x
        let n = Int(dx / range)
        let r = dx - Double(n) * range
        return n % 2 == 0 ? lo + r : hi - r
    }
    if x > hi {
        let dx = x - hi
        let n = Int(dx / range)
        let r = dx - Double(n) * range
        return n % 2 == 0 ? hi - r : lo + r
    }
    return x
}

func cubicCoefficients(_ t: Double) -> [Double] {
    let a = -0.75, x = abs(t)
    return [((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a,
            ((a + 2) * x - (a + 3)) * x * x + 1,
            ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1,
            ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a]
}

extension ONNXOperators {
    nonisolated(unsafe) static let gridSample: [String: ONNXOperator] = [
        "GridSample": { ctx in
            let x = try ctx.input(0), grid = try ctx.input(1)
            var mode = ctx.string("mode", ctx.opset >= 20 ? "linear" : "bilinear")
            if mode == "bilinear" { mode = "linear" }
            if mode == "bicubic" { mode = "cubic" }
            let padding = ctx.string("padding_mode", "zeros")
            let align = ctx.int("align_corners", 0) != 0
            let dims = Array(x.shape[2...])
            let n = dims.count
            let outSpatial = Array(grid.shape[1..<(grid.rank - 1)])
            let outCount = outSpatial.reduce(1, *)
            let (batch, channels) = (x.shape[0], x.shape[1])
            let xv = x.reals, gv = grid.reals
            let strides = stridesOf(dims)
            let plane = dims.reduce(1, *)
            let lo = dims.map { _ in align ? 0.0 : -0.5 }, hi = dims.map { align ? Double($0 - 1) : Double($0) - 0.5 }
            var out = [Double](repeating: 0, count: batch * channels * outCount)
            func index(_ i: Int, _ d: Int) -> Int? {
                switch padding {
                case "zeros": return i >= 0 && i < dims[d] ? i : nil
                case "border": return Swift.min(Swift.max(i, 0), dims[d] - 1)
                default: return Int(gridReflect(Double(i), lo[d], hi[d]))
                }
            }
            for b in 0..<batch {
                for o in 0..<outCount {
                    var coords = [Double](repeating: 0, count: n)
                    for d in 0..<n {
                        let g = gv[(b * outCount + o) * n + (n - 1 - d)]
                        let len = Double(dims[d])
                        coords[d] = Double(Float(align ? (g + 1) / 2 * (len - 1) : ((g + 1) * len - 1) / 2))
                        if mode == "nearest" { coords[d] = coords[d].rounded(.toNearestOrEven) }
                        if coords[d] < lo[d] || coords[d] > hi[d] {
                            if padding == "border" { coords[d] = Swift.min(Swift.max(coords[d], 0), len - 1) }
                            else if padding == "reflection" { coords[d] = gridReflect(coords[d], lo[d], hi[d]) }
                        }
                    }
                    // Taps per dimension: (index or nil, weight).
                    var taps: [[(Int?, Double)]] = []
                    for d in 0..<n {
                        switch mode {
                        case "nearest": taps.append([(index(Int(coords[d]), d), 1)])
                        case "cubic":
                            let x0 = Int(coords[d].rounded(.down))
                            let c = cubicCoefficients(coords[d] - Double(x0))
                            taps.append((0..<4).map { (index(x0 - 1 + $0, d), c[$0]) })
                        default:
                            let x0 = Int(coords[d].rounded(.down))
                            let t = coords[d] - Double(x0)
                            taps.append([(index(x0, d), 1 - t), (index(x0 + 1, d), t)])
                        }
                    }
                    for c in 0..<channels {
                        var s = 0.0
                        forEachIndex(taps.map(\.count)) { k in
                            var w = 1.0, f = 0
                            for d in 0..<n {
                                let (i, wt) = taps[d][k[d]]
                                guard let i else { w = 0; return }
                                w *= wt
                                f += i * strides[d]
                            }
                            if w != 0 { s += w * xv[(b * channels + c) * plane + f] }
                        }
                        out[(b * channels + c) * outCount + o] = s
                    }
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: x.dtype, shape: [batch, channels] + outSpatial, reals: out))
        },
    ]
}
