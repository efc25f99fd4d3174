import Foundation
@testable import TestSupport

/// Asks each shell what its completion offers for a command line, with the script casa-release
/// prints for it: bash by calling the completion function as readline would (COMP_LINE,
/// COMP_WORDS, with or without `=` among the word breaks), zsh by typing the line into an
/// interactive zsh on a pseudo-terminal and pressing TAB, fish with `complete -C`.
struct CompletionHarness {
    let directory: String
    let binaryDirectory = (Workspace.binary as NSString).deletingLastPathComponent

    /// Writes each shell's script (from the binary) under the workspace.
    init(_ workspace: Workspace) throws {
        directory = workspace.root + "/completion"
        for (shell, file) in [
            ("bash", "casa-release.bash"), ("zsh", "zsh/_casa-release"), ("fish", "casa-release.fish"),
        ] {
            let script = try workspace.run(["--generate-completion-script", shell])
            guard script.status == 0 else { throw TestServerError.failed("\(shell) script: \(script.stderr)") }
            try ReleaseAreaFixtures.write(directory + "/" + file, script.stdout)
        }
        try ReleaseAreaFixtures.write(directory + "/complete.zsh", Self.zshTyping)
    }

    /// The words bash offers; `breaksAtEquals` is whether `=` is in COMP_WORDBREAKS (it is by default).
    func bash(_ line: String, breaksAtEquals: Bool = true) throws -> [String] {
        try ReleaseAreaFixtures.write(
            directory + "/try.sh",
            """
            source '\(directory)/casa-release.bash'
            COMP_WORDBREAKS=$' \\t\\n"\\'><;|&(:\(breaksAtEquals ? "=" : "")'
            COMP_LINE=\(quoted(line)); COMP_POINT=${#COMP_LINE}
            read -r -a COMP_WORDS <<< "$COMP_LINE"; [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMPREPLY=()
            _casa_release_key_value casa-release "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """)
        return try words("bash '\(directory)/try.sh'")
    }

    /// The words zsh's completion system offers.
    func zsh(_ line: String) throws -> [String] {
        try words("timeout 60 zsh -f '\(directory)/complete.zsh' '\(directory)/zsh' \(quoted(line))")
    }

    /// The words fish offers (without their descriptions).
    func fish(_ line: String) throws -> [String] {
        try words(
            "fish --no-config -c \(quoted("source '\(directory)/casa-release.fish'; complete -C \(quoted(line))"))"
        ).map { String($0.split(separator: "\t", maxSplits: 1).first ?? "") }
    }

    private func words(_ command: String) throws -> [String] {
        try Shell.script("PATH='\(binaryDirectory)':$PATH " + command).split(separator: "\n").map(String.init)
    }

    private func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Types a line into an interactive zsh (zsh/zpty) and presses TAB. compadd prints every
    /// word it is given that matches, between two markers, and the shell exits once completion
    /// is done. The markers are written split in the commands typed, since the terminal echoes them.
    static let zshTyping = #"""
        zmodload zsh/zpty || exit 3
        zpty shell zsh -f -i
        zpty -w shell "PS1= PROMPT= RPROMPT=; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
        zpty -w shell 'bindkey "^I" complete-word'
        zpty -w shell 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a found; builtin compadd -O found "$@"; local word; for word in $found; do print -r -- "<wo""rd>$IPREFIX$word</wo""rd>"; done; builtin compadd "$@" }'
        zpty -w shell '__begin() { print -r -- "<be""gin/>" }; __end() { print -r -- "<e""nd/>"; exit }; compprefuncs=(__begin); comppostfuncs=(__end)'
        zpty -w -n shell "$2"$'\t'
        local line
        integer started=0 ended=0
        while zpty -r shell line; do
            [[ $line == *'<begin/>'* ]] && started=1
            (( started )) || continue
            [[ $line == *'<end/>'* ]] && { ended=1; break; }
            [[ $line == *'<word>'*'</word>'* ]] && { line=${line#*<word>}; print -r -- "${line%%</word>*}"; }
        done
        zpty -d shell
        (( ended )) || { print -u2 "zsh's completion did not finish"; exit 1; }

        """#
}
