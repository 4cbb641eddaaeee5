/// Why `glassbox reference` (``ReferenceRunner``) could not run a case. Each message is one
/// line that names the module, argument or tensor entry at fault.
public enum ReferenceError: Error, Equatable, CustomStringConvertible {
    /// The case file is not what the contract describes (not an object, `module` missing…).
    case invalidCase(String)
    /// No registry entry for this `torch.nn` class name; `closest` holds the supported names
    /// nearest to it (``ReferenceRegistry/closestModuleNames(to:count:)``).
    case unknownModule(String, closest: [String])
    /// A constructor argument has the wrong type or value.
    case invalidArgument(module: String, name: String, expected: String)
    /// A constructor argument the module does not take.
    case unknownArgument(module: String, name: String)
    /// The weights file lacks an entry of the module's `state_dict`.
    case missingWeight(String)
    /// The weights file has an entry the module's `state_dict` does not.
    case unexpectedWeight(String)
    /// A weights entry has the wrong shape or dtype.
    case invalidWeight(name: String, problem: String)
    /// The inputs file lacks a required input.
    case missingInput(String)
    /// The inputs file has an entry the module does not consume.
    case unexpectedInput(String)
    /// An input has the wrong dtype or shape for the module.
    case invalidInput(name: String, problem: String)
    /// The case asks for something Glassbox cannot reproduce bit-for-bit against PyTorch.
    case unsupported(String)
    /// The module's parameters and buffers would hold more than `limit` elements in all.
    case parameterTooLarge(module: String, name: String, shape: [Int], limit: Int)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .invalidCase(let message): "case: \(message)"
        case .unknownModule(let name, let closest):
            "unknown module '\(name)' (closest supported: \(closest.joined(separator: ", ")); 'glassbox reference --list-modules' lists all)"
        case .invalidArgument(let module, let name, let expected):
            "\(module): argument '\(name)' must be \(expected)"
        case .unknownArgument(let module, let name): "\(module): unknown argument '\(name)'"
        case .missingWeight(let name): "weights: missing entry '\(name)'"
        case .unexpectedWeight(let name): "weights: unexpected entry '\(name)'"
        case .invalidWeight(let name, let problem): "weights: entry '\(name)' \(problem)"
        case .missingInput(let name): "inputs: missing entry '\(name)'"
        case .unexpectedInput(let name): "inputs: unexpected entry '\(name)'"
        case .invalidInput(let name, let problem): "inputs: entry '\(name)' \(problem)"
        case .unsupported(let message): message
        case .parameterTooLarge(let module, let name, let shape, let limit):
            "\(module): parameter '\(name)' of shape \(shape) takes the module past the limit of \(limit) parameter elements"
        }
    }
}
