#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A learning-rate schedule driving an optimizer's ``Optimizer/learningRate``, like
/// `torch.optim.lr_scheduler`.
///
/// Each schedule is a closed-form function of the epoch (``learningRate(atEpoch:)``) relative
/// to the optimizer's ``Optimizer/initialLearningRate`` (recorded by the first scheduler
/// attached, PyTorch's `initial_lr`). Creating a scheduler sets the epoch-0 rate; ``step()``
/// advances one epoch (or iteration) and writes the new rate. Call it after
/// ``Optimizer/step()``, as in PyTorch. Schedules compose with ``SequentialLR`` (e.g. a
/// ``LinearLR`` warm-up followed by ``CosineAnnealingLR``) and ``LambdaLR``.
public protocol LRScheduler: AnyObject {
    /// The optimizer whose learning rate is set.
    var optimizer: any Optimizer { get }
    /// The rate the schedule is relative to (the optimizer's initial learning rate).
    var baseLearningRate: Double { get }
    /// The epoch of the current rate (0 after creation).
    var lastEpoch: Int { get set }
    /// The rate at `epoch`.
    func learningRate(atEpoch epoch: Int) -> Double
}

extension LRScheduler {
    /// Advances one epoch and sets the optimizer's learning rate.
    public func step() {
        lastEpoch += 1
        optimizer.learningRate = learningRate(atEpoch: lastEpoch)
    }

    /// The current rate (PyTorch's `get_last_lr()[0]`).
    public var lastLearningRate: Double { learningRate(atEpoch: lastEpoch) }

    /// Records `initial_lr` on first use and returns it.
    static func attach(_ optimizer: any Optimizer) -> Double {
        if let initial = optimizer.initialLearningRate { return initial }
        optimizer.initialLearningRate = optimizer.learningRate
        return optimizer.learningRate
    }

    /// Sets the epoch-0 rate (PyTorch's initial step).
    func start() {
        lastEpoch = 0
        optimizer.learningRate = learningRate(atEpoch: 0)
    }
}

/// Multiplies the rate by `gamma` every `stepSize` epochs, like `StepLR`:
/// `lr(t) = base·γ^⌊t/stepSize⌋`.
public final class StepLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The initial rate.
    public let baseLearningRate: Double
    /// The current epoch.
    public var lastEpoch = 0
    /// Epochs between decays.
    public let stepSize: Int
    /// The decay factor.
    public let gamma: Double

    /// Creates the schedule and sets the epoch-0 rate.
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        self.baseLearningRate = Self.attach(optimizer)
        start()
    }

    /// `base·γ^⌊t/stepSize⌋`.
    public func learningRate(atEpoch epoch: Int) -> Double {
        baseLearningRate * pow(gamma, Double(epoch / stepSize))
    }
}

/// Cosine annealing from the base rate to `etaMin` over `tMax` epochs, like
/// `CosineAnnealingLR` (closed form, continuing periodically after `tMax`):
/// `lr(t) = η_min + (base − η_min)·(1 + cos(πt/T_max))/2`.
public final class CosineAnnealingLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The initial rate.
    public let baseLearningRate: Double
    /// The current epoch.
    public var lastEpoch = 0
    /// The half-period in epochs.
    public let tMax: Int
    /// The minimum rate.
    public let etaMin: Double

    /// Creates the schedule and sets the epoch-0 rate.
    public init(_ optimizer: any Optimizer, tMax: Int, etaMin: Double = 0) {
        precondition(tMax > 0, "CosineAnnealingLR: tMax must be positive, got \(tMax)")
        self.optimizer = optimizer
        self.tMax = tMax
        self.etaMin = etaMin
        self.baseLearningRate = Self.attach(optimizer)
        start()
    }

    /// `η_min + (base − η_min)·(1 + cos(πt/T_max))/2`.
    public func learningRate(atEpoch epoch: Int) -> Double {
        etaMin + (baseLearningRate - etaMin) * (1 + cos(Double.pi * Double(epoch) / Double(tMax))) / 2
    }
}

/// A linear ramp of the rate's factor from `startFactor` to `endFactor` over `totalIters`
/// epochs, then constant, like `LinearLR` (the usual linear warm-up):
/// `lr(t) = base·(s + (e − s)·min(t, T)/T)`.
public final class LinearLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The initial rate.
    public let baseLearningRate: Double
    /// The current epoch.
    public var lastEpoch = 0
    /// The factor at epoch 0.
    public let startFactor: Double
    /// The factor from epoch `totalIters` on.
    public let endFactor: Double
    /// The length of the ramp.
    public let totalIters: Int

    /// Creates the schedule (PyTorch's defaults) and sets the epoch-0 rate.
    public init(_ optimizer: any Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
        precondition(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], got \(startFactor)")
        precondition(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
        precondition(totalIters > 0, "LinearLR: totalIters must be positive, got \(totalIters)")
        self.optimizer = optimizer
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        self.baseLearningRate = Self.attach(optimizer)
        start()
    }

    /// `base·(s + (e − s)·min(t, T)/T)`.
    public func learningRate(atEpoch epoch: Int) -> Double {
        baseLearningRate * (startFactor + (endFactor - startFactor) * Double(Swift.min(epoch, totalIters)) / Double(totalIters))
    }
}

/// The rate `base·λ(t)` for a user function λ, like `LambdaLR`.
public final class LambdaLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The initial rate.
    public let baseLearningRate: Double
    /// The current epoch.
    public var lastEpoch = 0
    /// The multiplicative factor at each epoch.
    public let lrLambda: (Int) -> Double

    /// Creates the schedule and sets the epoch-0 rate.
    public init(_ optimizer: any Optimizer, lrLambda: @escaping (Int) -> Double) {
        self.optimizer = optimizer
        self.lrLambda = lrLambda
        self.baseLearningRate = Self.attach(optimizer)
        start()
    }

    /// `base·λ(t)`.
    public func learningRate(atEpoch epoch: Int) -> Double { baseLearningRate * lrLambda(epoch) }
}

/// Runs schedules one after another, like `SequentialLR`: before `milestones[0]` the first
/// schedule at epoch `t`, then the second at `t − milestones[0]`, and so on.
public final class SequentialLR: LRScheduler {
    /// The optimizer whose learning rate is set.
    public let optimizer: any Optimizer
    /// The initial rate.
    public let baseLearningRate: Double
    /// The current epoch.
    public var lastEpoch = 0
    /// The schedules in order.
    public let schedulers: [any LRScheduler]
    /// The epochs at which the next schedule takes over (one fewer than `schedulers`).
    public let milestones: [Int]

    /// Creates the chain and sets the first schedule's epoch-0 rate.
    public init(_ optimizer: any Optimizer, schedulers: [any LRScheduler], milestones: [Int]) {
        precondition(!schedulers.isEmpty, "SequentialLR: no schedulers")
        precondition(
            milestones.count == schedulers.count - 1,
            "SequentialLR: \(schedulers.count) schedulers need \(schedulers.count - 1) milestones, got \(milestones.count)")
        precondition(schedulers.allSatisfy { $0.optimizer === optimizer }, "SequentialLR: schedulers drive another optimizer")
        self.optimizer = optimizer
        self.schedulers = schedulers
        self.milestones = milestones
        self.baseLearningRate = Self.attach(optimizer)
        start()
    }

    /// The active schedule's rate at the epoch relative to its milestone.
    public func learningRate(atEpoch epoch: Int) -> Double {
        let index = milestones.firstIndex { epoch < $0 } ?? milestones.count
        let offset = index == 0 ? 0 : milestones[index - 1]
        return schedulers[index].learningRate(atEpoch: epoch - offset)
    }
}
