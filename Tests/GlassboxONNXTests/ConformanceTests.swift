import GlassboxIO
import GlassboxONNX
import Testing

/// The repository root, from this file's path.
private let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The ONNX node-test suite beside the repository (`../shared/data/onnx-node`), if present.
private let suiteDirectory = repositoryRoot + "/../shared/data/onnx-node"
private let suitePresent = FileIO.exists(atPath: suiteDirectory + "/README.md")

private func lines(_ file: String) throws -> [String] {
    let path = #filePath.replacing("ConformanceTests.swift", with: file)
    return String(decoding: try FileIO.readBytes(atPath: path), as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
}

/// Runs the ONNX node tests of onnx 1.23.2 (1884) against the committed baseline: the pass count
/// (`conformance-baseline.txt`) and the names of the tests that passed when it was recorded
/// (`conformance-passing.txt`), each of which must still pass. Release builds only (`.slow`): the
/// suite takes about 10 s there and minutes in a debug build; `glassbox onnx test` runs it too.
@Suite(.slow, .enabled(if: suitePresent, "the ONNX node-test suite is not at ../shared/data/onnx-node"))
struct ConformanceTests {
    @Test func recordedPassingTestsStillPass() throws {
        let passing = try lines("conformance-passing.txt")
        var failures: [String] = []
        for name in passing {
            if let why = ONNXConformance.runIsolated(testDirectory: suiteDirectory + "/" + name) { failures.append("\(name): \(why)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(passing.count) recorded tests fail: \(failures.prefix(10))")
    }

    @Test func passCountDoesNotFallBelowTheBaseline() throws {
        let baseline = Int(try lines("conformance-baseline.txt").first ?? "") ?? 0
        let names = try ONNXConformance.testNames(suite: suiteDirectory)
        let passed = names.filter { ONNXConformance.runIsolated(testDirectory: suiteDirectory + "/" + $0) == nil }.count
        #expect(passed >= baseline, "\(passed) of \(names.count) passed, baseline \(baseline)")
    }
}
