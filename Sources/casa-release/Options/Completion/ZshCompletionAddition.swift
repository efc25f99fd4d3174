/// What zsh completes of casa-distro's spellings, added to swift-argument-parser's script (which
/// knows the dashed ones only): `create_base<TAB>` gives `create_base_image`, `image_ver<TAB>`
/// gives `image_version=`, `type=<TAB>` gives system run dev pixi. The generated `_casa-release`
/// is kept as `__casa-release_generated`, and `_casa-release` becomes a function that shows it
/// the words as it understands them: the command's dashed name, and `key=value` as `--key value`.
enum ZshCompletionAddition {
    /// The generated script's last lines, which either complete (when the file is autoloaded
    /// from `fpath`) or register the function (when the script is sourced). The addition goes
    /// before them, so that both reach the function that knows casa-distro's spellings.
    static let generatedEnding = "if [[ \"${funcstack[1]}\" = _casa-release ]]; then"

    /// The generated script with the addition inserted before its ending.
    static func script(generated: String, _ spellings: CasaDistroSpellings) -> String {
        guard let ending = generated.range(of: generatedEnding, options: .backwards) else {
            return generated + "\n" + addition(spellings) + "compdef _casa-release casa-release\n"
        }
        return String(generated[..<ending.lowerBound]) + addition(spellings) + "\n"
            + String(generated[ending.lowerBound...])
    }

    static func addition(_ spellings: CasaDistroSpellings) -> String {
        let keys = spellings.commands.map { "    \($0.name) '\($0.keys.joined(separator: " "))'" }
        let values = spellings.commands.flatMap { command in
            command.keys.compactMap { key in
                command.values[key].map { "    \(command.name):\(key) '\($0.joined(separator: " "))'" }
            }
        }
        return """
            # casa-release: casa-distro's spellings, which the functions above do not know: commands with
            # underscores (create_base_image) and options as key=value (image_version=5.4).
            typeset -gA __casa_release_keys __casa_release_values
            __casa_release_keys=(
            \(keys.joined(separator: "\n"))
            )
            __casa_release_values=(
            \(values.joined(separator: "\n"))
            )
            typeset -ga __casa_release_underscored=(\(spellings.underscoredCommands.joined(separator: " ")))
            typeset -ga __casa_release_valued_globals=(\(spellings.valuedGlobalOptions.joined(separator: " ")))

            functions -c _casa-release __casa-release_generated
            _casa-release() {
                emulate -L zsh
                local -i index command_index=0 skip=0
                for (( index = 2; index < CURRENT; index++ )); do
                    if (( skip )); then skip=0; continue; fi
                    if (( ${__casa_release_valued_globals[(Ie)${words[index]}]} )); then skip=1; continue; fi
                    [[ ${words[index]} == -* ]] && continue
                    command_index=index
                    break
                done
                if (( command_index == 0 )); then
                    if [[ $PREFIX == [a-z]*_* ]]; then
                        compadd -- $__casa_release_underscored
                        return
                    fi
                    __casa-release_generated "$@"
                    return
                fi
                local command=${words[command_index]//_/-}
                local -a keys=(${=__casa_release_keys[$command]})
                if [[ $PREFIX == [a-z]*=* ]]; then
                    local key=${PREFIX%%=*}
                    compset -P '*='
                    compadd -- ${=__casa_release_values[$command:$key]}
                    return
                fi
                # The words as the functions above read them.
                local -a rewritten=("${(@)words[1,command_index-1]}" "$command")
                local word
                for word in "${(@)words[command_index+1,CURRENT-1]}"; do
                    if [[ $word == [a-z]*=* ]] && (( ${keys[(Ie)${word%%=*}]} )); then
                        rewritten+=("--${${word%%=*}//_/-}" "${word#*=}")
                    else
                        rewritten+=("$word")
                    fi
                done
                local -i ret=1 current=$(( ${#rewritten} + 1 ))
                words=("${(@)rewritten}" "${(@)words[CURRENT,-1]}")
                CURRENT=$current
                __casa-release_generated "$@" && ret=0
                if [[ $PREFIX == [a-z]* ]]; then
                    compadd -S '' -- ${^keys}= && ret=0
                fi
                return ret
            }

            """
    }
}
