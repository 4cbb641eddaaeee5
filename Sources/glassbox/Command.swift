import Glassbox
/// One `glassbox` subcommand: its help text, the options it accepts, and what it runs.
struct Command: Sendable {
    /// The word after `glassbox` (`train`).
    let name: String
    /// One line for the command list of `glassbox --help`.
    let summary: String
    /// Usage lines, without the leading `glassbox `.
    let usage: [String]
    /// A paragraph or more shown by `glassbox help NAME`.
    let details: String
    /// The options accepted.
    let options: [OptionSpec]
    /// The most positional arguments accepted.
    let maxPositionals: Int
    /// Runs the command on its parsed arguments; returns the exit status.
    let run: @Sendable (ParsedArguments) throws -> Int32

    /// The full help text of the command.
    var help: String {
        var lines = ["Usage:"] + usage.map { "  glassbox \($0)" } + ["", details]
        let labels = options.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") } + ["-h, --help"]
        let helps = options.map(\.help) + ["Show this help."]
        let width = labels.map(\.count).max()! + 2
        lines += ["", "Options:"]
        for (label, text) in zip(labels, helps) {
            lines.append("  " + label + String(repeating: " ", count: width - label.count) + text)
        }
        return lines.joined(separator: "\n")
    }
}

/// The command-line interface: dispatch to the registered commands.
enum CLI {
    /// Every command, in the order of `glassbox --help`.
    static let commands: [Command] = [
        trainCommand, sampleCommand, scoreCommand, predictCommand, explainCommand, benchCommand, referenceCommand, compareCommand, goldenCommand, inspectCommand, onnxCommand, helpCommand,
    ]

    /// The top-level help text.
    static var help: String {
        let width = commands.map(\.name.count).max()! + 3
        return (
            [
                "glassbox: train, benchmark and inspect models of Glassbox, a deep-learning library in pure Swift.",
                "",
                "Usage: glassbox <command> [options]",
                "",
                "Commands:",
            ]
            + commands.map { "  " + $0.name + String(repeating: " ", count: width - $0.name.count) + $0.summary }
            + ["", "Run 'glassbox help <command>' for a command's options."]
        ).joined(separator: "\n")
    }

    /// The command called `name`.
    static func command(named name: String) -> Command? { commands.first { $0.name == name } }

    /// Runs the command line `arguments` (without the program name) and returns the exit
    /// status: 0 on success, 1 when a command fails, 2 for a usage error. Errors are one line
    /// on stderr.
    static func run(_ arguments: [String]) -> Int32 {
        do {
            return try dispatch(arguments)
        } catch let error as CLIError {
            Console.err("glassbox: \(error)")
            return error.exitStatus
        } catch let error as TrainingSetupError {
            Console.err("glassbox: \(error)")
            if case .usage = error { return 2 }
            return 1
        } catch {
            Console.err("glassbox: \(error)")
            return 1
        }
    }

    private static func dispatch(_ arguments: [String]) throws -> Int32 {
        guard let first = arguments.first else {
            Console.err(help)
            return 2
        }
        if first == "-h" || first == "--help" {
            Console.out(help)
            return 0
        }
        guard let command = command(named: first) else {
            if first.hasPrefix("-") { throw CLIError.usage("unknown option '\(first)' (see 'glassbox --help')") }
            throw CLIError.usage("unknown command '\(first)' (see 'glassbox --help')")
        }
        let rest = Array(arguments.dropFirst())
        let beforeSeparator = rest.prefix { $0 != "--" }
        if beforeSeparator.contains("-h") || beforeSeparator.contains("--help") {
            Console.out(command.help)
            return 0
        }
        let parsed = try ParsedArguments(
            command: command.name, arguments: rest, options: command.options,
            maxPositionals: command.maxPositionals)
        return try command.run(parsed)
    }
}

/// `glassbox help [COMMAND]`.
let helpCommand = Command(
    name: "help",
    summary: "Show help for glassbox or for one command",
    usage: ["help [COMMAND]"],
    details: "Prints the options of COMMAND, or the list of commands.",
    options: [],
    maxPositionals: 1,
    run: { arguments in
        guard let name = arguments.positionals.first else {
            Console.out(CLI.help)
            return 0
        }
        guard let command = CLI.command(named: name) else {
            throw CLIError.usage("help: unknown command '\(name)' (see 'glassbox --help')")
        }
        Console.out(command.help)
        return 0
    })
