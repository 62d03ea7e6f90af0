#ifndef EZIO_CLINUX_H
#define EZIO_CLINUX_H

#include <stdint.h>
#include <spawn.h>

/// Size in bytes of the block device open on `fd` (ioctl BLKGETSIZE64).
/// Returns 0 on success, -1 with errno set on failure.
int ezio_blkgetsize64(int fd, uint64_t *size);

/// Logical sector size of the block device open on `fd` (ioctl BLKSSZGET).
int ezio_blksszget(int fd, int *size);

/// Physical sector size of the block device open on `fd` (ioctl BLKPBSZGET).
int ezio_blkpbszget(int fd, unsigned int *size);

/// Read-only flag of the block device open on `fd` (ioctl BLKROGET).
int ezio_blkroget(int fd, int *readonly);

/// Sets the read-ahead of the block device open on `fd`, in 512-byte sectors (ioctl BLKRASET).
int ezio_blkraset(int fd, unsigned long sectors);

/// Discards the byte range [start, start+length) of the block device (ioctl BLKDISCARD).
int ezio_blkdiscard(int fd, uint64_t start, uint64_t length);

/// Zeroes the byte range [start, start+length) of the block device (ioctl BLKZEROOUT).
int ezio_blkzeroout(int fd, uint64_t start, uint64_t length);

/// Flushes the buffer cache of the block device (ioctl BLKFLSBUF).
int ezio_blkflsbuf(int fd);

/// Asks the kernel to re-read the device's partition table (ioctl BLKRRPART).
int ezio_reread_partitions(int fd);

/// SEEK_DATA and SEEK_HOLE, which Glibc only defines under _GNU_SOURCE.
extern const int ezio_seek_data;
extern const int ezio_seek_hole;

/// Sets glibc's mmap and trim thresholds (mallopt, in <malloc.h>, which Glibc does not
/// import). Returns non-zero on success.
int ezio_tune_malloc(int mmap_threshold, int trim_threshold);

/// Makes a spawned program start with every descriptor from `from` up closed
/// (posix_spawn_file_actions_addclosefrom_np, glibc 2.34, declared only under _GNU_SOURCE).
int ezio_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

/// Lowers the calling thread to nice 19 and the idle I/O class; 0 on success.
int ezio_lower_thread_priority(void);

/// sync_file_range(2), declared by glibc only under _GNU_SOURCE. With `wait` zero it starts
/// writeback of the range (SYNC_FILE_RANGE_WRITE); otherwise it also waits for writeback of
/// the range to end (WAIT_BEFORE | WRITE | WAIT_AFTER). -1 with errno on failure.
int ezio_sync_file_range(int fd, int64_t offset, int64_t length, int wait);

/// O_DIRECT, which Glibc only defines under _GNU_SOURCE.
extern const int ezio_o_direct;

#endif
