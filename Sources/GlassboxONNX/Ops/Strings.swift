import GlassboxIO

// String operators: StringConcat, StringSplit, StringNormalizer, RegexFullMatch.

func pythonSplit(_ s: String, _ delimiter: String?, maxSplit: Int?) -> [String] {
    guard let delimiter, !delimiter.isEmpty else {
        var parts: [String] = []
        var rest = Substring(s).drop { $0.isWhitespace }
        while !rest.isEmpty {
            if let m = maxSplit, parts.count == m { parts.append(String(rest)); return parts }
            let word = rest.prefix { !$0.isWhitespace }
            parts.append(String(word))
            rest = rest.dropFirst(word.count).drop { $0.isWhitespace }
        }
        return parts
    }
    var parts: [String] = []
    var rest = Substring(s)
    while let r = rest.firstRange(of: delimiter) {
        if let m = maxSplit, parts.count == m { break }
        parts.append(String(rest[..<r.lowerBound]))
        rest = rest[r.upperBound...]
    }
    parts.append(String(rest))
    return parts
}

extension ONNXOperators {
    nonisolated(unsafe) static let stringOps: [String: ONNXOperator] = [
        "StringConcat": { ctx in
            let a = try ctx.input(0), b = try ctx.input(1)
            let (shape, ia, ib) = try broadcastPair(a, b, ctx)
            let x = a.strings, y = b.strings
            return ONNXNodeContext.one(ONNXTensor(shape: shape, strings: zip(ia, ib).map { x[$0] + y[$1] }))
        },
        "StringSplit": { ctx in
            let x = try ctx.input(0)
            let delimiter = ctx.attribute("delimiter").map { String(decoding: $0.string, as: UTF8.self) }
            let maxSplit = ctx.int("maxsplit")
            let parts = x.strings.map { pythonSplit($0, delimiter, maxSplit: maxSplit) }
            let width = parts.map(\.count).max() ?? 0
            var flat: [String] = []
            for p in parts { flat += p + [String](repeating: "", count: width - p.count) }
            return [.tensor(ONNXTensor(shape: x.shape + [width], strings: flat)), .tensor(ONNXTensor(dtype: .int64, shape: x.shape, ints: parts.map { Int64($0.count) }))]
        },
        "StringNormalizer": { ctx in
            let x = try ctx.input(0)
            let action = ctx.string("case_change_action", "NONE")
            let sensitive = ctx.int("is_case_sensitive", 0) != 0
            let stop = ctx.strings("stopwords") ?? []
            let stopSet = Set(sensitive ? stop : stop.map { $0.lowercased() })
            var kept = x.strings.filter { !stopSet.contains(sensitive ? $0 : $0.lowercased()) }
            kept = kept.map { action == "LOWER" ? $0.lowercased() : action == "UPPER" ? $0.uppercased() : $0 }
            if kept.isEmpty { kept = [""] }
            let shape = x.rank == 2 ? [1, kept.count] : [kept.count]
            return ONNXNodeContext.one(ONNXTensor(shape: shape, strings: kept))
        },
        "RegexFullMatch": { ctx in
            let x = try ctx.input(0)
            let pattern = ctx.string("pattern", "")
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(pattern).wordBoundaryKind(.simple) } catch { throw ctx.fail("invalid pattern '\(pattern)': \(error)") }
            return ONNXNodeContext.one(ONNXTensor(dtype: .bool, shape: x.shape, ints: x.strings.map { (try? regex.wholeMatch(in: $0)) != nil ? 1 : 0 }))
        },
    ]
}
