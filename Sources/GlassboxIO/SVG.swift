#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A small SVG 1.1 writer for the two charts Glassbox draws: a scatter plot of points coloured
/// by class (a latent space) and a line chart of one or more series (loss curves). Both have
/// axes with "nice" ticks (steps of 1, 2 or 5 × 10ᵏ), axis labels, a title and a legend.
///
/// The output is a complete standalone document (`<svg xmlns=…>`) with one element per point
/// (`<circle>`) or per series (`<polyline>`), so it can be checked by reading it back.
public enum SVG {
    /// The ten class colours (matplotlib's `tab10`), cycled for more classes or series.
    public static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// One series of a line chart.
    public struct Series: Sendable {
        /// The legend entry.
        public let name: String
        /// The points, in drawing order.
        public let points: [(x: Double, y: Double)]

        /// A series named `name` through `points`.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// A scatter plot of `points`, point `i` coloured by class `labels[i]` (an index into
    /// `classNames`, which the legend lists).
    ///
    /// - Precondition: one label per point, each in `0..<classNames.count`; at least one point.
    public static func scatterPlot(
        points: [(x: Double, y: Double)], labels: [Int], classNames: [String], title: String,
        xLabel: String = "", yLabel: String = "", radius: Double = 1.5
    ) -> String {
        precondition(!points.isEmpty, "SVG.scatterPlot: no points")
        precondition(points.count == labels.count, "SVG.scatterPlot: \(points.count) points but \(labels.count) labels")
        precondition(
            labels.allSatisfy { $0 >= 0 && $0 < classNames.count },
            "SVG.scatterPlot: a label is outside 0..<\(classNames.count)")
        let frame = Frame(xs: points.map(\.x), ys: points.map(\.y))
        var body = frame.axes(title: title, xLabel: xLabel, yLabel: yLabel)
        for (point, label) in zip(points, labels) {
            body += "<circle cx=\"\(format(frame.x(point.x)))\" cy=\"\(format(frame.y(point.y)))\" r=\"\(format(radius))\" "
                + "fill=\"\(color(label))\" fill-opacity=\"0.6\"/>\n"
        }
        body += legend(classNames, marker: { "<circle cx=\"6\" cy=\"-4\" r=\"4\" fill=\"\(color($0))\"/>" })
        return document(body)
    }

    /// A line chart of `series`, each a polyline in its own colour, with a legend.
    ///
    /// - Precondition: at least one point in all.
    public static func lineChart(series: [Series], title: String, xLabel: String = "", yLabel: String = "") -> String {
        let all = series.flatMap(\.points)
        precondition(!all.isEmpty, "SVG.lineChart: no points")
        let frame = Frame(xs: all.map(\.x), ys: all.map(\.y))
        var body = frame.axes(title: title, xLabel: xLabel, yLabel: yLabel)
        for (index, line) in series.enumerated() {
            let coordinates = line.points.map { "\(format(frame.x($0.x))),\(format(frame.y($0.y)))" }.joined(separator: " ")
            body += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color(index))\" stroke-width=\"2\"/>\n"
            for point in line.points {
                body += "<circle cx=\"\(format(frame.x(point.x)))\" cy=\"\(format(frame.y(point.y)))\" r=\"2.5\" fill=\"\(color(index))\"/>\n"
            }
        }
        body += legend(series.map(\.name), marker: { "<line x1=\"0\" y1=\"-4\" x2=\"12\" y2=\"-4\" stroke=\"\(color($0))\" stroke-width=\"2\"/>" })
        return document(body)
    }

    /// Writes `document` to `path` atomically (see ``FileIO/writeAtomically(_:toPath:)``).
    ///
    /// - Throws: ``FileError``.
    public static func write(_ document: String, to path: String) throws {
        try FileIO.writeAtomically(Array(document.utf8), toPath: path)
    }

    /// `text` with `&`, `<`, `>` and `"` escaped for XML.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Tick positions covering `low…high` with about `count` steps of 1, 2 or 5 × 10ᵏ.
    public static func ticks(low: Double, high: Double, count: Int = 5) -> [Double] {
        precondition(low.isFinite && high.isFinite && low <= high && count > 0, "SVG.ticks: bad range \(low)…\(high)")
        if low == high { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var k = (low / step).rounded(.up)
        while k * step <= high + step * 1e-9 {
            ticks.append(k * step)
            k += 1
        }
        return ticks
    }

    // MARK: - Layout

    static let width = 640.0, height = 480.0
    static let left = 70.0, right = 150.0, top = 40.0, bottom = 60.0

    /// The data-to-pixel mapping of the plot area.
    struct Frame {
        let xLow: Double, xHigh: Double, yLow: Double, yHigh: Double

        init(xs: [Double], ys: [Double]) {
            func range(_ values: [Double]) -> (Double, Double) {
                let finite = values.filter(\.isFinite)
                guard var low = finite.min(), var high = finite.max() else { return (0, 1) }
                if low == high {
                    low -= 0.5
                    high += 0.5
                }
                let margin = (high - low) * 0.04
                return (low - margin, high + margin)
            }
            (xLow, xHigh) = range(xs)
            (yLow, yHigh) = range(ys)
        }

        func x(_ value: Double) -> Double { SVG.left + (value - xLow) / (xHigh - xLow) * (SVG.width - SVG.left - SVG.right) }
        func y(_ value: Double) -> Double { SVG.height - SVG.bottom - (value - yLow) / (yHigh - yLow) * (SVG.height - SVG.top - SVG.bottom) }

        /// The frame, ticks with labels, axis labels and title.
        func axes(title: String, xLabel: String, yLabel: String) -> String {
            let x0 = SVG.left, x1 = SVG.width - SVG.right, y0 = SVG.height - SVG.bottom, y1 = SVG.top
            var out = "<rect x=\"\(format(x0))\" y=\"\(format(y1))\" width=\"\(format(x1 - x0))\" height=\"\(format(y0 - y1))\" "
                + "fill=\"none\" stroke=\"#000\"/>\n"
            for t in SVG.ticks(low: xLow, high: xHigh) {
                let px = format(x(t))
                out += "<line class=\"tick\" x1=\"\(px)\" y1=\"\(format(y0))\" x2=\"\(px)\" y2=\"\(format(y0 + 5))\" stroke=\"#000\"/>\n"
                out += "<text class=\"tick-label\" x=\"\(px)\" y=\"\(format(y0 + 18))\" text-anchor=\"middle\">\(label(t))</text>\n"
            }
            for t in SVG.ticks(low: yLow, high: yHigh) {
                let py = format(y(t))
                out += "<line class=\"tick\" x1=\"\(format(x0 - 5))\" y1=\"\(py)\" x2=\"\(format(x0))\" y2=\"\(py)\" stroke=\"#000\"/>\n"
                out += "<text class=\"tick-label\" x=\"\(format(x0 - 8))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label(t))</text>\n"
            }
            out += "<text class=\"title\" x=\"\(format((x0 + x1) / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">\(SVG.escaped(title))</text>\n"
            out += "<text class=\"x-label\" x=\"\(format((x0 + x1) / 2))\" y=\"\(format(SVG.height - 16))\" text-anchor=\"middle\">\(SVG.escaped(xLabel))</text>\n"
            out += "<text class=\"y-label\" transform=\"translate(18,\(format((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(SVG.escaped(yLabel))</text>\n"
            return out
        }
    }

    /// The legend, right of the plot: one marker and name per entry.
    static func legend(_ names: [String], marker: (Int) -> String) -> String {
        var out = ""
        for (index, name) in names.enumerated() {
            let y = top + 16 + Double(index) * 20
            out += "<g class=\"legend\" transform=\"translate(\(format(width - right + 16)),\(format(y)))\">"
                + marker(index) + "<text x=\"18\" y=\"0\">\(escaped(name))</text></g>\n"
        }
        return out
    }

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static func document(_ body: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n" + body + "</svg>\n"
    }

    /// A coordinate with two decimals (trailing zeros dropped).
    static func format(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        if scaled == scaled.rounded() { return String(Int(scaled)) }
        var text = String(scaled)
        if text.contains("e") { text = String(Int(scaled)) }
        return text
    }

    /// A tick label: up to four significant decimals, without float noise.
    static func label(_ value: Double) -> String {
        let rounded = (value * 1e4).rounded() / 1e4
        if rounded == rounded.rounded() && Swift.abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
