/// A translation task for sequence-to-sequence models: an integer in `0...999_999` written as
/// digits ("4127") → its English words ("four thousand one hundred twenty seven").
///
/// American style without "and": 105 → "one hundred five", 110 000 → "one hundred ten
/// thousand". Numbers are drawn with their digit count uniform in 1…6, then uniformly among the
/// numbers with that many digits, so short numbers are as common as long ones. A fixed held-out
/// set (``heldOut``) is never drawn for training, so the recurrent and transformer models are
/// compared on the same numbers.
public enum NumberWords {
    /// The largest number of the task.
    public static let maximum = 999_999
    /// The size of the held-out set.
    public static let heldOutCount = 2000
    /// The seed the held-out set is drawn with.
    public static let heldOutSeed: UInt64 = 0x4E55_4D42

    static let ones = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen",
    ]
    static let tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// The source vocabulary: the digits `0`…`9` after the special tokens.
    public static let sourceVocabulary = Vocabulary((0...9).map(String.init))
    /// The target vocabulary: every word the numbers use after the special tokens.
    public static let targetVocabulary = Vocabulary(ones + tens + ["hundred", "thousand"])

    /// The digits of `number`, one token each.
    public static func digits(_ number: Int) -> [String] {
        String(number).map(String.init)
    }

    /// The English words of `number`.
    ///
    /// - Precondition: `number` lies in `0...999_999`.
    public static func words(_ number: Int) -> [String] {
        precondition((0...maximum).contains(number), "NumberWords.words: \(number) is outside 0...\(maximum)")
        if number == 0 { return ["zero"] }
        let thousands = number / 1000, rest = number % 1000
        var out: [String] = []
        if thousands > 0 { out += belowThousand(thousands) + ["thousand"] }
        if rest > 0 { out += belowThousand(rest) }
        return out
    }

    /// Words of `1...999`.
    static func belowThousand(_ n: Int) -> [String] {
        var out: [String] = []
        if n >= 100 { out += [ones[n / 100], "hundred"] }
        let r = n % 100
        if r >= 20 {
            out.append(tens[r / 10 - 2])
            if r % 10 > 0 { out.append(ones[r % 10]) }
        } else if r > 0 {
            out.append(ones[r])
        }
        return out
    }

    /// One number drawn as the task draws them: digit count uniform in 1…6, then uniform.
    public static func draw(_ generator: inout RandomGenerator) -> Int {
        let digits = 1 + generator.nextInt(below: 6)
        let low = digits == 1 ? 0 : Int(pow10(digits - 1))
        let high = Int(pow10(digits))
        return low + generator.nextInt(below: high - low)
    }

    static func pow10(_ e: Int) -> Int { (0..<e).reduce(1) { p, _ in p * 10 } }

    /// The fixed held-out numbers (``heldOutCount`` distinct numbers of three to six digits
    /// drawn with ``heldOutSeed``), in drawing order.
    ///
    /// Numbers below 100 are never held out: with a third of the draws going to one- and
    /// two-digit numbers, all 100 of them would be drawn, and so never trained on.
    public static let heldOut: [Int] = {
        var generator = RandomGenerator(seed: heldOutSeed)
        var seen = Set<Int>(), out: [Int] = []
        while out.count < heldOutCount {
            let n = draw(&generator)
            if n >= 100 && seen.insert(n).inserted { out.append(n) }
        }
        return out
    }()

    static let heldOutSet = Set(heldOut)

    /// `count` training numbers drawn from `generator`, never one of the held-out set.
    public static func trainingNumbers(_ count: Int, _ generator: inout RandomGenerator) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        while out.count < count {
            let n = draw(&generator)
            if !heldOutSet.contains(n) { out.append(n) }
        }
        return out
    }

    /// The batch of `numbers`: source digit ids (unframed, padded) and target word ids framed
    /// as `<bos> … <eos>` (padded).
    public static func batch(_ numbers: [Int]) -> (source: PaddedSequences, target: PaddedSequences) {
        let source = numbers.map { sourceVocabulary.encode(digits($0)) }
        let target = numbers.map { targetVocabulary.encode(words($0), framed: true) }
        return (PaddedSequences(source), PaddedSequences(target))
    }
}
