// The `glassbox` command line. See `glassbox --help`; the commands are listed in Command.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// A write beyond the file-size limit (`ulimit -f`) then fails with EFBIG, reported as one line
// like any other failed write, instead of killing the process with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
