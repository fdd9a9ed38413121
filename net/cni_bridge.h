/* net/cni_bridge.h - Gantry's CNI plugin, type "gantry-cni-bridge".
 *
 * One plugin does what the reference bridge + host-local + portmap chain
 * does: a bridge (created on first use, with the gateway address), a veth
 * pair per container (the container end created directly in its netns, the
 * host end, "gtv<hash of id and ifname>", enslaved to the bridge), an
 * address from host-local-style IPAM (net/ipam.h), a default route via the
 * gateway, outbound masquerade, isolation from other Gantry bridges and
 * port mappings from runtimeConfig.portMappings (net/nft.h).
 *
 * Its configuration, beside "name" and "cniVersion":
 *   "bridge"      bridge name (default "gantry0")
 *   "mtu"         MTU of the bridge and the veths (default: the kernel's)
 *   "ipMasq"      outbound masquerade of the subnet (default true)
 *   "hairpinMode" hairpin mode on the bridge ports (default true: needed
 *                 for a container to reach its own published port)
 *   "ipam"        host-local's object ("ranges", "dataDir", "routes");
 *                 no "type": the plugin does the IPAM itself
 *   "capabilities": {"portMappings": true}
 * CNI_ARGS "IP=<addr>" or runtimeConfig "ips" ask for a given address.
 *
 * ADD undoes its own partial work when it fails; DEL removes the veth, the
 * port rules and the address, and succeeds when they are already gone (the
 * bridge stays: it is the network, removed by gt_net_network_remove()).
 * CHECK verifies the interface, its address and the host end. */
#ifndef GT_NET_CNI_BRIDGE_H
#define GT_NET_CNI_BRIDGE_H

#include "base/error.h"

#define GT_CNI_BRIDGE_TYPE "gantry-cni-bridge"
#define GT_CNI_BRIDGE_DEFAULT "gantry0"

/* CNI error codes (spec 1.0, "Error"). */
enum {
    GT_CNI_ERR_VERSION = 1,
    GT_CNI_ERR_UNSUPPORTED_FIELD = 2,
    GT_CNI_ERR_UNKNOWN_CONTAINER = 3,
    GT_CNI_ERR_INVALID_ENV = 4,
    GT_CNI_ERR_IO = 5,
    GT_CNI_ERR_DECODE = 6,
    GT_CNI_ERR_INVALID_CONFIG = 7,
    GT_CNI_ERR_TRY_AGAIN = 11,
};

struct gt_cni_bridge_env {
    const char *command; /* CNI_COMMAND */
    const char *container_id;
    const char *netns;
    const char *ifname;
    const char *args;
};

/* Runs one command with its stdin config.  On success *out is the stdout
 * text (a result, a version answer, or NULL for DEL/CHECK); on failure
 * *cni_code is the CNI error code to report with err->msg. */
int gt_cni_bridge_run(const struct gt_cni_bridge_env *env, const char *config, char **out,
                      int *cni_code, struct gt_error *err);

/* The host end's name for a container's interface: "gtv" + 12 hex digits. */
void gt_cni_bridge_host_ifname(const char *id, const char *ifname, char buf[16]);

#endif
