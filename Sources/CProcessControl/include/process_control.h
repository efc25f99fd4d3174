#ifndef CASA_RELEASE_PROCESS_CONTROL_H
#define CASA_RELEASE_PROCESS_CONTROL_H

#include <spawn.h>
#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) in `directory`, with standard input,
/// output and error on the given descriptors, as a child that cannot outlive casa-release:
/// it leads its own process group (so casa-release can signal the tool and everything it
/// started at once) and, on Linux, receives SIGKILL when its parent dies (PR_SET_PDEATHSIG),
/// even when the parent itself is killed with SIGKILL. It inherits no other descriptor of
/// casa-release's: every one from 3 up is closed when it executes `path`.
///
/// Returns the child's pid, or -1 with errno set when it could not be started (errno is the
/// exec error reported back by the child through a close-on-exec pipe).
pid_t casa_spawn_tied(const char *path, char *const argv[], char *const envp[], const char *directory,
                      int stdin_fd, int stdout_fd, int stderr_fd);

/// Adds to `actions` the closing of every descriptor from `lowest` up in the child, at once
/// (glibc's posix_spawn_file_actions_addclosefrom_np, which Swift does not see without
/// _GNU_SOURCE): a child started with posix_spawn from a process whose other threads are making
/// pipes and sockets gets none of them. Returns 0, or an error number (ENOSYS before glibc 2.34).
int casa_spawn_file_actions_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
