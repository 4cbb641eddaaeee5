/// Why a run of the ``trainableModels`` catalog could not start or finish, as one line that
/// names the run (`train gan: --arch expects minibatch or plain, got 'conv'`).
public enum TrainingSetupError: Error, CustomStringConvertible, Equatable {
    /// The settings are wrong (a command line reports it as a usage error).
    case usage(String)
    /// The settings are fine but the run failed: a file is missing or bad, a write failed.
    case failure(String)

    /// The line.
    public var description: String {
        switch self {
        case .usage(let message), .failure(let message): message
        }
    }
}

/// Runs `body`, turning any error but a ``TrainingSetupError`` into
/// ``TrainingSetupError/failure(_:)`` prefixed with `label`.
func setupFailing<T>(_ label: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TrainingSetupError {
        throw error
    } catch {
        throw TrainingSetupError.failure("\(label): \(error)")
    }
}
