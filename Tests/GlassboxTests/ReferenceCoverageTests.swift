import Foundation
import Glassbox
import GlassboxIO
import Testing

/// The repository root, two folders above this file's folder.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite("reference coverage table")
struct ReferenceCoverageTests {
    @Test("Docs/ReferenceModules.txt and the coverage table in Docs/Reference.md list exactly the registry")
    func namesFile() throws {
        let regenerate = "regenerate with: python Scripts/make_coverage_table.py --glassbox .build/debug/glassbox"
        let text = String(decoding: try FileIO.readBytes(atPath: repositoryRoot + "/Docs/ReferenceModules.txt"), as: UTF8.self)
        let names = text.split(separator: "\n").map(String.init)
        #expect(names == ReferenceRegistry.moduleNames, "Docs/ReferenceModules.txt is stale; \(regenerate)")

        let doc = String(decoding: try FileIO.readBytes(atPath: repositoryRoot + "/Docs/Reference.md"), as: UTF8.self)
        let parts = doc.components(separatedBy: "<!-- coverage-table:begin -->")
        try #require(parts.count == 2, "Docs/Reference.md has no coverage table; \(regenerate)")
        let table = parts[1].components(separatedBy: "<!-- coverage-table:end -->")[0]
        let marked = Set(table.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[1].hasPrefix("yes") else { return nil }
            return cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
        })
        let extras = ReferenceRegistry.moduleNames.filter { !marked.contains($0) && !table.contains("`\($0)`") }
        #expect(extras.isEmpty, "supported but not in the coverage table: \(extras); \(regenerate)")
        let stale = marked.filter { !ReferenceRegistry.moduleNames.contains($0) }
        #expect(stale.isEmpty, "marked supported but not in the registry: \(stale.sorted()); \(regenerate)")
    }
}
