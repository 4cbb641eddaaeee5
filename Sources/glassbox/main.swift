// The `glassbox` command line. See `glassbox --help`; commands live in Command.swift,
// ReferenceCommand.swift (reference, compare, golden), InspectCommand.swift,
// TrainCommand.swift and BenchCommand.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
