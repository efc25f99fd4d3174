/// What bash completes of casa-distro's spellings, added to swift-argument-parser's script
/// (which knows the dashed ones only): `create_base<TAB>` gives `create_base_image`,
/// `image_ver<TAB>` gives `image_version=`, `type=<TAB>` gives system run dev pixi. Everything
/// else goes to the generated functions, shown the command line as they understand it: the
/// command's dashed name, and `key=value` as `--key value`. (The words before the cursor are read
/// split at white space; quoted words with spaces in them are not expected before a completion.)
enum BashCompletionAddition {
    static func script(_ spellings: CasaDistroSpellings) -> String {
        let (keys, values) = spellings.caseArms(
            keys: { "    \($0.name)) printf '%s\\n' \($0.keys.map { $0 + "=" }.joined(separator: " ")) ;;" },
            values: { command, key, words in
                "    \(command.name):\(key)) printf '%s\\n' \(words.joined(separator: " ")) ;;"
            })
        return """
            # casa-release: casa-distro's spellings, which the functions above do not know: commands with
            # underscores (create_base_image) and options as key=value (image_version=5.4).
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

            __casa_release_underscored='\(spellings.underscoredCommands.joined(separator: " "))'

            _casa_release_key_value() {
                local line="${COMP_LINE:0:COMP_POINT}"
                local current="${line##*[[:space:]]}"
                local -a typed
                read -r -a typed <<< "${line:0:${#line}-${#current}}"
                local -i index command_index=0
                local skip=false
                for (( index = 1; index < ${#typed[@]}; index++ )); do
                    if $skip; then skip=false; continue; fi
                    case "${typed[index]}" in
                    \(spellings.valuedGlobalOptions.joined(separator: "|"))) skip=true ;;
                    -*|*=*) ;;
                    *) command_index=index; break ;;
                    esac
                done
                if (( command_index == 0 )); then
                    if [[ "$current" == [a-z]*_* ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "$__casa_release_underscored" -- "$current")
                        return
                    fi
                    _casa-release "$@"
                    return
                fi
                local command="${typed[command_index]//_/-}"
                local -a keys
                mapfile -t keys < <(__casa_release_keys "$command")
                if [[ "$current" == [a-z]*=* ]]; then
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
                # The command line as the functions above read it.
                local -a words=("${typed[@]:0:command_index}" "$command")
                local word key rewritten=false
                [[ "$command" != "${typed[command_index]}" ]] && rewritten=true
                for word in "${typed[@]:command_index+1}"; do
                    if [[ "$word" == [a-z]*=* && " ${keys[*]} " == *" ${word%%=*}= "* ]]; then
                        key="${word%%=*}"
                        words+=("--${key//_/-}" "${word#*=}")
                        rewritten=true
                    else
                        words+=("$word")
                    fi
                done
                if $rewritten; then
                    local -a COMP_WORDS=("${words[@]}" "$current")
                    local COMP_CWORD=${#words[@]}
                    local COMP_LINE="${words[*]} $current"
                    local COMP_POINT=${#COMP_LINE}
                    _casa-release "$1" "$current" "${words[${#words[@]}-1]}"
                else
                    _casa-release "$@"
                fi
                if [[ "$current" == [a-z]* ]]; then
                    local -a offered
                    mapfile -t offered < <(compgen -W "${keys[*]}" -- "$current")
                    COMPREPLY+=("${offered[@]}")
                    if [[ ${#offered[@]} -gt 0 && ${#offered[@]} -eq ${#COMPREPLY[@]} ]]; then compopt -o nospace 2>/dev/null; fi
                fi
            }

            complete -o filenames -F _casa_release_key_value casa-release

            """
    }
}
