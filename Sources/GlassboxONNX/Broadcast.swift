/// Row-major strides of `shape`.
func stridesOf(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = s
        s *= shape[d]
    }
    return strides
}

/// The numpy-style (multidirectional) broadcast of `a` and `b`, or `nil` if they do not broadcast.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
    }
    return out
}

/// For each element of `target` (row-major), the flat index of the element of a tensor of
/// `shape` that broadcasts to it.
func broadcastIndices(from shape: [Int], to target: [Int]) -> [Int] {
    let count = target.reduce(1, *)
    if shape == target { return Array(0..<count) }
    let offset = target.count - shape.count
    let sourceStrides = stridesOf(shape)
    var strides = [Int](repeating: 0, count: target.count)
    for d in 0..<shape.count where shape[d] != 1 { strides[d + offset] = sourceStrides[d] }
    var result = [Int](repeating: 0, count: count)
    if count == 0 { return result }
    var index = [Int](repeating: 0, count: target.count)
    var flat = 0
    for i in 0..<count {
        result[i] = flat
        var d = target.count - 1
        while d >= 0 {
            index[d] += 1
            flat += strides[d]
            if index[d] < target[d] { break }
            flat -= strides[d] * index[d]
            index[d] = 0
            d -= 1
        }
    }
    return result
}

/// Iterates over every multi-index of `shape` in row-major order.
func forEachIndex(_ shape: [Int], _ body: ([Int]) throws -> Void) rethrows {
    let count = shape.reduce(1, *)
    if count == 0 { return }
    var index = [Int](repeating: 0, count: shape.count)
    for _ in 0..<count {
        try body(index)
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { break }
            index[d] = 0
            d -= 1
        }
    }
}
