#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `write(2)`, named so that ``Console/write(_:to:)`` can call it.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// Writes text straight to a file descriptor (unbuffered, so progress and errors interleave
/// correctly with the summary on stdout).
public enum Console {
    /// Writes `text` to `descriptor`, retrying on partial writes and `EINTR`.
    public static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        bytes.removeAll()
    }

    /// Prints one line to stdout.
    public static func out(_ line: String) { write(line + "\n", to: STDOUT_FILENO) }

    /// Prints one line to stderr.
    public static func err(_ line: String) { write(line + "\n", to: STDERR_FILENO) }

    /// Whether `descriptor` is a terminal.
    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }
}

/// Measures elapsed wall-clock time.
public struct Stopwatch {
    private let start = ContinuousClock.now

    /// Starts measuring.
    public init() {}

    /// Seconds since the stopwatch was created.
    public var seconds: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// A training progress display on stderr: epoch, step/total, running loss, throughput and ETA.
///
/// On a terminal the current line is redrawn in place with `\r` (at most ten times a second)
/// and each finished epoch keeps its line. When stderr is a pipe or a file, it prints plain
/// lines instead: one every ``plainInterval`` seconds during an epoch and one at its end.
public final class ProgressBar {
    /// The number of epochs of the run.
    public let epochs: Int
    /// Steps (batches) per epoch.
    public let stepsPerEpoch: Int
    /// The first epoch (1-based) this bar times: a resumed run starts past 1, and the ETA
    /// counts only the steps since then.
    public let firstEpoch: Int
    /// Seconds after which the run stops whatever its epochs (a `--minutes` budget), or `nil`.
    public let timeLimit: Double?
    /// Whether to redraw in place (a terminal) or print plain lines.
    public let isTerminal: Bool
    /// Seconds between plain lines within an epoch.
    public let plainInterval: Double
    private let descriptor: Int32
    private let clock = Stopwatch()
    private var lastDraw: Double = -.infinity
    private var drawnInPlace = false

    /// Creates a bar writing to `descriptor` (stderr by default) for epochs
    /// `firstEpoch...epochs`, optionally stopped after `timeLimit` seconds.
    public init(
        epochs: Int, stepsPerEpoch: Int, firstEpoch: Int = 1, timeLimit: Double? = nil,
        descriptor: Int32 = STDERR_FILENO, plainInterval: Double = 5
    ) {
        self.epochs = epochs
        self.stepsPerEpoch = max(1, stepsPerEpoch)
        self.firstEpoch = max(1, firstEpoch)
        self.timeLimit = timeLimit
        self.descriptor = descriptor
        self.isTerminal = Console.isTerminal(descriptor)
        self.plainInterval = plainInterval
    }

    /// Reports that step `step` (1-based) of epoch `epoch` (1-based) is done, with the mean
    /// loss of the epoch so far (and its accuracy, if known) and the samples processed since
    /// the start of training.
    public func update(epoch: Int, step: Int, loss: Double, accuracy: Double? = nil, samples: Int) {
        let now = clock.seconds
        let endOfEpoch = step >= stepsPerEpoch
        if endOfEpoch {
            draw(line(epoch: epoch, step: step, loss: loss, accuracy: accuracy, samples: samples, now: now), final: true)
            lastDraw = now
        } else if now - lastDraw >= (isTerminal ? 0.1 : plainInterval) {
            draw(line(epoch: epoch, step: step, loss: loss, accuracy: accuracy, samples: samples, now: now), final: false)
            lastDraw = now
        }
    }

    /// The estimated seconds left after step `step` of epoch `epoch`, `elapsed` seconds after the
    /// bar was created: the mean time per step since ``firstEpoch`` times the steps left,
    /// capped by what is left of ``timeLimit``.
    public func secondsLeft(epoch: Int, step: Int, elapsed: Double) -> Double {
        let done = (epoch - firstEpoch) * stepsPerEpoch + step
        let remaining = epochs * stepsPerEpoch - ((epoch - 1) * stepsPerEpoch + step)
        var left = done > 0 ? elapsed / Double(done) * Double(max(0, remaining)) : 0
        if let timeLimit { left = min(left, max(0, timeLimit - elapsed)) }
        return left
    }

    /// Prints a message line (e.g. an evaluation result) without breaking the bar.
    public func message(_ text: String) {
        if drawnInPlace { Console.write("\r\u{1B}[K", to: descriptor) }
        drawnInPlace = false
        Console.write(text + "\n", to: descriptor)
    }

    private func draw(_ text: String, final: Bool) {
        if isTerminal {
            Console.write("\r" + text + "\u{1B}[K" + (final ? "\n" : ""), to: descriptor)
            drawnInPlace = !final
        } else {
            Console.write(text + "\n", to: descriptor)
        }
    }

    private func line(epoch: Int, step: Int, loss: Double, accuracy: Double?, samples: Int, now: Double) -> String {
        let width = 20
        let filled = step * width / stepsPerEpoch
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let remaining = epochs * stepsPerEpoch - ((epoch - 1) * stepsPerEpoch + step)
        let eta = secondsLeft(epoch: epoch, step: step, elapsed: now)
        let rate = now > 0 ? Double(samples) / now : 0
        let epochText = TextFormat.padLeft(String(epoch), to: String(epochs).count)
        let stepText = TextFormat.padLeft(String(step), to: String(stepsPerEpoch).count)
        return "epoch \(epochText)/\(epochs) [\(bar)] \(stepText)/\(stepsPerEpoch)  "
            + "loss \(TextFormat.fixed(loss, decimals: 4))  "
            + (accuracy.map { "accuracy \(TextFormat.fixed($0 * 100, decimals: 2))%  " } ?? "")
            + "\(TextFormat.rate(rate)) samples/s  "
            + (remaining > 0 ? "ETA \(TextFormat.duration(eta))" : "\(TextFormat.duration(now)) total")
    }
}

/// Number and duration formatting without Foundation.
public enum TextFormat {
    /// `text` right-aligned in `width` columns.
    public static func padLeft(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// `value` with exactly `decimals` digits after the point.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        guard rounded < 9e15 else { return String(value) }
        let whole = Int(rounded) / Int(scale)
        let fraction = Int(rounded) % Int(scale)
        let sign = value < 0 && rounded != 0 ? "-" : ""
        if decimals == 0 { return sign + String(whole) }
        let digits = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: decimals - digits.count) + digits
    }

    /// A throughput such as `950`, `12.3k` or `4.56M`.
    public static func rate(_ rate: Double) -> String {
        if rate >= 1e6 { return fixed(rate / 1e6, decimals: 2) + "M" }
        if rate >= 1e4 { return fixed(rate / 1e3, decimals: 1) + "k" }
        return fixed(rate, decimals: 0)
    }

    /// A duration as `m:ss` or `h:mm:ss`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }
}
