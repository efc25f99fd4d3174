import ArgumentParser
import Foundation

/// Bash completion of the `key=value` spelling casa-distro users type (`image_ver<TAB>` gives
/// `image_version=`, `type=<TAB>` gives system run dev pixi, `force=<TAB>` yes no), added to
/// swift-argument-parser's script, which completes the dashed spelling only. The lists come from
/// the command catalog, so they are the parser's own. zsh and fish keep the dashed spelling.
enum KeyValueCompletion {
    /// Whether `arguments` ask for the bash completion script.
    static func asksForBashScript(_ arguments: [String]) -> Bool {
        arguments == ["--generate-completion-script", "bash"] || arguments == ["--generate-completion-script=bash"]
    }

    /// swift-argument-parser's bash script, then the functions that add the `key=value` words,
    /// registered in its place (they call it for everything else).
    static func bashScript(catalog: CommandCatalog = .current) -> String {
        CasaRelease.completionScript(for: .bash) + "\n" + addition(catalog: catalog)
    }

    static func addition(catalog: CommandCatalog) -> String {
        let global = catalog.globalOptions
        var keys: [String] = []
        var values: [String] = []
        for command in catalog.commandNames {
            let options = (catalog.options(of: command) ?? [:]).merging(global) { mine, _ in mine }
            // Long names that take a value: `--image-version` is `image_version=`.
            let valued = options.filter { $0.key.count > 1 && $0.value.takesValue && $0.key != "help" }.keys.sorted()
            guard !valued.isEmpty else { continue }
            keys.append(
                "    \(command)) printf '%s\\n' \(valued.map { underscored($0) + "=" }.joined(separator: " ")) ;;")
            for name in valued {
                guard let words = options[name]?.values, !words.isEmpty else { continue }
                values.append("    \(command):\(underscored(name))) printf '%s\\n' \(words.joined(separator: " ")) ;;")
            }
        }
        let valuedGlobals = global.filter { $0.key.count > 1 && $0.value.takesValue }.keys.sorted().map { "--" + $0 }
        return """
            # casa-release: the key=value spelling (image_version=5.4), as casa-distro users type it.
            __casa_release_keys() {
                case "$1" in
            \(keys.joined(separator: "\n"))
                esac
            }

            __casa_release_values() {
                case "$1:$2" in
            \(values.joined(separator: "\n"))
                esac
            }

            _casa_release_key_value() {
                local line="${COMP_LINE:0:COMP_POINT}"
                local current="${line##*[[:space:]]}"
                local -a typed
                read -r -a typed <<< "${line% *}"
                local command="" word skip=false
                for word in "${typed[@]:1}"; do
                    if $skip; then skip=false; continue; fi
                    case "$word" in
                    \(valuedGlobals.joined(separator: "|"))) skip=true ;;
                    -*|*=*) ;;
                    *) command="${word//_/-}"; break ;;
                    esac
                done
                if [[ -n "$command" && "$current" == [a-z]*=* && "$line" == *[[:space:]]* ]]; then
                    local key="${current%%=*}" prefix="${current#*=}"
                    local -a found
                    mapfile -t found < <(compgen -W "$(__casa_release_values "$command" "$key")" -- "$prefix")
                    if [[ "$COMP_WORDBREAKS" == *=* ]]; then
                        COMPREPLY=("${found[@]}")
                    else
                        COMPREPLY=("${found[@]/#/$key=}")
                    fi
                    return
                fi
                _casa-release "$@"
                if [[ -n "$command" && "$current" == [a-z]* && "$line" == *[[:space:]]* ]]; then
                    local -a keys
                    mapfile -t keys < <(compgen -W "$(__casa_release_keys "$command")" -- "$current")
                    COMPREPLY+=("${keys[@]}")
                    if [[ ${#keys[@]} -gt 0 && ${#keys[@]} -eq ${#COMPREPLY[@]} ]]; then compopt -o nospace 2>/dev/null; fi
                fi
            }

            complete -o filenames -F _casa_release_key_value casa-release

            """
    }

    private static func underscored(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_")
    }
}
