import GlassboxIO

/// Why a time-series CSV could not be read; the message names the file and the line.
public enum TimeSeriesError: Error, Equatable, CustomStringConvertible {
    /// A line is not `date,value` with a date `YYYY-MM` or `YYYYMMDD` and a number (or empty).
    case malformedLine(file: String, line: Int, reason: String)
    /// Fewer months with values than a forecast needs.
    case tooShort(file: String, months: Int)

    /// A one-line message naming the file, the line and the expectation.
    public var description: String {
        switch self {
        case .malformedLine(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .tooShort(let file, let months): "\(file): \(months) months are too few (need at least 36)"
        }
    }
}

/// A monthly series for forecasting, read from a CSV of `date,value` rows (a header line first):
/// `shared/data/timeseries/airline/Airline.csv` (monthly passengers, `YYYY-MM`) and
/// `co2/co2.csv` (weekly Mauna Loa CO₂, `YYYYMMDD`, some values missing).
///
/// Rows are averaged per calendar month over the values present; a month with none (a gap)
/// takes the previous month's value, as pandas' `resample("M").mean().ffill()` does.
public struct TimeSeries: Sendable, Equatable {
    /// The monthly values, oldest first.
    public let values: [Double]
    /// The year and month of the first value.
    public let start: (year: Int, month: Int)
    /// The seasonal period in steps (12 for monthly data).
    public let period = 12

    /// Creates a series from monthly values starting at `start`.
    public init(values: [Double], start: (year: Int, month: Int)) {
        self.values = values
        self.start = start
    }

    /// Whether both series hold the same values from the same month.
    public static func == (a: TimeSeries, b: TimeSeries) -> Bool {
        a.values == b.values && a.start == b.start
    }

    /// Reads a `date,value` CSV and averages it per month.
    ///
    /// - Throws: `FileError` when the file cannot be read, ``TimeSeriesError`` when a line is
    ///   malformed or the series is shorter than 36 months.
    public static func loadMonthly(path: String) throws -> TimeSeries {
        let text = String(decoding: try FileIO.readBytes(atPath: path), as: UTF8.self)
        var sums: [Int: (sum: Double, count: Int)] = [:]  // month index (year·12 + month−1) → sum
        var first = Int.max, last = Int.min
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if offset == 0 || line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw TimeSeriesError.malformedLine(file: path, line: offset + 1, reason: "expected 'date,value', found \(fields.count) fields")
            }
            guard let month = monthIndex(fields[0]) else {
                throw TimeSeriesError.malformedLine(file: path, line: offset + 1, reason: "date '\(fields[0])' is not YYYY-MM or YYYYMMDD")
            }
            if fields[1].isEmpty { continue }
            guard let value = Double(fields[1]), value.isFinite else {
                throw TimeSeriesError.malformedLine(file: path, line: offset + 1, reason: "value '\(fields[1])' is not a finite number")
            }
            sums[month, default: (0, 0)].sum += value
            sums[month, default: (0, 0)].count += 1
            first = min(first, month)
            last = max(last, month)
        }
        guard first <= last, last - first + 1 >= 36 else {
            throw TimeSeriesError.tooShort(file: path, months: first <= last ? last - first + 1 : 0)
        }
        var values: [Double] = []
        for month in first...last {
            if let s = sums[month] { values.append(s.sum / Double(s.count)) } else { values.append(values.last!) }
        }
        return TimeSeries(values: values, start: (first / 12, first % 12 + 1))
    }

    /// `year · 12 + month − 1` of `YYYY-MM` or `YYYYMMDD`.
    static func monthIndex(_ date: Substring) -> Int? {
        let digits = date.filter { $0 != "-" }
        guard digits.count == 6 || digits.count == 8, digits.allSatisfy(\.isASCII), let year = Int(digits.prefix(4)),
            let month = Int(digits.dropFirst(4).prefix(2)), (1...12).contains(month)
        else { return nil }
        return year * 12 + month - 1
    }

    /// The number of final months held out for testing (two seasons).
    public static let testCount = 24

    /// The mean absolute error of the seasonal-naive forecast ŷₜ = yₜ₋₁₂ over the last
    /// `testCount` values: the baseline a forecaster must beat.
    public func seasonalNaiveMAE(testCount: Int = TimeSeries.testCount) -> Double {
        precondition(testCount > 0 && testCount + period <= values.count, "TimeSeries.seasonalNaiveMAE: \(testCount) test values of \(values.count)")
        let test = (values.count - testCount)..<values.count
        return test.map { abs(values[$0] - values[$0 - period]) }.reduce(0, +) / Double(testCount)
    }
}
