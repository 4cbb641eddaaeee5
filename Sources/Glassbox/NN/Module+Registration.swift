/// Checking that a module registers everything it holds.
///
/// A module lists its parameters (``Module/ownParameters``) and children (``Module/children``)
/// by hand, next to the stored properties that hold them. A layer stored in a property but left
/// out of `children` would silently drop out of `state_dict`, of the optimizer and of
/// `train()`/`eval()`. ``Module/unregisteredMembers()`` finds such properties by reflection, and
/// a test runs it over every model and layer of the library, so forgetting a registration fails
/// a test.
extension Module {
    /// The stored properties, anywhere in this module's tree, that hold a module or a trainable
    /// tensor (a leaf with `requiresGrad`) which the tree does not register, as dotted paths
    /// (`"encoder.fc3"`, `"blocks[2]"`). Empty when every such member is registered.
    ///
    /// Looks through optionals, arrays, dictionaries, tuples and structs (up to four levels), not
    /// through other objects; tensors that do not require gradients (caches, constants) and
    /// modules of another scalar type are not reported.
    public func unregisteredMembers() -> [String] {
        var modules: [(path: String, module: any Module<Scalar>)] = []
        func collect(_ module: any Module<Scalar>, _ path: String) {
            modules.append((path, module))
            for (name, child) in module.children { collect(child, path.isEmpty ? name : path + "." + name) }
        }
        collect(self, "")
        let registeredModules = Set(modules.map { ObjectIdentifier($0.module) })
        let registeredTensors = Set((namedParameters() + namedBuffers()).map { ObjectIdentifier($0.tensor) })

        var found: [String] = []
        func inspect(_ value: Any, _ path: String, depth: Int) {
            if let module = value as? any Module<Scalar> {
                if !registeredModules.contains(ObjectIdentifier(module)) { found.append(path) }
                return
            }
            if let tensor = value as? Tensor<Scalar> {
                if tensor.requiresGrad && tensor.gradNode == nil && !registeredTensors.contains(ObjectIdentifier(tensor)) {
                    found.append(path)
                }
                return
            }
            let mirror = Mirror(reflecting: value)
            guard depth < 4 else { return }
            switch mirror.displayStyle {
            case .optional, .tuple, .struct, .dictionary:
                for (index, child) in mirror.children.enumerated() {
                    let label = mirror.displayStyle == .optional ? "" : "." + (child.label ?? "\(index)")
                    inspect(child.value, path + label, depth: depth + 1)
                }
            case .collection, .set:
                for (index, child) in mirror.children.enumerated() { inspect(child.value, path + "[\(index)]", depth: depth + 1) }
            default:
                return
            }
        }
        for (path, module) in modules {
            var mirror: Mirror? = Mirror(reflecting: module)
            while let current = mirror {
                for child in current.children {
                    guard let label = child.label else { continue }
                    inspect(child.value, path.isEmpty ? label : path + "." + label, depth: 0)
                }
                mirror = current.superclassMirror
            }
        }
        return found
    }
}
