import GlassboxIO

/// Why a text corpus could not be used; the message names the file.
public enum CharacterCorpusError: Error, Equatable, CustomStringConvertible {
    /// The file holds too few characters for a training and a validation part.
    case tooShort(file: String, characters: Int)

    /// A one-line message naming the file and what is wrong.
    public var description: String {
        switch self {
        case .tooShort(let file, let characters):
            "\(file): \(characters) characters are too few for a character corpus (need at least 100)"
        }
    }
}

/// A text for character-level language models: its characters (bytes; the Shakespeare texts in
/// `shared/data/shakespeare` are ASCII) as ids into a vocabulary of the distinct bytes in
/// sorted order, split into a training part and the last ``validationFraction`` for validation.
public struct CharacterCorpus: Sendable {
    /// The share of the text, at its end, held out for validation.
    public static let validationFraction = 0.1

    /// The distinct bytes of the text in increasing order; a byte's id is its position.
    public let alphabet: [UInt8]
    /// The training part as ids.
    public let training: [Int]
    /// The validation part (the last ``validationFraction`` of the text) as ids.
    public let validation: [Int]
    private let ids: [Int]  // byte → id, -1 where absent

    /// Splits `text` into training and validation parts over its own alphabet.
    ///
    /// - Precondition: `text` holds at least 100 bytes.
    public init(text: [UInt8]) {
        precondition(text.count >= 100, "CharacterCorpus: \(text.count) bytes are too few")
        var present = [Bool](repeating: false, count: 256)
        for byte in text { present[Int(byte)] = true }
        alphabet = (0..<256).filter { present[$0] }.map(UInt8.init)
        var ids = [Int](repeating: -1, count: 256)
        for (id, byte) in alphabet.enumerated() { ids[Int(byte)] = id }
        self.ids = ids
        let all = text.map { ids[Int($0)] }
        let cut = text.count - Int(Double(text.count) * Self.validationFraction)
        training = Array(all[..<cut])
        validation = Array(all[cut...])
    }

    /// Reads a text file.
    ///
    /// - Throws: `FileError` when the file cannot be read, ``CharacterCorpusError`` when it is
    ///   too short.
    public static func load(path: String) throws -> CharacterCorpus {
        let bytes = try FileIO.readBytes(atPath: path)
        guard bytes.count >= 100 else { throw CharacterCorpusError.tooShort(file: path, characters: bytes.count) }
        return CharacterCorpus(text: bytes)
    }

    /// The number of distinct characters.
    public var vocabularySize: Int { alphabet.count }

    /// The ids of `text`, or nil when it holds a character outside the alphabet.
    public func encode(_ text: String) -> [Int]? {
        var out: [Int] = []
        for byte in text.utf8 {
            let id = ids[Int(byte)]
            if id < 0 { return nil }
            out.append(id)
        }
        return out
    }

    /// The text of `ids`.
    ///
    /// - Precondition: every id lies in `0..<vocabularySize`.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: ids.map { alphabet[$0] }, as: UTF8.self)
    }

    /// `count` windows of `length + 1` consecutive ids from `part`, starting at uniformly drawn
    /// positions: `input` is each window's first `length` ids, `target` its last `length`
    /// (the next character at every position). Both `[count, length]`.
    ///
    /// - Precondition: `part` holds more than `length` ids.
    public static func randomWindows(
        _ part: [Int], count: Int, length: Int, generator: inout RandomGenerator
    ) -> (input: IndexTensor, target: IndexTensor) {
        precondition(part.count > length, "CharacterCorpus.randomWindows: \(part.count) ids, windows of \(length + 1)")
        let starts = (0..<count).map { _ in generator.nextInt(below: part.count - length) }
        return windows(part, starts: starts, length: length)
    }

    /// The consecutive, non-overlapping windows that cover `part` (the remainder shorter than a
    /// window left out), for evaluation in a fixed order: `(input, target)` as in
    /// ``randomWindows(_:count:length:generator:)``, `[windows, length]`.
    public static func sequentialWindows(_ part: [Int], length: Int) -> (input: IndexTensor, target: IndexTensor) {
        let count = (part.count - 1) / length
        return windows(part, starts: (0..<count).map { $0 * length }, length: length)
    }

    static func windows(_ part: [Int], starts: [Int], length: Int) -> (input: IndexTensor, target: IndexTensor) {
        var input: [Int] = [], target: [Int] = []
        input.reserveCapacity(starts.count * length)
        target.reserveCapacity(starts.count * length)
        for s in starts {
            input += part[s..<(s + length)]
            target += part[(s + 1)...(s + length)]
        }
        return (IndexTensor(input, shape: [starts.count, length]), IndexTensor(target, shape: [starts.count, length]))
    }
}
