#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import GlassboxIO

/// Runs the ONNX backend node tests (`<test>/model.onnx`, `<test>/test_data_set_0/input_N.pb`,
/// `output_N.pb`, `tolerance.json`) and compares like onnx's backend runner: dtype and shape
/// equal, `numpy.testing.assert_allclose(actual, expected, rtol, atol)` for float outputs
/// (NaN equal to NaN), equality for the others.
public enum ONNXConformance {
    /// The outcome of one test.
    public struct Result: Sendable {
        /// The test folder name.
        public let name: String
        /// `nil` when it passed, else why it failed (one line).
        public let failure: String?
        /// The op types of the model's nodes.
        public let ops: [String]
    }

    /// The test folders (`test_*`) under `suite`, sorted.
    public static func testNames(suite: String) throws -> [String] {
        guard let dir = opendir(suite) else { throw ONNXError("\(suite): cannot open the suite folder") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("test_") { names.append(name) }
        }
        return names.sorted()
    }

    /// Runs one test folder in this process; returns `nil` when it passes, else the reason.
    public static func run(testDirectory: String) -> String? {
        do {
            let session = try ONNXSession(path: testDirectory + "/model.onnx")
            let (rtol, atol) = tolerance(testDirectory)
            let data = testDirectory + "/test_data_set_0"
            let graph = session.model.graph
            let initialized = Set(graph.initializers.map(\.name))
            var inputs: [String: ONNXValue] = [:]
            var k = 0
            for info in graph.inputs where !initialized.contains(info.name) {
                let path = data + "/input_\(k).pb"
                k += 1
                guard FileIO.exists(atPath: path) else { continue }
                inputs[info.name] = try readValue(path, type: info.type)
            }
            let outputs = try session.run(inputs)
            for (i, info) in graph.outputs.enumerated() {
                let expected = try readValue(data + "/output_\(i).pb", type: info.type)
                if let why = compare(outputs[i], expected, rtol: rtol, atol: atol) { return "output \(i) '\(info.name)': \(why)" }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Runs one test in a child process (so that a crash or a hang fails only that test).
    public static func runIsolated(testDirectory: String, timeoutSeconds: Int = 60) -> String? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return run(testDirectory: testDirectory) }
        let pid = fork()
        if pid == 0 {
            close(fds[0])
            let message = Array((run(testDirectory: testDirectory) ?? "").utf8)
            var written = 0
            while written < message.count {
                let n = message[written...].withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
                if n <= 0 { break }
                written += n
            }
            _exit(0)
        }
        close(fds[1])
        guard pid > 0 else { close(fds[0]); return run(testDirectory: testDirectory) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let flags = fcntl(fds[0], F_GETFL)
        _ = fcntl(fds[0], F_SETFL, flags | O_NONBLOCK)
        var status: Int32 = 0
        let deadline = Double(timeoutSeconds) * 1000
        var waited = 0.0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n > 0 { output += buffer[0..<n]; continue }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if waited > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                close(fds[0])
                return "timed out after \(timeoutSeconds) s"
            }
            usleep(1000)
            waited += 1
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        close(fds[0])
        let exitedNormally = (status & 0x7F) == 0
        if !exitedNormally { return "crashed (signal \(status & 0x7F))" }
        return output.isEmpty ? nil : String(decoding: output, as: UTF8.self)
    }

    /// Reads `input_N.pb`/`output_N.pb`: a `SequenceProto`/`OptionalProto` where `type` says so, else a `TensorProto`.
    public static func readValue(_ path: String, type: ONNXType) throws -> ONNXValue {
        let bytes = try FileIO.readBytes(atPath: path)
        do {
            switch type {
            case .sequence: return try ONNXValue(proto: ONNXValueProto(serializedSequence: bytes))
            case .optional: return try ONNXValue(proto: ONNXValueProto(serializedOptional: bytes))
            default: return .tensor(try ONNXTensor(proto: ONNXTensorProto(serialized: bytes)))
            }
        } catch {
            throw ONNXError("\(path): \(error)")
        }
    }

    static func tolerance(_ dir: String) -> (Double, Double) {
        guard let bytes = try? FileIO.readBytes(atPath: dir + "/tolerance.json") else { return (1e-3, 1e-7) }
        let text = String(decoding: bytes, as: UTF8.self)
        func number(_ key: String) -> Double? {
            let chars = Array(text), pattern = Array("\"\(key)\"")
            guard let start = (0...max(0, chars.count - pattern.count)).first(where: { Array(chars[$0..<min(chars.count, $0 + pattern.count)]) == pattern }) else { return nil }
            let rest = chars[(start + pattern.count)...].drop { $0 == ":" || $0 == " " }
            return Double(String(rest.prefix { "0123456789.eE+-".contains($0) }))
        }
        return (number("rtol") ?? 1e-3, number("atol") ?? 1e-7)
    }

    /// Why `actual` differs from `expected`, or `nil` if they match.
    public static func compare(_ actual: ONNXValue, _ expected: ONNXValue, rtol: Double, atol: Double) -> String? {
        switch (actual, expected) {
        case (.tensor(let a), .tensor(let e)): return compareTensors(a, e, rtol: rtol, atol: atol)
        case (.sequence(let a, _), .sequence(let e, _)):
            guard a.count == e.count else { return "sequence of \(a.count), expected \(e.count)" }
            for (i, (x, y)) in zip(a, e).enumerated() {
                if let why = compare(x, y, rtol: rtol, atol: atol) { return "element \(i): \(why)" }
            }
            return nil
        case (.optional(let a, _), .optional(let e, _)):
            switch (a, e) {
            case (nil, nil): return nil
            case (let x?, let y?): return compare(x, y, rtol: rtol, atol: atol)
            default: return a == nil ? "empty optional, expected a value" : "a value, expected an empty optional"
            }
        case (.optional(let a?, _), _): return compare(a, expected, rtol: rtol, atol: atol)
        case (_, .optional(let e?, _)): return compare(actual, e, rtol: rtol, atol: atol)
        default: return "got a \(actual.kind), expected a \(expected.kind)"
        }
    }

    static func compareTensors(_ a: ONNXTensor, _ e: ONNXTensor, rtol: Double, atol: Double) -> String? {
        guard a.dtype == e.dtype else { return "dtype \(a.dtype), expected \(e.dtype)" }
        guard a.shape == e.shape else { return "shape \(a.shape), expected \(e.shape)" }
        switch (a.storage, e.storage) {
        case (.real(let x), .real(let y)):
            var bad = 0, first = -1
            for i in 0..<x.count {
                let ok: Bool
                if x[i].isNaN || y[i].isNaN { ok = x[i].isNaN && y[i].isNaN }
                else if x[i].isInfinite || y[i].isInfinite { ok = x[i] == y[i] }
                else { ok = abs(x[i] - y[i]) <= atol + rtol * abs(y[i]) }
                if !ok { bad += 1; if first < 0 { first = i } }
            }
            return bad == 0 ? nil : "\(bad) of \(x.count) elements differ (first at \(first): \(x[first]), expected \(y[first]))"
        case (.int(let x), .int(let y)):
            guard let i = x.indices.first(where: { x[$0] != y[$0] }) else { return nil }
            return "element \(i) is \(x[i]), expected \(y[i])"
        case (.string(let x), .string(let y)):
            guard let i = x.indices.first(where: { x[$0] != y[$0] }) else { return nil }
            return "element \(i) is '\(x[i])', expected '\(y[i])'"
        default: return "storage kinds differ"
        }
    }
}
