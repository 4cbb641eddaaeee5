// The `glassbox` command line. See `glassbox --help`; commands live in Command.swift,
// ReferenceCommand.swift (reference, compare, golden), InspectCommand.swift,
// TrainCommand.swift and BenchCommand.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// A write beyond the file-size limit (`ulimit -f`) then fails with EFBIG, reported as one line
// like any other failed write, instead of killing the process with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
