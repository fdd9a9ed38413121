/* base/fs.h - file and path helpers.
 *
 * Paths given here are trusted (they come from Gantry's own state and
 * flags).  Paths that come from an image or a user are resolved relative to
 * a directory fd instead (see the modules that handle them). */
#ifndef GT_BASE_FS_H
#define GT_BASE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* Reads a whole file into a new NUL-terminated buffer (*out, caller frees);
 * *len (may be NULL) gets the length without the NUL.  Fails with EFBIG
 * beyond max bytes (0: no limit). */
int gt_read_file(const char *path, size_t max, char **out, size_t *len, struct gt_error *err);
int gt_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    struct gt_error *err);
/* Writes data to path (created with mode, truncated). */
int gt_write_file(const char *path, const void *data, size_t len, mode_t mode,
                  struct gt_error *err);
/* Writes a string to an existing file, as for /proc and cgroup files.  */
int gt_write_str_at(int dirfd, const char *path, const char *s, struct gt_error *err);
/* Temporary file in the same directory, then rename: readers see the old or
 * the new content, never a part.  durable: fsync the file and directory. */
int gt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         bool durable, struct gt_error *err);
/* mkdir -p; existing directories are fine. */
int gt_mkdir_p(const char *path, mode_t mode, struct gt_error *err);
/* rm -rf without crossing mount points; a missing path is fine. */
int gt_rm_rf(const char *path, struct gt_error *err);
/* Writes all of buf, retrying on EINTR and short writes; -errno on failure. */
int gt_write_all(int fd, const void *buf, size_t len);
/* Reads until len bytes or EOF; returns bytes read or -errno. */
ssize_t gt_read_all(int fd, void *buf, size_t len);
/* New string "a/b" with exactly one slash between. */
char *gt_path_join(const char *a, const char *b);
bool gt_path_exists(const char *path);
/* mkdir -p, then opens the directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC):
 * the fd, or a negative errno. */
int gt_mkdir_p_open(const char *path, mode_t mode, struct gt_error *err);
/* The names in the directory dirfd, without "." and "..", in readdir order:
 * a new NULL-terminated vector in *names (gt_strv_free). */
int gt_list_dir_at(int dirfd, char ***names, struct gt_error *err);

#endif
