import Testing
import Glassbox

@Suite("Op catalog")
struct OpCatalogTests {
    @Test("every differentiable op has a catalog entry")
    func coverage() {
        #expect(OpCatalog.missingOperations.isEmpty, "ops without a catalog entry: \(OpCatalog.missingOperations)")
    }

    @Test("catalog names are unique")
    func uniqueNames() {
        let names = OpCatalog.entries.map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test("each entry records the op it claims to cover", arguments: OpCatalog.entries.map(\.name))
    func entryExercisesItsOp(name: String) throws {
        let entry = try #require(OpCatalog.entry(named: name))
        if let op = entry.op {
            #expect(entry.recordedOperations().contains(op), "\(name) does not record \(op)")
        }
    }

    /// The entries whose Double gradcheck takes more than a few seconds in a debug build (a whole
    /// U-Net, two-layer bidirectional recurrent stacks with lengths, attention over several
    /// kernel tiles): they run in release builds only, where they take well under a second.
    static let slowEntries: Set<String> = [
        "ddpm.UNet",
        "nn.LSTM/T20-two-layers-bidirectional-lengths",
        "nn.GRU/T20-two-layers-bidirectional-lengths-batchFirst",
        "nn.RNN/T20-two-layers-bidirectional-lengths",
        "attention.sdpa/tiled-cross",
        "attention.sdpa/tiled-causal",
        "attention.multihead/causal-tiled",
    ]

    @Test("the slow entries are catalog entries")
    func slowEntriesExist() {
        #expect(Self.slowEntries.subtracting(OpCatalog.entries.map(\.name)).isEmpty)
    }

    @Test("gradcheck in Double", arguments: OpCatalog.entries.map(\.name).filter { !slowEntries.contains($0) })
    func gradcheckEntry(name: String) throws {
        let entry = try #require(OpCatalog.entry(named: name))
        let result = entry.check()
        #expect(result.passed, "\(name): \(result)")
        #expect(result.checkedCount > 0)
    }

    @Test("gradcheck in Double, the slow entries", .slow, arguments: slowEntries.sorted())
    func gradcheckSlowEntry(name: String) throws {
        try gradcheckEntry(name: name)
    }

    @Test("gradcheck detects a wrong derivative")
    func gradcheckCatchesErrors() {
        // sin's derivative replaced by a wrong one must fail.
        let x = Tensor<Double>([0.3, -1.2, 2.0], requiresGrad: true)
        let wrong = gradcheck({ $0[0].sin() * 1.0001 + $0[0].withoutGradient() * 0.01 }, inputs: [x])
        #expect(!wrong.passed)
    }
}

extension Tensor {
    /// The same values with no gradient: makes a function whose true derivative differs from
    /// the recorded one.
    func withoutGradient() -> Tensor { detached().sin() }
}
