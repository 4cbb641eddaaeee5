/// Characters ↔ ids for a saved alphabet (a byte's id is its position), as a character
/// language model saved by `glassbox train charlm|gpt` stores it next to its weights.
public struct CharacterAlphabet: Sendable {
    /// The bytes, in id order.
    public let bytes: [UInt8]
    /// The id of each byte.
    private let ids: [UInt8: Int]

    /// The alphabet of `bytes` (distinct).
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        ids = Dictionary(uniqueKeysWithValues: bytes.enumerated().map { ($0.element, $0.offset) })
    }

    /// The ids of `text`'s bytes, or `nil` when one is outside the alphabet.
    public func encode(_ text: String) -> [Int]? {
        var out: [Int] = []
        for byte in text.utf8 {
            guard let id = ids[byte] else { return nil }
            out.append(id)
        }
        return out
    }

    /// The text of `ids`.
    ///
    /// - Precondition: every id lies in `0..<bytes.count`.
    public func decode(_ ids: [Int]) -> String { String(decoding: ids.map { bytes[$0] }, as: UTF8.self) }
}
