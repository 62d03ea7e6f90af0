#define _GNU_SOURCE
#include "CLinux.h"

#include <stddef.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <spawn.h>
#include <linux/fs.h>

// ioctl is variadic and its request numbers are function-like macros: neither imports
// into Swift, so each request gets a typed, non-variadic wrapper here.

int ezio_blkgetsize64(int fd, uint64_t *size) { return ioctl(fd, BLKGETSIZE64, size); }

int ezio_blksszget(int fd, int *size) { return ioctl(fd, BLKSSZGET, size); }

int ezio_blkpbszget(int fd, unsigned int *size) { return ioctl(fd, BLKPBSZGET, size); }

int ezio_blkroget(int fd, int *readonly) { return ioctl(fd, BLKROGET, readonly); }

int ezio_blkraset(int fd, unsigned long sectors) { return ioctl(fd, BLKRASET, sectors); }

int ezio_blkdiscard(int fd, uint64_t start, uint64_t length) {
    uint64_t range[2] = {start, length};
    return ioctl(fd, BLKDISCARD, range);
}

int ezio_blkzeroout(int fd, uint64_t start, uint64_t length) {
    uint64_t range[2] = {start, length};
    return ioctl(fd, BLKZEROOUT, range);
}

int ezio_blkflsbuf(int fd) { return ioctl(fd, BLKFLSBUF, 0); }

int ezio_reread_partitions(int fd) { return ioctl(fd, BLKRRPART, 0); }

const int ezio_seek_data = SEEK_DATA;
const int ezio_seek_hole = SEEK_HOLE;

#include <malloc.h>

int ezio_tune_malloc(int mmap_threshold, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) && mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

int ezio_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#include <sys/resource.h>
#include <sys/syscall.h>

// The calling thread only: nice 19 and the idle I/O class, so a background check of a
// seeder's source takes the disk and the CPU only when serving does not want them.
// (glibc has no ioprio_set wrapper; syscall is variadic.)
int ezio_lower_thread_priority(void) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int nice = setpriority(PRIO_PROCESS, (id_t)tid, 19);
    int io = (int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, tid, 3 << 13 /* IOPRIO_CLASS_IDLE */);
    return nice == 0 && io == 0 ? 0 : -1;
}

#include <fcntl.h>

int ezio_sync_file_range(int fd, int64_t offset, int64_t length, int wait) {
    unsigned int flags = wait
        ? (SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)
        : SYNC_FILE_RANGE_WRITE;
    return sync_file_range(fd, offset, length, flags);
}

const int ezio_o_direct = O_DIRECT;
