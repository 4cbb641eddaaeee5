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

@Suite struct ConformanceTests {
    /// Runs all 1884 node tests of onnx 1.23.2 and fails if fewer pass than the committed baseline.
    @Test(.enabled(if: FileIO.exists(atPath: suiteDirectory + "/README.md"), "the ONNX node-test suite is not at ../shared/data/onnx-node"))
    func passCountDoesNotFallBelowTheBaseline() throws {
        let baselineText = String(decoding: try FileIO.readBytes(atPath: #filePath.replacing("ConformanceTests.swift", with: "conformance-baseline.txt")), as: UTF8.self)
        let baseline = Int(baselineText.split(whereSeparator: \.isWhitespace).first ?? "") ?? 0
        let names = try ONNXConformance.testNames(suite: suiteDirectory)
        var passed = 0
        var failures: [String] = []
        for name in names {
            if let why = ONNXConformance.runIsolated(testDirectory: suiteDirectory + "/" + name) {
                failures.append("\(name): \(why)")
            } else {
                passed += 1
            }
        }
        #expect(passed >= baseline, "\(passed) of \(names.count) passed, baseline \(baseline); first failures: \(failures.prefix(5))")
    }
}
