#include "oci/features.h"

#include <seccomp.h>
#include <stdio.h>
#include <sys/capability.h>

#include "oci/cgroup.h"
#include "oci/hooks.h"
#include "oci/namespaces.h"
#include "oci/seccomp.h"
#include "oci/spec.h"

json_t *gt_runtime_features(void)
{
    json_t *hooks = json_array();
    for (int k = GT_HOOK_PRESTART; k <= GT_HOOK_POSTSTOP; k++)
        json_array_append_new(hooks, json_string(gt_hook_kind_name((enum gt_hook_kind)k)));
    json_t *opts = json_array();
    for (const char *const *o = gt_mount_option_names; *o; o++)
        json_array_append_new(opts, json_string(*o));
    /* sorted, as runc lists them */
    static const char *const ns_sorted[] = { "cgroup", "ipc", "mount", "network", "pid", "user",
                                             "uts" };
    json_t *ns = json_array();
    for (size_t i = 0; i < sizeof ns_sorted / sizeof ns_sorted[0]; i++)
        json_array_append_new(ns, json_string(ns_sorted[i]));
    json_t *caps = json_array();
    int max = cap_max_bits();
    for (int c = 0; c < max; c++) {
        char *name = cap_to_name(c);
        if (!name)
            continue;
        char up[64];
        size_t i;
        for (i = 0; name[i] && i < sizeof up - 1; i++)
            up[i] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 32) : name[i];
        up[i] = '\0';
        cap_free(name);
        json_array_append_new(caps, json_string(up));
    }
    const struct scmp_version *v = seccomp_version();
    char sv[32];
    snprintf(sv, sizeof sv, "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
    return json_pack("{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:o,s:o,s:{s:b},s:{s:b}},s:{s:s,s:s}}",
                     "ociVersionMin", "1.0.0", "ociVersionMax", GT_SPEC_VERSION, "hooks", hooks,
                     "mountOptions", opts, "linux", "namespaces", ns, "capabilities", caps,
                     "cgroup", gt_cgroup_features(), "seccomp", gt_seccomp_features(),
                     "apparmor", "enabled", 0, "selinux", "enabled", 0, "annotations",
                     "io.github.seccomp.libseccomp.version", sv, "org.gantry.runtime.version",
                     GT_RUNTIME_VERSION);
}
