/* oci/seccomp_internal.h - the compiled filter, shared by the compiler
 * (seccomp.c) and its cache (seccomp_cache.c). */
#ifndef GT_OCI_SECCOMP_INTERNAL_H
#define GT_OCI_SECCOMP_INTERNAL_H

#include <linux/filter.h>

struct gt_seccomp {
    struct sock_filter *insns;
    unsigned short len;
    unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

#endif
