#ifndef CASA_RELEASE_FILE_COPY_H
#define CASA_RELEASE_FILE_COPY_H

#include <sys/types.h>

/// `copy_file_range(2)` from the current offset of `in_fd` to that of `out_fd`, at most `length`
/// bytes: the kernel copies without the bytes passing through user space. Returns the bytes
/// copied, 0 at the end of `in_fd`, or -1 with errno set (EXDEV, EINVAL, ENOSYS, EOPNOTSUPP when
/// this pair of files cannot be copied this way). Swift's Glibc module does not declare it.
ssize_t casa_copy_file_range(int in_fd, int out_fd, size_t length);

/// Starts writing `length` bytes of `fd` from `offset` to the disk, without waiting
/// (`sync_file_range(2)`, `SYNC_FILE_RANGE_WRITE`): a big copy's pages go to the disk while it
/// goes on, so that the `fsync` that ends it waits for little. Returns 0, or -1 with errno set.
int casa_start_writeback(int fd, long long offset, long long length);

#endif
