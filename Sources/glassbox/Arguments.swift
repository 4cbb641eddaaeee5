// A small command-line argument parser: `--name value`, `--name=value`, boolean flags,
// positionals and `--` (everything after it is positional). Unknown options, missing or
// malformed values and extra positionals are usage errors (exit status 2).

/// An error that ends the program with a one-line message on stderr.
enum CLIError: Error, CustomStringConvertible {
    /// The command line is wrong (exit status 2).
    case usage(String)
    /// The command failed (exit status 1).
    case failure(String)

    var description: String {
        switch self {
        case .usage(let message), .failure(let message): message
        }
    }

    /// The process exit status for this error.
    var exitStatus: Int32 {
        switch self {
        case .usage: 2
        case .failure: 1
        }
    }
}

/// One `--option` a command accepts.
struct OptionSpec: Sendable {
    /// The name without the leading dashes (`epochs` for `--epochs`).
    let name: String
    /// The placeholder shown in help (`N`, `FILE`); `nil` for a boolean flag.
    let valueName: String?
    /// One line of help.
    let help: String

    /// An option that takes a value.
    static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }

    /// A boolean flag.
    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }

    var isFlag: Bool { valueName == nil }
}

/// The parsed command line of one command, with typed, validated accessors.
struct ParsedArguments: Sendable {
    /// The command name, used in error messages (`train`, `bench gemm`).
    let command: String
    /// The values of the options given (by name, without dashes).
    private(set) var values: [String: String] = [:]
    /// The flags given.
    private(set) var flags: Set<String> = []
    /// The positional arguments, in order.
    private(set) var positionals: [String] = []

    /// Parses `arguments` against `options`; at most `maxPositionals` positionals.
    ///
    /// `-h`/`--help` are not handled here (the dispatcher looks for them first).
    init(command: String, arguments: [String], options: [OptionSpec], maxPositionals: Int) throws {
        self.command = command
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw CLIError.usage("\(command): unknown option '\(argument)' (see 'glassbox help \(command)')")
            }
            let body = argument.dropFirst(2)
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let spec = byName[name] else {
                throw CLIError.usage("\(command): unknown option '--\(name)' (see 'glassbox help \(command)')")
            }
            if values[name] != nil || flags.contains(name) {
                throw CLIError.usage("\(command): option '--\(name)' given more than once")
            }
            if spec.isFlag {
                if inlineValue != nil {
                    throw CLIError.usage("\(command): option '--\(name)' is a flag and takes no value")
                }
                flags.insert(name)
            } else if let inlineValue {
                values[name] = inlineValue
            } else {
                guard index < arguments.count else {
                    throw CLIError.usage("\(command): option '--\(name)' needs a value (\(spec.valueName!))")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        if positionals.count > maxPositionals {
            let extra = positionals[maxPositionals]
            throw CLIError.usage("\(command): unexpected argument '\(extra)' (see 'glassbox help \(command)')")
        }
    }

    /// Whether the flag `name` was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// Whether the option `name` was given (with a value).
    func has(_ name: String) -> Bool { values[name] != nil }

    /// The raw value of option `name`, if given.
    func string(_ name: String) throws -> String? {
        guard let value = values[name] else { return nil }
        guard !value.isEmpty else { throw CLIError.usage("\(command): option '--\(name)' needs a non-empty value") }
        return value
    }

    /// The value of option `name` as an integer in `range`, if given.
    func int(_ name: String, in range: ClosedRange<Int> = 1...Int.max) throws -> Int? {
        guard let raw = values[name] else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw CLIError.usage("\(command): option '--\(name)' expects \(describe(range)), got '\(raw)'")
        }
        return value
    }

    /// The value of option `name` as an unsigned 64-bit integer, if given.
    func uint64(_ name: String) throws -> UInt64? {
        guard let raw = values[name] else { return nil }
        guard let value = UInt64(raw) else {
            throw CLIError.usage("\(command): option '--\(name)' expects a non-negative integer, got '\(raw)'")
        }
        return value
    }

    /// The value of option `name` as a finite number greater than zero, if given.
    func positiveDouble(_ name: String) throws -> Double? {
        guard let raw = values[name] else { return nil }
        guard let value = Double(raw), value.isFinite, value > 0 else {
            throw CLIError.usage("\(command): option '--\(name)' expects a positive number, got '\(raw)'")
        }
        return value
    }

    /// The value of option `name` as a finite number of at least zero, if given.
    func nonNegativeDouble(_ name: String) throws -> Double? {
        guard let raw = values[name] else { return nil }
        guard let value = Double(raw), value.isFinite, value >= 0 else {
            throw CLIError.usage("\(command): option '--\(name)' expects a non-negative number, got '\(raw)'")
        }
        return value
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (1, Int.max): "a positive integer"
        case (0, Int.max): "a non-negative integer"
        case (let low, Int.max): "an integer ≥ \(low)"
        case (let low, let high): "an integer in \(low)...\(high)"
        }
    }
}
