import Glassbox
import GlassboxIO
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Sequence datasets")
struct SequenceDataTests {
    @Test("numbers are written in English words")
    func numberWords() {
        let cases: [(Int, String)] = [
            (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (42, "forty two"),
            (100, "one hundred"), (105, "one hundred five"), (999, "nine hundred ninety nine"),
            (1000, "one thousand"), (4127, "four thousand one hundred twenty seven"),
            (110_000, "one hundred ten thousand"), (200_019, "two hundred thousand nineteen"),
            (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
        ]
        for (n, text) in cases {
            #expect(NumberWords.words(n).joined(separator: " ") == text, "\(n)")
        }
        #expect(NumberWords.digits(4127) == ["4", "1", "2", "7"])
    }

    @Test("the held-out set is fixed, distinct and never drawn for training")
    func heldOut() {
        let held = NumberWords.heldOut
        #expect(held.count == NumberWords.heldOutCount)
        #expect(Set(held).count == held.count)
        #expect(held.allSatisfy { (0...NumberWords.maximum).contains($0) })
        // Every digit count from 3 is represented (numbers below 100 are all trained on).
        #expect(Set(held.map { String($0).count }) == Set(3...6))
        var generator = RandomGenerator(seed: 3)
        let training = NumberWords.trainingNumbers(20_000, &generator)
        #expect(Set(training).isDisjoint(with: held))
        var again = RandomGenerator(seed: 3)
        #expect(NumberWords.trainingNumbers(20_000, &again) == training)
    }

    @Test("a translation batch is padded, the target framed by <bos> and <eos>")
    func translationBatch() {
        let (source, target) = NumberWords.batch([42, 4127])
        #expect(source.ids.shape == [2, 4])
        #expect(source.lengths == [2, 4])
        #expect(Array(source.ids.indices[0..<4]) == [3 + 4, 3 + 2, Vocabulary.padding, Vocabulary.padding])
        let words = NumberWords.targetVocabulary
        #expect(target.lengths == [4, 8])
        #expect(target.ids.indices[0] == Vocabulary.beginning)
        #expect(words.decode(Array(target.ids.indices[8..<16])) == ["four", "thousand", "one", "hundred", "twenty", "seven"])
        #expect(words.decode(Array(target.ids.indices[0..<8])) == ["forty", "two"])
    }

    @Test("a vocabulary encodes, decodes and rejects duplicates by precondition")
    func vocabulary() {
        let v = Vocabulary(["a", "b"])
        #expect(v.count == 5)
        #expect(v.id(of: "b") == 4)
        #expect(v.id(of: "c") == nil)
        #expect(v.encode(["b", "a"], framed: true) == [1, 4, 3, 2])
        #expect(v.decode([1, 4, 0, 3, 2, 4]) == ["b", "a"])
        let padded = PaddedSequences([[5], [6, 7, 8]], length: 4)
        #expect(padded.ids == IndexTensor([5, 0, 0, 0, 6, 7, 8, 0], shape: [2, 4]))
    }

    @Test("a character corpus holds out its last 10 % and cuts windows shifted by one")
    func characterCorpus() {
        let text = Array(String(repeating: "to be or not to be, ", count: 10).utf8)
        let corpus = CharacterCorpus(text: text)
        #expect(corpus.vocabularySize == Set(text).count)
        #expect(corpus.training.count == 180 && corpus.validation.count == 20)
        #expect(corpus.decode(corpus.training + corpus.validation) == String(decoding: text, as: UTF8.self))
        #expect(corpus.encode("tobe") != nil && corpus.encode("xyz") == nil)
        var generator = RandomGenerator(seed: 1)
        let (input, target) = CharacterCorpus.randomWindows(corpus.training, count: 3, length: 8, generator: &generator)
        #expect(input.shape == [3, 8] && target.shape == [3, 8])
        for row in 0..<3 {
            #expect(Array(input.indices[(row * 8 + 1)..<(row * 8 + 8)]) == Array(target.indices[(row * 8)..<(row * 8 + 7)]))
        }
        let sequential = CharacterCorpus.sequentialWindows(corpus.validation, length: 6)
        #expect(sequential.input.shape == [3, 6])
        #expect(sequential.input.indices == Array(corpus.validation[0..<18]))
        #expect(sequential.target.indices == Array(corpus.validation[1..<19]))
    }

    @Test("the Shakespeare text loads; a short file is a one-line error", .enabled(if: sharedDataDirectory != nil))
    func shakespeare() throws {
        let path = sharedDataDirectory! + "/shakespeare/shakespeare_1mb.txt"
        let corpus = try CharacterCorpus.load(path: path)
        #expect(corpus.vocabularySize == 66)
        #expect(corpus.validation.count == 99_971)
        let short = "/tmp/glassbox-short-\(UInt32.random(in: 0...UInt32.max)).txt"
        try FileIO.writeAtomically(Array("hello".utf8), toPath: short)
        defer { unlink(short) }
        #expect(throws: CharacterCorpusError.tooShort(file: short, characters: 5)) { try CharacterCorpus.load(path: short) }
    }

    @Test("time series average per month, fill gaps and give the seasonal-naive baseline")
    func timeSeries() throws {
        let path = "/tmp/glassbox-series-\(UInt32.random(in: 0...UInt32.max)).csv"
        defer { unlink(path) }
        var csv = "date,value\n"
        for month in 0..<40 {
            let year = 2000 + month / 12, m = month % 12 + 1
            let date = "\(year)\(m < 10 ? "0" : "")\(m)"
            if month == 5 { csv += "\(date)01,\n"; continue }  // a missing value: the month is a gap
            csv += "\(date)01,\(Double(month))\n\(date)15,\(Double(month) + 1)\n"
        }
        try FileIO.writeAtomically(Array(csv.utf8), toPath: path)
        let series = try TimeSeries.loadMonthly(path: path)
        #expect(series.values.count == 40)
        #expect(series.start == (2000, 1))
        #expect(series.values[4] == 4.5 && series.values[5] == 4.5 && series.values[6] == 6.5)
        // Every step differs from a year before by 12, but month 17, whose year-ago month 5 is the gap.
        #expect(series.seasonalNaiveMAE(testCount: 24) == Double(23 * 12 + 13) / 24)

        try FileIO.writeAtomically(Array("date,value\n2000-13,1\n".utf8), toPath: path)
        #expect(throws: TimeSeriesError.self) { try TimeSeries.loadMonthly(path: path) }
        #expect(TimeSeriesError.malformedLine(file: "f", line: 2, reason: "r").description == "f:2: r")
    }

    @Test("the airline and CO2 series load with their known sizes", .enabled(if: sharedDataDirectory != nil))
    func sharedSeries() throws {
        let airline = sharedDataDirectory! + "/timeseries/airline/Airline.csv"
        let co2 = sharedDataDirectory! + "/timeseries/co2/co2.csv"
        let a = try TimeSeries.loadMonthly(path: airline)
        #expect(a.values.count == 144 && a.start == (1949, 1) && a.values[0] == 112)
        let c = try TimeSeries.loadMonthly(path: co2)
        #expect(c.start == (1958, 3) && c.values.count == 526)
        #expect(a.seasonalNaiveMAE() > 0 && c.seasonalNaiveMAE() > 0)
    }

    @Test("digit strips put three images side by side and caption them")
    func digitStrips() {
        var pixels: [UInt8] = []
        for digit in 0..<10 { pixels += [UInt8](repeating: UInt8(digit * 20), count: 4) }  // 2×2 images
        let source = ImageDataset<Float>(
            images: pixels, labels: Array(0..<10), height: 2, width: 2, classCount: 10, normalization: .unit)
        let strips = DigitStrips.make(from: source, count: 50, seed: 9)
        #expect(strips.count == 50 && strips.height == 2 && strips.width == 6)
        for i in 0..<50 {
            let label = strips.labels[i]
            let digits = [label / 100, label / 10 % 10, label % 10]
            for y in 0..<2 {
                for x in 0..<6 {
                    #expect(strips.images[i * 12 + y * 6 + x] == UInt8(digits[x / 2] * 20))
                }
            }
        }
        #expect(DigitStrips.words(729) == ["seven", "two", "nine"])
        let captions = DigitStrips.captions([729, 5])
        #expect(captions.ids.shape == [2, 5])
        #expect(DigitStrips.vocabulary.decode(Array(captions.ids.indices[5..<10])) == ["zero", "zero", "five"])
        #expect(strips.classNames[729] == "seven two nine")
    }
}
