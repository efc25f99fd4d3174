import ArgumentParser

/// The completion scripts `--generate-completion-script bash|zsh|fish` prints: swift-argument-
/// parser's, which complete the dashed spellings, options and run ids, with each shell's addition
/// for casa-distro's spellings (BashCompletionAddition, ZshCompletionAddition,
/// FishCompletionAddition).
enum CompletionScript {
    /// The shell `arguments` ask a completion script for, if that is all they ask.
    static func shell(askedBy arguments: [String]) -> CompletionShell? {
        let name: String
        switch arguments.count {
        case 2 where arguments[0] == "--generate-completion-script": name = arguments[1]
        case 1 where arguments[0].hasPrefix("--generate-completion-script="):
            name = String(arguments[0].dropFirst("--generate-completion-script=".count))
        default: return nil
        }
        return CompletionShell(rawValue: name)
    }

    /// The whole script for `shell`.
    static func script(for shell: CompletionShell, catalog: CommandCatalog = .current) -> String {
        let generated = CasaRelease.completionScript(for: shell)
        let spellings = CasaDistroSpellings(catalog: catalog)
        switch shell {
        case .bash: return generated + "\n" + BashCompletionAddition.script(spellings)
        case .zsh: return ZshCompletionAddition.script(generated: generated, spellings)
        case .fish: return generated + "\n" + FishCompletionAddition.script(spellings)
        default: return generated
        }
    }
}
