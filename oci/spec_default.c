/* The config.json written by `gantry-runtime spec`: the same defaults as
 * runc's, so that bundles made for one work with the other. */
#include <string.h>
#include <unistd.h>

#include "oci/spec.h"

static const char default_spec[] =
    "{"
    "\"ociVersion\":\"" GT_SPEC_VERSION "\","
    "\"process\":{"
    "  \"terminal\":true,"
    "  \"user\":{\"uid\":0,\"gid\":0},"
    "  \"args\":[\"sh\"],"
    "  \"env\":[\"PATH=" GT_DEFAULT_PATH "\",\"TERM=xterm\"],"
    "  \"cwd\":\"/\","
    "  \"capabilities\":{"
    "    \"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "    \"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "    \"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
    "    \"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
    "  \"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "  \"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"gantry\","
    "\"mounts\":["
    "  {\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "  {\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "   \"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "  {\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "   \"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
    "\"gid=5\"]},"
    "  {\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
    "   \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "  {\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
    "   \"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "  {\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "   \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "  {\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
    "   \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{"
    "  \"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "  \"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
    "{\"type\":\"uts\"},{\"type\":\"mount\"}],"
    "  \"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
    "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","
    "\"/sys/firmware\",\"/proc/scsi\"],"
    "  \"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
    "\"/proc/sysrq-trigger\"]}"
    "}";

json_t *gt_spec_template(bool rootless)
{
    json_t *j = json_loads(default_spec, 0, NULL);
    if (!j)
        return NULL;
    if (rootless) {
        /* A user namespace mapping root to the caller; no network namespace
         * (it could not be configured), no cgroup limits (not delegated),
         * and sysfs bound from the host (it cannot be mounted). */
        json_t *lx = json_object_get(j, "linux");
        json_object_del(lx, "resources");
        json_object_set_new(lx, "namespaces",
                            json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "pid", "type",
                                      "ipc", "type", "uts", "type", "mount", "type", "user"));
        json_object_set_new(lx, "uidMappings",
                            json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)getuid(), "size", 1));
        json_object_set_new(lx, "gidMappings",
                            json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)getgid(), "size", 1));
        json_t *mounts = json_object_get(j, "mounts");
        size_t i;
        json_t *m;
        json_array_foreach(mounts, i, m) {
            const char *dest = json_string_value(json_object_get(m, "destination"));
            if (dest && strcmp(dest, "/sys") == 0) {
                json_object_set_new(m, "type", json_string("none"));
                json_object_set_new(m, "source", json_string("/sys"));
                json_object_set_new(m, "options",
                                    json_pack("[s,s,s,s]", "rbind", "nosuid", "noexec", "nodev"));
            }
        }
        for (i = json_array_size(mounts); i-- > 0;) {
            m = json_array_get(mounts, i);
            const char *dest = json_string_value(json_object_get(m, "destination"));
            if (dest && (strcmp(dest, "/sys/fs/cgroup") == 0 || strcmp(dest, "/dev/mqueue") == 0))
                json_array_remove(mounts, i);
        }
        json_t *devpts_opts = NULL;
        json_array_foreach(mounts, i, m) {
            const char *dest = json_string_value(json_object_get(m, "destination"));
            if (dest && strcmp(dest, "/dev/pts") == 0)
                devpts_opts = json_object_get(m, "options");
        }
        for (i = json_array_size(devpts_opts); i-- > 0;)
            if (strcmp(json_string_value(json_array_get(devpts_opts, i)), "gid=5") == 0)
                json_array_remove(devpts_opts, i);
    }
    return j;
}
