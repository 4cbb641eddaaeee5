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

extension ONNXOperators {
    nonisolated(unsafe) static let tfidf: [String: ONNXOperator] = [
        "TfIdfVectorizer": { ctx in
            let x = try ctx.input(0)
            let minGram = ctx.int("min_gram_length", 1), maxGram = ctx.int("max_gram_length", 1), maxSkip = ctx.int("max_skip_count", 0)
            let counts = ctx.ints("ngram_counts") ?? [], indexes = ctx.ints("ngram_indexes") ?? []
            let pool: [String] = ctx.strings("pool_strings") ?? (ctx.attribute("pool_int64s")?.ints.map { "\($0)" } ?? [])
            let weights = ctx.floats("weights")
            let mode = ctx.string("mode", "TF")
            // Complete n-grams → output index, and every prefix of one.
            var table: [[String]: Int] = [:]
            var prefixes = Set<[String]>()
            var id = 0
            for (g, start) in counts.enumerated() {
                let n = g + 1
                let end = g + 1 < counts.count ? counts[g + 1] : pool.count
                var p = start
                while p + n <= end {
                    let gram = Array(pool[p..<(p + n)])
                    table[gram] = id
                    for k in 1...n { prefixes.insert(Array(gram.prefix(k))) }
                    id += 1
                    p += n
                }
            }
            let outputSize = (indexes.max() ?? -1) + 1
            let rows = x.rank == 2 ? x.shape[0] : 1
            let c = x.rank == 0 ? 1 : x.shape[x.rank - 1]
            let values = x.strings
            var freq = [Double](repeating: 0, count: rows * outputSize)
            for r in 0..<rows {
                var startSize = minGram
                for skip in 1...(maxSkip + 1) {
                    for start in 0..<c {
                        if start + skip * (startSize - 1) >= c { break }
                        var item = start, size = 1
                        var key: [String] = []
                        while size <= maxGram && item < c {
                            key.append(values[r * c + item])
                            guard prefixes.contains(key) else { break }
                            if size >= startSize, let k = table[key] { freq[r * outputSize + indexes[k]] += 1 }
                            size += 1
                            item += skip
                        }
                    }
                    if startSize == 1 {
                        startSize += 1
                        if startSize > maxGram { break }
                    }
                }
            }
            let out = freq.enumerated().map { i, f -> Double in
                let w = weights.map { (i % outputSize) < $0.count ? $0[i % outputSize] : 1 } ?? 1
                switch mode {
                case "IDF": return f > 0 ? w : 0
                case "TFIDF": return f * w
                default: return f
                }
            }
            return ONNXNodeContext.one(ONNXTensor(dtype: .float, shape: x.rank == 2 ? [rows, outputSize] : [outputSize], reals: out))
        },
    ]
}
