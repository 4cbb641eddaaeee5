import Glassbox
import GlassboxIO
import Testing

@Suite("Digits dataset and DataLoader")
struct DigitsTests {
    @Test("the embedded digits load: 1797 samples, pixels in [0, 1], every class present")
    func embedded() throws {
        let all = try Digits.loadAll()
        #expect(all.count == 1797)
        #expect(all.featureCount == 64)
        #expect(all.classCount == 10)
        let pixels = all.features.scalars
        #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(pixels.contains(1))
        // The first sample of sklearn's load_digits() is a 0 whose first row is 0,0,5,13,9,1,0,0.
        #expect(all.labels.indices[0] == 0)
        #expect(Array(pixels[0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
        var counts = [Int](repeating: 0, count: 10)
        for label in all.labels.indices { counts[label] += 1 }
        #expect(counts.allSatisfy { $0 >= 170 })
    }

    @Test("the default split is 1438/359, fixed, and disjoint")
    func split() throws {
        let a = try Digits.load()
        let b = try Digits.load()
        #expect(a.train.count == 1438)
        #expect(a.test.count == 359)
        #expect(a.train.labels == b.train.labels)
        #expect(a.test.features.scalars == b.test.features.scalars)
        let other = try Digits.load(splitSeed: 1)
        #expect(other.test.labels != a.test.labels)

        // Train and test together are a permutation of the whole set.
        let all = try Digits.loadAll()
        func rows(_ d: LabeledDataset<Float>) -> [[Float]] {
            let s = d.features.scalars
            return (0..<d.count).map { Array(s[($0 * 64)..<($0 * 64 + 64)]) + [Float(d.labels.indices[$0])] }
        }
        let key: ([Float]) -> String = { $0.map { String($0) }.joined(separator: ",") }
        #expect((rows(a.train) + rows(a.test)).map(key).sorted() == rows(all).map(key).sorted())
    }

    @Test("plain (uncompressed) CSV files load too")
    func plainFile() throws {
        let path = "/tmp/glassbox-digits-\(UInt64.random(in: 0...UInt64.max)).csv"
        let line = (Array(repeating: "16", count: 64) + ["7"]).joined(separator: ",")
        try FileIO.writeAtomically(Array((line + "\n" + line + "\r\n").utf8), toPath: path)
        let d = try Digits.loadAll(path: path)
        #expect(d.count == 2)
        #expect(d.labels.indices == [7, 7])
        #expect(d.features.scalars.allSatisfy { $0 == 1 })
    }

    @Test(
        "malformed lines are errors naming the file and line",
        arguments: [
            ("pixel_0,pixel_1\n", 1, "column 1"),
            (Self.row(label: 3) + "\n\n" + Self.row(label: 3) + "\n", 2, "empty line"),
            (Self.row(label: 3) + "\n" + Self.row(label: 3) + ",0\n", 2, "expected 65 values"),
            (Self.row(label: 10) + "\n", 1, "label 10"),
            (Self.row(label: 1, pixel: "17") + "\n", 1, "pixel 17"),
            (Self.row(label: 1, pixel: " 3") + "\n", 1, "non-negative integer"),
            (Self.row(label: 1, pixel: "-1") + "\n", 1, "non-negative integer"),
            (Self.row(label: 1, pixel: "") + "\n", 1, "non-negative integer"),
        ])
    func malformed(text: String, line: Int, fragment: String) {
        do {
            _ = try Digits.parse(csv: Array(text.utf8), source: "bad.csv")
            Issue.record("parsed malformed input")
        } catch let error as DigitsError {
            guard case .malformedLine(let file, let errorLine, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(file == "bad.csv")
            #expect(errorLine == line)
            #expect(error.description.hasPrefix("bad.csv:\(line): "))
            #expect(error.description.contains(fragment), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("an empty file and a missing file are errors")
    func emptyAndMissing() {
        #expect(throws: DigitsError.empty(file: "e.csv")) { try Digits.parse(csv: [], source: "e.csv") }
        #expect(throws: FileError.notFound(path: "/nonexistent/digits.csv.gz")) {
            try Digits.loadAll(path: "/nonexistent/digits.csv.gz")
        }
    }

    static func row(label: Int, pixel: String = "0") -> String {
        ([pixel] + Array(repeating: "0", count: 63) + [String(label)]).joined(separator: ",")
    }

    @Test("DataLoader: each epoch visits every sample once, deterministically per seed and epoch")
    func loader() {
        let n = 10
        let data = LabeledDataset(
            features: Tensor((0..<(n * 2)).map { Float($0) }, shape: [n, 2]), labels: IndexTensor((0..<n).map { $0 % 3 }),
            classCount: 3)
        let loader = DataLoader(data, batchSize: 4, shuffle: true, seed: 42)
        #expect(loader.batchCount == 3)
        let epoch0 = loader.batches(epoch: 0)
        #expect(epoch0.map(\.size) == [4, 4, 2])
        #expect(epoch0.flatMap(\.indices).sorted() == Array(0..<n))
        for batch in epoch0 {
            #expect(batch.features.shape == [batch.size, 2])
            #expect(batch.features.scalars == batch.indices.flatMap { [Float(2 * $0), Float(2 * $0 + 1)] })
            #expect(batch.labels.indices == batch.indices.map { $0 % 3 })
        }
        #expect(loader.batches(epoch: 0).flatMap(\.indices) == epoch0.flatMap(\.indices))
        #expect(loader.order(epoch: 1) != loader.order(epoch: 0))
        #expect(DataLoader(data, batchSize: 4, seed: 43).order(epoch: 0) != loader.order(epoch: 0))
        #expect(DataLoader(data, batchSize: 4, shuffle: false).order(epoch: 3) == Array(0..<n))
        let dropping = DataLoader(data, batchSize: 4, seed: 42, dropLast: true)
        #expect(dropping.batchCount == 2)
        #expect(dropping.batches(epoch: 0).map(\.size) == [4, 4])
    }
}
