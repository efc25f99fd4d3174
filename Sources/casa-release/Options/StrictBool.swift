import ArgumentParser

/// A boolean option value: yes/no, true/false, 1/0 in any case. Anything else is a usage error,
/// never silently false (casa-distro's `boolean_value` turned typos into "no").
struct StrictBool: ExpressibleByArgument, Equatable {
    var value: Bool

    init(_ value: Bool) { self.value = value }

    init?(argument: String) {
        switch argument.lowercased() {
        case "yes", "true", "1": value = true
        case "no", "false", "0": value = false
        default: return nil
        }
    }

    static var defaultValueDescription: String { "yes|no" }
    /// Shells complete yes and no; `CommandCatalog` also recognises yes/no options by this list.
    static var defaultCompletionKind: CompletionKind { .list(["yes", "no"]) }
    var defaultValueDescription: String { value ? "yes" : "no" }
}
