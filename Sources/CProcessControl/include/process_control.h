#ifndef CASA_RELEASE_PROCESS_CONTROL_H
#define CASA_RELEASE_PROCESS_CONTROL_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) in `directory`, with standard input,
/// output and error on the given descriptors, as a child that cannot outlive casa-release:
/// it leads its own process group (so casa-release can signal the tool and everything it
/// started at once) and, on Linux, receives SIGKILL when its parent dies (PR_SET_PDEATHSIG),
/// even when the parent itself is killed with SIGKILL.
///
/// Returns the child's pid, or -1 with errno set when it could not be started (errno is the
/// exec error reported back by the child through a close-on-exec pipe).
pid_t casa_spawn_tied(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int stdin_fd, int stdout_fd, int stderr_fd);

#endif
