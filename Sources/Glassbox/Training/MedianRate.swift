/// Runs `step` `warmUp` times, then for `seconds` in 5 equal slices, and returns the median
/// slice's rate in samples (`batchSize` per step) per second.
public func medianRate(batchSize: Int, seconds: Double, warmUp: Int, step: () -> Void) -> Double {
    for _ in 0..<warmUp { step() }
    var rates: [Double] = []
    for _ in 0..<5 {
        let clock = Stopwatch()
        var steps = 0
        repeat {
            step()
            steps += 1
        } while clock.seconds < seconds / 5
        rates.append(Double(steps * batchSize) / clock.seconds)
    }
    return rates.sorted()[2]
}
