/* base/cleanup.h - scope-bound release of locals, and explicit moves.
 *
 *   cleanup_free char *p = malloc(..);      freed when p leaves scope
 *   cleanup_close int fd = open(..);        closed (if >= 0) likewise
 *   return steal_pointer(&p);               moves ownership out (p = NULL)
 *   int out = get_and_reset(&fd);           moves an fd out (fd = -1)
 */
#ifndef GT_BASE_CLEANUP_H
#define GT_BASE_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>

static inline void gt_freep(void *p)
{
    free(*(void **)p);
}
static inline void gt_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
static inline void gt_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void gt_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}
/* NULL-terminated string vector */
static inline void gt_strv_freep(char ***v)
{
    if (*v) {
        for (char **s = *v; *s; s++)
            free(*s);
        free(*v);
    }
}

#define cleanup_free __attribute__((cleanup(gt_freep)))
#define cleanup_close __attribute__((cleanup(gt_closep)))
#define cleanup_fclose __attribute__((cleanup(gt_fclosep)))
#define cleanup_dir __attribute__((cleanup(gt_closedirp)))
#define cleanup_strv __attribute__((cleanup(gt_strv_freep)))

static inline void *gt_steal_pointer(void *pp)
{
    void **p = (void **)pp;
    void *v = *p;
    *p = NULL;
    return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))gt_steal_pointer(pp))

static inline int get_and_reset(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}

#endif
