import GlassboxKernels

/// Whether operations record the autograd graph on the current thread (or task).
enum GradMode {
    @TaskLocal static var isEnabled = true
}

/// Runs `body` without recording the autograd graph, like `torch.no_grad()`.
///
/// Results computed inside do not require grad. The setting is local to the current thread or
/// task, so concurrent code is unaffected.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Runs `body` with graph recording switched on, even inside ``withoutGrad(_:)``.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true) { try body() }
}

/// Whether operations currently record the autograd graph.
public var isGradEnabled: Bool { GradMode.isEnabled }
