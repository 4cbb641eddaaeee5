#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GlassboxIO

/// The committed fixtures, found next to this source file so no bundle (or Foundation) is needed.
let fixturesDirectory: String = {
    let file = #filePath
    return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures"
}()

func fixture(_ name: String) -> String { fixturesDirectory + "/" + name }

func fixtureBytes(_ name: String) throws -> [UInt8] { try FileIO.readBytes(atPath: fixture(name)) }

/// `expected.json`, written by Scripts/make_io_fixtures.py.
let expectedFixtures: JSONValue = try! JSONValue(parsing: FileIO.readBytes(atPath: fixture("expected.json")))

func bytes(fromHex hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    func value(_ digit: UInt8) -> UInt8 { digit <= 57 ? digit - 48 : digit - 87 }
    return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
}

/// A seeded random number generator (SplitMix64), so that randomised tests draw the same inputs
/// on every run and a failure can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The error `body` throws, or nil.
func thrownError<T>(_ body: () throws -> T) -> (any Error)? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// A fresh temporary directory, removed (with its files) by `cleanUp`.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() {
        var template = Array("/tmp/glassbox-io-test-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed")
        path = String(cString: result!)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the entries in the directory (without . and ..).
    func entries() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    deinit {
        for name in entries() {
            let full = file(name)
            if unlink(full) != 0 { rmdir(full) }
        }
        rmdir(path)
    }
}

/// Checks that an error's message is one line and mentions `file`.
func isOneLine(_ error: (any Error)?, naming file: String) -> Bool {
    guard let error else { return false }
    let message = String(describing: error)
    return !message.contains("\n") && message.contains(file)
}
