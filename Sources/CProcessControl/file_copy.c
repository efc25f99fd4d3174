#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "file_copy.h"

ssize_t casa_copy_file_range(int in_fd, int out_fd, size_t length) {
    return copy_file_range(in_fd, NULL, out_fd, NULL, length, 0);
}

int casa_start_writeback(int fd, long long offset, long long length) {
    return sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE);
}
