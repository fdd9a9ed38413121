/* Descriptions of core/v1 types besides pods (kube/shape_core.c):
 * namespaces, config maps, secrets, service accounts, services, claims,
 * limit ranges and quotas.  The lookup and the rules of the table:
 * openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_core[] = {
    /* kinds */
    { "Namespace", NULL, "A scope for names; deleting it deletes what it holds." },
    { "ConfigMap", NULL, "Configuration data as key/value pairs, for pods to read as "
                         "environment variables or files." },
    { "Secret", NULL, "Sensitive data (passwords, tokens, keys) as base64 key/value pairs." },
    { "ServiceAccount", NULL, "An identity for processes that run in pods." },
    { "Service", NULL, "A stable virtual address and name for a set of pods chosen by a "
                       "selector, with load balancing over them." },
    { "Endpoints", NULL, "The addresses behind a service." },
    { "Event", NULL, "A report of something that happened to an object." },
    { "LimitRange", NULL, "Default and allowed resource amounts for the pods and containers "
                          "of a namespace." },
    { "ResourceQuota", NULL, "Limits on the resources that all objects of a namespace may "
                             "use together." },
    { "Node", NULL, "A machine that runs pods." },
    { "PersistentVolume", NULL, "A piece of storage in the cluster, provisioned by an "
                                "administrator or by a storage class." },
    { "PersistentVolumeClaim", NULL, "A request for storage by a user, bound to a persistent "
                                     "volume." },
    { "ReplicationController", NULL, "Keeps a number of copies of a pod running (the "
                                     "predecessor of ReplicaSet)." },

    /* namespaces */
    { "NamespaceSpec", "finalizers", "Keys that must be removed before the namespace is "
                                     "deleted; \"kubernetes\" stands for deleting its "
                                     "content." },
    { "NamespaceStatus", "phase", "Active, or Terminating once deletion has started." },
    { "NamespaceCondition", "status", "True, False or Unknown." },
    { "NamespaceStatus", "conditions", "Problems met while deleting the namespace's "
                                       "content." },

    /* config maps, secrets, service accounts */
    { "ConfigMap", "data", "The entries, as UTF-8 strings; keys are letters, digits, '-', "
                           "'_' and '.'." },
    { "ConfigMap", "binaryData", "Entries whose values are bytes (written in base64); keys "
                                 "must differ from those of data." },
    { "ConfigMap", "immutable", "When true, data cannot change any more (only deleting the "
                                "object does)." },
    { "Secret", "data", "The entries, with base64-encoded values." },
    { "Secret", "stringData", "Entries written as plain strings, for convenience: merged "
                              "into data on write (winning over it) and never read back." },
    { "Secret", "type", "What the secret holds, which decides the keys it must have: "
                        "Opaque (the default), kubernetes.io/tls, "
                        "kubernetes.io/dockerconfigjson, "
                        "kubernetes.io/service-account-token, kubernetes.io/basic-auth, "
                        "kubernetes.io/ssh-auth..." },
    { "Secret", "immutable", "When true, data cannot change any more (only deleting the "
                             "object does)." },
    { "ServiceAccount", "secrets", "Secrets that pods of the account may use; token "
                                   "secrets are no longer made for it automatically." },
    { "ServiceAccount", "imagePullSecrets", "Registry credentials added to every pod that "
                                            "runs as the account." },
    { "ServiceAccount", "automountServiceAccountToken", "Whether pods of the account get "
                                                        "its token mounted; a pod's own "
                                                        "setting wins." },

    /* services */
    { "ServiceSpec", NULL, "The desired state of a service." },
    { "ServiceSpec", "selector", "Labels of the pods that receive the service's traffic; "
                                 "without one, endpoints are managed by hand." },
    { "ServiceSpec", "ports", "The ports the service exposes." },
    { "ServiceSpec", "type", "ClusterIP (the default), NodePort, LoadBalancer or "
                             "ExternalName." },
    { "ServiceSpec", "clusterIP", "The virtual IP; allocated when empty, \"None\" for a "
                                  "headless service." },
    { "ServiceSpec", "clusterIPs", "The virtual IPs, one per IP family; the first is "
                                   "clusterIP." },
    { "ServiceSpec", "externalIPs", "Addresses of the nodes' networks that also lead to the "
                                    "service; not managed by the cluster." },
    { "ServiceSpec", "sessionAffinity", "None (the default) or ClientIP: send a client's "
                                        "connections to the same pod." },
    { "ServiceSpec", "loadBalancerIP", "Deprecated: the address to ask the load balancer "
                                       "for." },
    { "ServiceSpec", "loadBalancerSourceRanges", "Client CIDRs the load balancer lets "
                                                 "through; all when empty." },
    { "ServiceSpec", "externalName", "For ExternalName: the DNS name the service's name is "
                                     "an alias (CNAME) of." },
    { "ServiceSpec", "externalTrafficPolicy", "Cluster (the default): outside traffic may go "
                                              "to pods on any node; Local: only to pods on "
                                              "the node it arrived at, keeping the client "
                                              "address." },
    { "ServiceSpec", "healthCheckNodePort", "With externalTrafficPolicy Local: the node port "
                                            "the load balancer checks nodes on." },
    { "ServiceSpec", "publishNotReadyAddresses", "List pods in DNS and endpoints even before "
                                                 "they are ready." },
    { "ServiceSpec", "sessionAffinityConfig", "Settings of ClientIP session affinity." },
    { "ServiceSpec", "ipFamilies", "IPv4, IPv6 or both, in order of preference." },
    { "ServiceSpec", "ipFamilyPolicy", "SingleStack (the default), PreferDualStack or "
                                       "RequireDualStack." },
    { "ServiceSpec", "allocateLoadBalancerNodePorts", "Whether a LoadBalancer service gets "
                                                      "node ports; default true." },
    { "ServiceSpec", "loadBalancerClass", "Which load balancer implementation handles the "
                                          "service; the cloud's default when unset." },
    { "ServiceSpec", "internalTrafficPolicy", "Cluster (the default): traffic from inside "
                                              "may go to any pod; Local: only to pods on "
                                              "the same node." },
    { "ServiceSpec", "trafficDistribution", "A preference for where traffic goes, such as "
                                            "PreferClose (pods in the same zone)." },
    { "ServicePort", NULL, "A port of a service and where it leads." },
    { "ServicePort", "name", "Names the port; required when there are several, a DNS "
                             "label." },
    { "ServicePort", "port", "The port the service answers on." },
    { "ServicePort", "targetPort", "The port (number or container port name) of the pods; "
                                   "defaults to port." },
    { "ServicePort", "nodePort", "The port on every node for NodePort and LoadBalancer "
                                 "services; allocated from the node port range when "
                                 "unset." },
    { "ServicePort", "protocol", "TCP (the default), UDP or SCTP." },
    { "ServicePort", "appProtocol", "The application protocol, as a hint for proxies "
                                    "(\"http\", \"kubernetes.io/h2c\")." },
    { "SessionAffinityConfig", "clientIP", "Settings of the ClientIP affinity." },
    { "ClientIPConfig", "timeoutSeconds", "How long a client stays with its pod; default "
                                          "10800 (3 hours)." },
    { "ServiceStatus", "loadBalancer", "The addresses of the load balancer, when there is "
                                       "one." },
    { "ServiceStatus", "conditions", "The current conditions of the service." },

    /* replication controllers */
    { "ReplicationControllerSpec", "replicas", "How many pods to run; default 1." },
    { "ReplicationControllerSpec", "minReadySeconds", "How long a new pod must be ready to "
                                                      "count as available." },
    { "ReplicationControllerSpec", "selector", "Labels of the pods it manages; the "
                                               "template's labels when empty." },
    { "ReplicationControllerSpec", "template", "The pods to create." },

    { "ReplicationControllerCondition", "status", "True, False or Unknown." },

    /* limit ranges and quotas */
    { "LimitRangeSpec", "limits", "The limits, by kind of object." },
    { "LimitRangeItem", NULL, "Bounds and defaults for one kind of object." },
    { "LimitRangeItem", "type", "Container, Pod or PersistentVolumeClaim." },
    { "LimitRangeItem", "max", "The most of each resource an object may use." },
    { "LimitRangeItem", "min", "The least of each resource an object must ask for." },
    { "LimitRangeItem", "default", "Limits given to containers that set none." },
    { "LimitRangeItem", "defaultRequest", "Requests given to containers that set none." },
    { "LimitRangeItem", "maxLimitRequestRatio", "The largest allowed limit divided by "
                                                "request, per resource." },
    { "ResourceQuotaSpec", "hard", "The most of each resource (or count of objects) the "
                                   "namespace may use." },
    { "ResourceQuotaSpec", "scopes", "Only count objects in all these scopes "
                                     "(Terminating, NotBestEffort, PriorityClass...)." },
    { "ResourceQuotaSpec", "scopeSelector", "Only count objects matching these scope "
                                            "conditions." },
    { "ResourceQuotaStatus", "hard", "The limits being enforced." },
    { "ResourceQuotaStatus", "used", "What the namespace uses now." },
    GT_KDOC_END
};
