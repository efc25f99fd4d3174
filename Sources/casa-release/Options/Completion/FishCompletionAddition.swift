/// What fish completes of casa-distro's spellings, added to swift-argument-parser's script (which
/// knows the dashed ones only): `create_base<TAB>` gives `create_base_image`, `image_ver<TAB>`
/// gives `image_version=`, `type=<TAB>` gives system run dev pixi. The generated functions read
/// the command line through `__casa-release_tokens`; it is wrapped so that they see the
/// command's dashed name and `key=value` as `--key=value`.
enum FishCompletionAddition {
    static func script(_ spellings: CasaDistroSpellings) -> String {
        let (keys, values) = spellings.caseArms(
            keys: { "    case \($0.name)\n        printf '%s\\n' \($0.keys.joined(separator: " "))" },
            values: { command, key, words in
                "    case \(command.name):\(key)\n        printf '%s\\n' \(words.joined(separator: " "))"
            })
        return """
            # casa-release: casa-distro's spellings, which the functions above do not know: commands with
            # underscores (create_base_image) and options as key=value (image_version=5.4).
            function __casa_release_keys -a command
                switch $command
            \(keys.joined(separator: "\n"))
                end
            end

            function __casa_release_values -a command key
                switch "$command:$key"
            \(values.joined(separator: "\n"))
                end
            end

            set -g __casa_release_underscored \(spellings.underscoredCommands.joined(separator: " "))
            set -g __casa_release_valued_globals \(spellings.valuedGlobalOptions.joined(separator: " "))

            # The index of the command among the tokens given (the first is the program's name). The
            # generated conditions read the tokens once for each of their hundreds of completions,
            # so this runs only builtins: no seq, no command substitution.
            function __casa_release_command_index
                set -l index 2
                while test $index -le (count $argv)
                    if contains -- $argv[$index] $__casa_release_valued_globals
                        set index (math $index + 2)
                        continue
                    end
                    if not string match -q -- '-*' $argv[$index]
                        echo $index
                        return 0
                    end
                    set index (math $index + 1)
                end
                return 1
            end

            functions -c __casa-release_tokens __casa_release_typed_tokens
            function __casa-release_tokens
                set -l tokens (__casa_release_typed_tokens $argv)
                # Most command lines have neither spelling: they are given as they are.
                if string match -qr -- '^-[a-zA-Z]*t' $argv; or not string match -qr -- '[_=]' $tokens[2..]
                    printf '%s\n' $tokens
                    return
                end
                # The same tokens are read for every condition of one completion: rewritten once.
                set -l typed (string join \\x1e -- $argv $tokens)
                if test "$typed" = "$__casa_release_rewritten_from"
                    printf '%s\n' $__casa_release_rewritten
                    return
                end
                set -l index (__casa_release_command_index $tokens)
                if test -n "$index"
                    set -l command (string replace -a _ - -- $tokens[$index])
                    set tokens[$index] $command
                    set -l keys
                    set -l other (math $index + 1)
                    while test $other -le (count $tokens)
                        set -l key (string match -r -- '^[a-z][a-z0-9_]*(?==)' $tokens[$other])
                        if test -n "$key"
                            test -z "$keys"; and set keys (__casa_release_keys $command)
                            if contains -- $key $keys
                                set tokens[$other] (string replace -r -- '^[^=]*' "--"(string replace -a _ - -- $key) $tokens[$other])
                            end
                        end
                        set other (math $other + 1)
                    end
                end
                set -g __casa_release_rewritten_from $typed
                set -g __casa_release_rewritten $tokens
                printf '%s\n' $tokens
            end

            function __casa_release_completing_command
                not __casa_release_command_index (__casa_release_typed_tokens -pc) >/dev/null
                and string match -qr -- '^[a-z]+_' (commandline -ct)
            end

            function __casa_release_key_value
                set -l tokens (__casa_release_typed_tokens -pc)
                set -l index (__casa_release_command_index $tokens); or return
                set -l command (string replace -a _ - -- $tokens[$index])
                set -l current (commandline -ct)
                if string match -qr -- '^[a-z][a-z0-9_]*=' $current
                    set -l key (string split -m 1 = -- $current)[1]
                    for value in (__casa_release_values $command $key)
                        printf '%s=%s\\n' $key $value
                    end
                else if string match -qr -- '^[a-z]' $current
                    for key in (__casa_release_keys $command)
                        printf '%s=\\n' $key
                    end
                end
            end

            complete -c 'casa-release' -n __casa_release_completing_command -fa "$__casa_release_underscored"
            complete -c 'casa-release' -fa '(__casa_release_key_value)'

            """
    }
}
