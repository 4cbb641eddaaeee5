/// A map from a position `t` in `[0, 1]` to a colour, for drawing arrays of numbers (samples,
/// saliency maps) as images.
public enum ColorMap: String, Sendable, CaseIterable {
    /// Black (0) to white (1); images get one channel.
    case gray
    /// matplotlib's `hot`: black, red, yellow, white (sequential, for non-negative maps such
    /// as gradient magnitudes).
    case hot
    /// matplotlib's `bwr`: blue (0), white (½), red (1) (diverging, for signed maps; by
    /// default centred so that 0 is white).
    case blueWhiteRed

    /// The colour at `t`, clamped to `[0, 1]`; NaN gives the colour at ``neutralPosition``.
    /// Each component is the piecewise-linear map rounded to the nearest of 0...255 (no
    /// 256-entry quantisation as in matplotlib).
    public func color(at t: Double) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let t = t.isNaN ? neutralPosition : min(max(t, 0), 1)
        func byte(_ value: Double) -> UInt8 { UInt8((min(max(value, 0), 1) * 255).rounded()) }
        /// Linear from 0 at `start` to 1 at `end`.
        func ramp(_ start: Double, _ end: Double) -> Double { (t - start) / (end - start) }
        switch self {
        case .gray:
            return (byte(t), byte(t), byte(t))
        case .hot:
            let red = 0.0416 + (1 - 0.0416) * ramp(0, 0.365079)
            return (byte(red), byte(ramp(0.365079, 0.746032)), byte(ramp(0.746032, 1)))
        case .blueWhiteRed:
            return t <= 0.5 ? (byte(2 * t), byte(2 * t), 255) : (255, byte(2 - 2 * t), byte(2 - 2 * t))
        }
    }

    /// Where values map when the range is empty or a value is NaN: 0 for ``gray`` and ``hot``,
    /// ½ (white) for ``blueWhiteRed``.
    public var neutralPosition: Double { self == .blueWhiteRed ? 0.5 : 0 }

    /// The range ``Image/init(values:width:height:colorMap:range:)`` uses when none is given:
    /// the minimum and maximum of the finite values, or for ``blueWhiteRed`` `-m...m` with `m`
    /// the largest finite magnitude, so that 0 is white. `0...0` when no value is finite.
    public func defaultRange<T: BinaryFloatingPoint>(of values: [T]) -> ClosedRange<Double> {
        var low = Double.infinity
        var high = -Double.infinity
        for value in values where value.isFinite {
            low = min(low, Double(value))
            high = max(high, Double(value))
        }
        guard low <= high else { return 0...0 }
        if self == .blueWhiteRed {
            let magnitude = max(-low, high, 0)
            return -magnitude...magnitude
        }
        return low...high
    }
}

extension Image {
    /// An image drawing `values` (row-major, `height` rows of `width`) through `colorMap`:
    /// value `v` maps to `t = (v − lower) / (upper − lower)` clamped to `[0, 1]`.
    ///
    /// ``ColorMap/gray`` gives a one-channel image (plain min/max scaling to 0...255 with the
    /// default range), the other maps three-channel RGB. When the range is empty (a constant
    /// array) every value maps to ``ColorMap/neutralPosition``.
    ///
    /// - Parameter range: the values mapped to `t = 0` and `t = 1`; `nil` for
    ///   ``ColorMap/defaultRange(of:)``. Pass `-1...1` for `tanh` outputs, `0...1` for
    ///   probabilities.
    /// - Precondition: `values.count == width · height`.
    public init<T: BinaryFloatingPoint>(
        values: [T], width: Int, height: Int, colorMap: ColorMap = .gray, range: ClosedRange<Double>? = nil
    ) {
        precondition(
            width >= 0 && height >= 0 && values.count == width * height,
            "Image(values:): \(values.count) values do not fill \(width)×\(height)")
        let range = range ?? colorMap.defaultRange(of: values)
        let span = range.upperBound - range.lowerBound
        let channels = colorMap == .gray ? 1 : 3
        var pixels = [UInt8](repeating: 0, count: values.count * channels)
        for (i, value) in values.enumerated() {
            let t = span > 0 ? (Double(value) - range.lowerBound) / span : colorMap.neutralPosition
            let color = colorMap.color(at: t)
            if channels == 1 {
                pixels[i] = color.red
            } else {
                pixels[3 * i] = color.red
                pixels[3 * i + 1] = color.green
                pixels[3 * i + 2] = color.blue
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}
