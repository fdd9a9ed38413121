/* Descriptions of networking.k8s.io/v1 and discovery.k8s.io/v1 types
 * (kube/shape_misc.c): ingresses, network policies, endpoint slices.  The
 * lookup and the rules of the table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_networking[] = {
    { "Ingress", NULL, "HTTP routing rules from outside the cluster to services." },
    { "NetworkPolicy", NULL, "Which traffic may reach and leave the pods it selects." },
    { "EndpointSlice", NULL, "A subset of the endpoints of a service." },

    /* ingresses */
    { "IngressSpec", NULL, "How an ingress routes requests." },
    { "IngressSpec", "ingressClassName", "The IngressClass (controller) that serves it; the "
                                         "default class when unset." },
    { "IngressSpec", "defaultBackend", "Where requests that match no rule go; the "
                                       "controller decides when unset." },
    { "IngressSpec", "tls", "TLS settings: which hosts are served over HTTPS, with which "
                            "certificate." },
    { "IngressSpec", "rules", "Routing by host and path; checked in order of specificity." },
    { "IngressTLS", "hosts", "Host names the certificate is for; the controller's default "
                             "when empty." },
    { "IngressTLS", "secretName", "A kubernetes.io/tls secret in the ingress's namespace "
                                  "with the certificate and key." },
    { "IngressRule", NULL, "The paths of one host (or of all hosts)." },
    { "IngressRule", "host", "The host name to match, exact or with a leading \"*.\" for "
                             "one label; all hosts when empty. No port." },
    { "IngressRuleValue", "http", "The paths of the host and their backends." },
    { "HTTPIngressRuleValue", "paths", "The paths; the longest match wins." },
    { "HTTPIngressPath", NULL, "A path and the backend it leads to." },
    { "HTTPIngressPath", "path", "The path, starting with '/'." },
    { "HTTPIngressPath", "pathType", "Exact: the whole path; Prefix: path elements split by "
                                     "'/'; ImplementationSpecific: as the controller "
                                     "decides." },
    { "HTTPIngressPath", "backend", "Where matching requests go." },
    { "IngressBackend", NULL, "A service port, or another object, that requests go to." },
    { "IngressBackend", "service", "A service of the ingress's namespace. Not with "
                                   "resource." },
    { "IngressBackend", "resource", "An object of another kind (a storage bucket...) that "
                                    "the controller knows. Not with service." },
    { "IngressServiceBackend", "name", "The service's name." },
    { "IngressServiceBackend", "port", "The service's port." },
    { "ServiceBackendPort", "name", "The port's name. Not with number." },
    { "ServiceBackendPort", "number", "The port's number. Not with name." },

    /* network policies */
    { "NetworkPolicySpec", NULL, "Which pods a network policy isolates and what it lets "
                                 "through." },
    { "NetworkPolicySpec", "podSelector", "The pods of the namespace the policy applies to; "
                                          "{} is all of them." },
    { "NetworkPolicySpec", "ingress", "Incoming traffic allowed; a selected pod takes only "
                                      "what some policy allows." },
    { "NetworkPolicySpec", "egress", "Outgoing traffic allowed; a selected pod sends only "
                                     "what some policy allows." },
    { "NetworkPolicySpec", "policyTypes", "Ingress, Egress or both: which directions the "
                                          "policy isolates. Default Ingress, plus Egress "
                                          "when egress rules are given." },
    { "NetworkPolicyIngressRule", NULL, "Traffic allowed in: from all of the peers, to any "
                                        "of the ports." },
    { "NetworkPolicyIngressRule", "from", "Sources allowed; any source when empty." },
    { "NetworkPolicyIngressRule", "ports", "Ports allowed; all when empty." },
    { "NetworkPolicyEgressRule", NULL, "Traffic allowed out: to any of the peers, on any "
                                       "of the ports." },
    { "NetworkPolicyEgressRule", "to", "Destinations allowed; any when empty." },
    { "NetworkPolicyEgressRule", "ports", "Ports allowed; all when empty." },
    { "NetworkPolicyPeer", NULL, "A set of pods or addresses traffic comes from or goes "
                                 "to." },
    { "NetworkPolicyPeer", "podSelector", "Pods with these labels, in the policy's namespace "
                                          "or in those namespaceSelector picks." },
    { "NetworkPolicyPeer", "namespaceSelector", "Namespaces with these labels (all their "
                                                "pods, unless podSelector narrows them); {} "
                                                "is every namespace." },
    { "NetworkPolicyPeer", "ipBlock", "A range of addresses. Not with the selectors." },
    { "IPBlock", "cidr", "The range (\"10.0.0.0/16\")." },
    { "IPBlock", "except", "Ranges within it that do not count." },
    { "NetworkPolicyPort", NULL, "A port, or a range of ports, of a protocol." },
    { "NetworkPolicyPort", "protocol", "TCP (the default), UDP or SCTP." },
    { "NetworkPolicyPort", "port", "A number or a named container port; every port when "
                                   "unset." },
    { "NetworkPolicyPort", "endPort", "With a numeric port: the last port of the range." },

    /* endpoint slices */
    { "EndpointSlice", "addressType", "IPv4, IPv6 or FQDN." },
    { "EndpointSlice", "endpoints", "The endpoints, at most 1000." },
    { "EndpointSlice", "ports", "The ports every endpoint of the slice serves." },
    GT_KDOC_END
};
