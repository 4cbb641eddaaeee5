import Glassbox
import Testing

/// The progress bar's time estimate: from the steps timed in this invocation, capped by a budget.
@Suite("ProgressBar")
struct ProgressBarTests {
    @Test("ETA from the steps since the first epoch this bar timed")
    func etaCountsStepsSinceStart() {
        let fresh = ProgressBar(epochs: 4, stepsPerEpoch: 10, descriptor: -1)
        // 5 steps in 10 s, 35 steps left: 70 s.
        #expect(fresh.secondsLeft(epoch: 1, step: 5, elapsed: 10) == 70)
        // A run resumed after epoch 2: 5 steps of epoch 3 in 10 s, 15 left: 30 s (not 10·15/25).
        let resumed = ProgressBar(epochs: 4, stepsPerEpoch: 10, firstEpoch: 3, descriptor: -1)
        #expect(resumed.secondsLeft(epoch: 3, step: 5, elapsed: 10) == 30)
        #expect(resumed.secondsLeft(epoch: 4, step: 10, elapsed: 60) == 0)
    }

    @Test("a time limit caps the ETA")
    func timeLimitCapsEta() {
        let bar = ProgressBar(epochs: 100, stepsPerEpoch: 10, timeLimit: 60, descriptor: -1)
        #expect(bar.secondsLeft(epoch: 1, step: 5, elapsed: 10) == 50)
        #expect(bar.secondsLeft(epoch: 1, step: 5, elapsed: 70) == 0)
        let loose = ProgressBar(epochs: 2, stepsPerEpoch: 10, timeLimit: 1000, descriptor: -1)
        #expect(loose.secondsLeft(epoch: 1, step: 10, elapsed: 10) == 10)
    }
}
