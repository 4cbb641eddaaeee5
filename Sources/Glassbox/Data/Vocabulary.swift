/// A fixed list of tokens (characters or words) and their integer ids, with the special tokens
/// a sequence model needs: padding, begin and end of sequence.
///
/// Ids are positions in ``tokens``: the special tokens come first (`<pad>` = 0, `<bos>` = 1,
/// `<eos>` = 2), then the ordinary tokens in the order given. Padding id 0 matches
/// `nn.Embedding(padding_idx=0)` and `ignore_index`-style loss masking.
public struct Vocabulary: Sendable, Equatable {
    /// The padding token's id.
    public static let padding = 0
    /// The begin-of-sequence token's id.
    public static let beginning = 1
    /// The end-of-sequence token's id.
    public static let end = 2
    /// The spelling of the special tokens, in id order.
    public static let specialTokens = ["<pad>", "<bos>", "<eos>"]

    /// Every token, indexed by id.
    public let tokens: [String]
    private let ids: [String: Int]

    /// Creates a vocabulary of the special tokens followed by `tokens`.
    ///
    /// - Precondition: `tokens` has no duplicates and no special token.
    public init(_ tokens: [String]) {
        self.tokens = Self.specialTokens + tokens
        var ids: [String: Int] = [:]
        for (id, token) in self.tokens.enumerated() {
            precondition(ids[token] == nil, "Vocabulary: token '\(token)' appears twice")
            ids[token] = id
        }
        self.ids = ids
    }

    /// The number of tokens, special ones included.
    public var count: Int { tokens.count }

    /// The id of `token`, or nil when it is not in the vocabulary.
    public func id(of token: String) -> Int? { ids[token] }

    /// The ids of `tokens`, optionally framed by `<bos>` … `<eos>`.
    ///
    /// - Precondition: every token is in the vocabulary.
    public func encode(_ tokens: [String], framed: Bool = false) -> [Int] {
        let body = tokens.map { token in
            guard let id = ids[token] else { preconditionFailure("Vocabulary.encode: unknown token '\(token)'") }
            return id
        }
        return framed ? [Self.beginning] + body + [Self.end] : body
    }

    /// The tokens of `ids`, stopping at the first `<eos>` and leaving out `<pad>` and `<bos>`.
    public func decode(_ ids: [Int]) -> [String] {
        var out: [String] = []
        for id in ids {
            if id == Self.end { break }
            if id == Self.padding || id == Self.beginning { continue }
            out.append(tokens[id])
        }
        return out
    }
}

/// Sequences of token ids padded to one length, as a `[count, length]` ``IndexTensor`` (row-major,
/// padded with ``Vocabulary/padding``), with each sequence's own length.
public struct PaddedSequences: Sendable, Equatable {
    /// The ids, `[count, length]`, padded at the end.
    public let ids: IndexTensor
    /// The unpadded length of each sequence.
    public let lengths: [Int]

    /// Pads `sequences` at the end to the longest one's length (or to `length` when given).
    ///
    /// - Precondition: no sequence is longer than `length`.
    public init(_ sequences: [[Int]], length: Int? = nil) {
        let longest = sequences.map(\.count).max() ?? 0
        let width = length ?? longest
        precondition(longest <= width, "PaddedSequences: a sequence of \(longest) tokens exceeds length \(width)")
        var flat = [Int](repeating: Vocabulary.padding, count: sequences.count * width)
        for (row, sequence) in sequences.enumerated() {
            for (t, id) in sequence.enumerated() { flat[row * width + t] = id }
        }
        ids = IndexTensor(flat, shape: [sequences.count, width])
        lengths = sequences.map(\.count)
    }
}
