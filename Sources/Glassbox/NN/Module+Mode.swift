extension Module {
    /// Runs `body` with this module and all its descendants in evaluation mode (like a block
    /// between `model.eval()` and `model.train()` in PyTorch), then gives every module back the
    /// mode it had, whether or not they all had the same.
    public func inEvaluationMode<Result>(_ body: () throws -> Result) rethrows -> Result {
        var saved: [(module: any Module<Scalar>, isTraining: Bool)] = []
        func collect(_ module: any Module<Scalar>) {
            saved.append((module, module.isTraining))
            for (_, child) in module.children { collect(child) }
        }
        collect(self)
        eval()
        defer { for (module, isTraining) in saved { module.isTraining = isTraining } }
        return try body()
    }
}
