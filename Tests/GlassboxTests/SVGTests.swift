import GlassboxIO
import Testing

@Suite("SVG writer: scatter plots and line charts")
struct SVGTests {
    /// The number of non-overlapping occurrences of `needle` in `text`.
    static func occurrences(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("scatter: one circle per point in its class colour, a legend entry per class, ticks, escaped title")
    func scatter() {
        let points = (0..<30).map { (x: Double($0), y: Double($0 * $0) / 10) }
        let labels = (0..<30).map { $0 % 3 }
        let svg = SVG.scatterPlot(points: points, labels: labels, classNames: ["zero", "one", "two"], title: "a < b & c", xLabel: "z1", yLabel: "z2")
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        // 30 points + 3 legend markers.
        #expect(Self.occurrences("<circle", in: svg) == 33)
        #expect(Self.occurrences("fill=\"\(SVG.palette[1])\" fill-opacity", in: svg) == 10)
        #expect(Self.occurrences("<g class=\"legend\"", in: svg) == 3)
        #expect(svg.contains(">two</text>"))
        #expect(svg.contains(">a &lt; b &amp; c</text>"))
        #expect(Self.occurrences("class=\"tick-label\"", in: svg) >= 6)
        #expect(svg.contains(">z1</text>") && svg.contains(">z2</text>"))
    }

    @Test("line chart: a polyline per series with every point, in range")
    func lineChart() {
        let train = SVG.Series(name: "train", points: [(1, 120), (2, 110), (3, 105)])
        let test = SVG.Series(name: "test", points: [(1, 118), (2, 108), (3, 104.5)])
        let svg = SVG.lineChart(series: [train, test], title: "loss", xLabel: "epoch", yLabel: "nats")
        #expect(Self.occurrences("<polyline", in: svg) == 2)
        let polyline = svg.components(separatedBy: "<polyline points=\"")[1].components(separatedBy: "\"")[0]
        let coordinates = polyline.split(separator: " ").map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(coordinates.count == 3)
        #expect(coordinates.allSatisfy { $0.count == 2 && $0[0] >= 0 && $0[0] <= 640 && $0[1] >= 0 && $0[1] <= 480 })
        // Falling loss: y (pixels, downwards) grows.
        #expect(coordinates[0][1] < coordinates[2][1])
        #expect(svg.contains(">train</text>") && svg.contains(">test</text>"))
    }

    @Test("ticks are steps of 1, 2 or 5 × 10ᵏ inside the range")
    func ticks() {
        #expect(SVG.ticks(low: 0, high: 10) == [0, 2, 4, 6, 8, 10])
        #expect(SVG.ticks(low: 103.2, high: 121.7) == [105, 110, 115, 120])
        #expect(SVG.ticks(low: -0.03, high: 0.07, count: 4) == [0, 0.05])
        let fine = SVG.ticks(low: -0.03, high: 0.07, count: 10)
        #expect(fine.count == 11)
        #expect(zip(fine, stride(from: -0.03, through: 0.0701, by: 0.01)).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(SVG.ticks(low: 2, high: 2) == [2])
    }
}
