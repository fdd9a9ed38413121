/* Descriptions of core/v1 pod types (kube/shape_pod.c): the pod spec, its
 * containers, probes, security contexts, scheduling terms and status
 * (volumes: openapi_docs_volume.c).
 * The lookup and the rules of the table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_pod[] = {
    { "Pod", NULL, "A group of containers that share a network namespace, volumes and a "
                   "lifecycle, scheduled together onto one node." },
    { "PodTemplateSpec", NULL, "The pods a controller creates: their metadata and spec." },
    { "PodTemplateSpec", "spec", "The spec of each pod made from the template." },

    /* ---- references and selectors ---- */
    { "LocalObjectReference", NULL, "Names an object in the same namespace." },
    { "LocalObjectReference", "name", "The name of the object, in the same namespace." },
    { "ObjectReference", NULL, "Points at another object by kind, namespace and name." },
    { "ObjectReference", "kind", "The kind of the object pointed at." },
    { "ObjectReference", "apiVersion", "The API version of the object pointed at." },
    { "ObjectReference", "namespace", "The namespace of the object pointed at." },
    { "ObjectReference", "name", "The name of the object pointed at." },
    { "ObjectReference", "uid", "The uid of the object pointed at." },
    { "ObjectReference", "resourceVersion", "The version of the object that was seen." },
    { "ObjectReference", "fieldPath", "A part of the object, when the reference is about "
                                      "one (\"spec.containers{web}\")." },
    { "TypedLocalObjectReference", NULL, "Names an object of any kind in the same "
                                         "namespace." },
    { "TypedLocalObjectReference", "apiGroup", "The API group of the kind; empty for the "
                                               "core group." },
    { "TypedLocalObjectReference", "kind", "The kind of the object." },
    { "TypedLocalObjectReference", "name", "The name of the object." },
    { "ObjectFieldSelector", NULL, "Picks a field of the pod." },
    { "ObjectFieldSelector", "fieldPath", "The field: metadata.name, metadata.namespace, "
                                          "metadata.uid, metadata.labels['<key>'], "
                                          "metadata.annotations['<key>'], spec.nodeName, "
                                          "spec.serviceAccountName, status.hostIP, "
                                          "status.podIP or status.podIPs." },
    { "ObjectFieldSelector", "apiVersion", "The version the field path is written in; "
                                           "default \"v1\"." },
    { "ResourceFieldSelector", NULL, "Picks a request or limit of a container." },
    { "ResourceFieldSelector", "containerName", "The container; required in volumes, the "
                                                "current container in env." },
    { "ResourceFieldSelector", "resource", "Which amount: limits.cpu, limits.memory, "
                                           "limits.ephemeral-storage, requests.cpu, "
                                           "requests.memory or requests.ephemeral-storage." },
    { "ResourceFieldSelector", "divisor", "The unit the amount is written in (\"1m\" for "
                                          "millicores, \"1Mi\"); default 1." },
    { "ConfigMapKeySelector", NULL, "One key of a config map." },
    { "ConfigMapKeySelector", "key", "The key whose value is taken." },
    { "ConfigMapKeySelector", "optional", "When true, a missing config map or key is not an "
                                          "error: the variable is left unset." },
    { "SecretKeySelector", NULL, "One key of a secret." },
    { "SecretKeySelector", "key", "The key whose value is taken." },
    { "SecretKeySelector", "optional", "When true, a missing secret or key is not an error: "
                                       "the variable is left unset." },
    { "KeyToPath", NULL, "Puts one key of a config map or secret at a path of the volume." },
    { "KeyToPath", "key", "The key to project." },
    { "KeyToPath", "path", "The relative path of the file within the volume; no \"..\"." },
    { "KeyToPath", "mode", "The file's permission bits (0 to 0777); the volume's defaultMode "
                           "when unset." },

    /* ---- the pod spec ---- */
    { "PodSpec", NULL, "The desired state of a pod: its containers, volumes and scheduling." },
    { "PodSpec", "containers", "The containers of the pod; at least one. Cannot be changed "
                               "after creation." },
    { "PodSpec", "initContainers", "Containers that run to completion, one after the other, "
                                   "before the containers start." },
    { "PodSpec", "ephemeralContainers", "Containers added to a running pod for debugging "
                                        "(kubectl debug), through the ephemeralcontainers "
                                        "subresource." },
    { "PodSpec", "volumes", "Volumes that the containers can mount." },
    { "PodSpec", "restartPolicy", "When to restart the containers: Always (the default), "
                                  "OnFailure or Never." },
    { "PodSpec", "terminationGracePeriodSeconds", "How long the containers have to stop after "
                                                  "SIGTERM before they are killed; default 30." },
    { "PodSpec", "activeDeadlineSeconds", "How long the pod may run, counted from its start, "
                                          "before it is stopped and marked failed." },
    { "PodSpec", "dnsPolicy", "How the pod's resolv.conf is made: ClusterFirst (the default), "
                              "ClusterFirstWithHostNet, Default (the node's) or None (only "
                              "dnsConfig)." },
    { "PodSpec", "nodeSelector", "Labels a node must have for the pod to be scheduled on "
                                 "it." },
    { "PodSpec", "serviceAccountName", "The service account the pod runs as; default "
                                       "\"default\"." },
    { "PodSpec", "serviceAccount", "The older spelling of serviceAccountName." },
    { "PodSpec", "automountServiceAccountToken", "Whether the service account's token is "
                                                 "mounted into the containers." },
    { "PodSpec", "nodeName", "The node the pod runs on; set by the scheduler, or by hand to "
                             "bypass it." },
    { "PodSpec", "hostNetwork", "Run in the node's network namespace." },
    { "PodSpec", "hostPID", "Share the node's process ID namespace." },
    { "PodSpec", "hostIPC", "Share the node's IPC namespace." },
    { "PodSpec", "shareProcessNamespace", "Put all containers of the pod in one process ID "
                                          "namespace, so they see each other's processes." },
    { "PodSpec", "securityContext", "Security settings for all containers of the pod." },
    { "PodSpec", "imagePullSecrets", "Secrets in the pod's namespace with credentials for "
                                     "pulling its images." },
    { "PodSpec", "hostname", "The pod's host name; the pod's name when empty." },
    { "PodSpec", "subdomain", "With a headless service of this name, the pod gets the DNS "
                              "name <hostname>.<subdomain>.<namespace>.svc." },
    { "PodSpec", "affinity", "Scheduling constraints relative to nodes and to other pods." },
    { "PodSpec", "schedulerName", "The scheduler that places the pod; default "
                                  "\"default-scheduler\"." },
    { "PodSpec", "tolerations", "The node taints that the pod tolerates." },
    { "PodSpec", "hostAliases", "Extra lines for the containers' /etc/hosts." },
    { "PodSpec", "priorityClassName", "The priority class whose value becomes the pod's "
                                      "priority." },
    { "PodSpec", "priority", "The pod's priority, filled in from priorityClassName by the "
                             "server; higher is more important." },
    { "PodSpec", "dnsConfig", "Name servers, search domains and options added to (or, with "
                              "dnsPolicy None, making up) the pod's resolv.conf." },
    { "PodSpec", "readinessGates", "Extra pod conditions that must be true for the pod to "
                                   "be ready." },
    { "PodSpec", "runtimeClassName", "The RuntimeClass whose handler runs the pod." },
    { "PodSpec", "enableServiceLinks", "Whether the services of the namespace are given to "
                                       "the containers as environment variables; default "
                                       "true." },
    { "PodSpec", "preemptionPolicy", "PreemptLowerPriority (the default) or Never: whether "
                                     "the pod may evict lower priority pods to be "
                                     "scheduled." },
    { "PodSpec", "overhead", "Resources the runtime class costs on top of the containers' "
                             "own, set by the server." },
    { "PodSpec", "topologySpreadConstraints", "How evenly the matching pods must be spread "
                                              "over zones, nodes or other domains." },
    { "PodSpec", "setHostnameAsFQDN", "Make the pod's host name its fully qualified domain "
                                      "name." },
    { "PodSpec", "os", "The operating system the pod's containers need (linux or windows)." },
    { "PodSpec", "hostUsers", "When false, the pod gets its own user namespace; default "
                              "true (the host's)." },
    { "PodSpec", "schedulingGates", "While any gate is listed, the pod is not scheduled; "
                                    "gates can only be removed." },
    { "PodSpec", "resourceClaims", "Dynamically allocated resources (devices) the pod's "
                                   "containers may use, by name." },
    { "PodSpec", "resources", "Resources for the pod as a whole, shared by its containers." },
    { "HostAlias", NULL, "One line of /etc/hosts." },
    { "HostAlias", "ip", "The address." },
    { "HostAlias", "hostnames", "The names of the address." },
    { "PodDNSConfig", NULL, "Settings for the pod's resolv.conf." },
    { "PodDNSConfig", "nameservers", "Name server addresses, at most 3 in all." },
    { "PodDNSConfig", "searches", "Search domains." },
    { "PodDNSConfig", "options", "Resolver options (\"ndots\": \"2\")." },
    { "PodDNSConfigOption", "name", "The option's name." },
    { "PodDNSConfigOption", "value", "The option's value, if it takes one." },
    { "PodReadinessGate", "conditionType", "A pod condition type that must be True." },
    { "PodOS", "name", "linux or windows." },
    { "PodSchedulingGate", "name", "The gate's name, unique in the pod." },
    { "PodResourceClaim", NULL, "A resource claim the pod uses, by a name local to the pod." },
    { "PodResourceClaim", "name", "The name containers refer to in resources.claims." },
    { "PodResourceClaim", "resourceClaimName", "An existing ResourceClaim to use." },
    { "PodResourceClaim", "resourceClaimTemplateName", "A ResourceClaimTemplate from which a "
                                                       "claim is made for this pod." },
    { "Sysctl", NULL, "A kernel parameter set for the pod." },
    { "Sysctl", "name", "The parameter (\"net.ipv4.ip_local_port_range\")." },
    { "Sysctl", "value", "Its value." },

    /* ---- containers ---- */
    { "Container", NULL, "One application container of a pod." },
    { "Container", "name", "Unique within the pod (a DNS label)." },
    { "Container", "image", "The image to run, as a container registry reference." },
    { "Container", "command", "The entrypoint; the image's ENTRYPOINT when empty. $(VAR) "
                              "refers to an environment variable." },
    { "Container", "args", "Arguments to the entrypoint; the image's CMD when empty." },
    { "Container", "workingDir", "The working directory; the image's when empty." },
    { "Container", "env", "Environment variables to set in the container." },
    { "Container", "envFrom", "Sources (config maps, secrets) whose keys become environment "
                              "variables; env wins over them." },
    { "Container", "ports", "Ports the container listens on; informational, except that a "
                            "name can be referred to by services and probes." },
    { "Container", "resources", "Compute resources: requests (what scheduling reserves) and "
                                "limits (what the container may use)." },
    { "Container", "resizePolicy", "Whether changing a resource of the running container "
                                   "restarts it." },
    { "Container", "restartPolicy", "Only for init containers: Always makes it a sidecar "
                                    "that starts before the containers and runs beside "
                                    "them." },
    { "Container", "volumeMounts", "Volumes of the pod to mount into the container." },
    { "Container", "volumeDevices", "Block volumes of the pod to expose as devices." },
    { "Container", "livenessProbe", "A check that restarts the container when it fails." },
    { "Container", "readinessProbe", "A check that removes the pod from service endpoints "
                                     "while it fails." },
    { "Container", "startupProbe", "A check that must succeed once before the other probes "
                                   "start; the container is restarted if it never does." },
    { "Container", "lifecycle", "Actions to run right after the container starts and "
                                "before it stops." },
    { "Container", "terminationMessagePath", "A file in the container whose content becomes "
                                             "its termination message; default "
                                             "/dev/termination-log." },
    { "Container", "terminationMessagePolicy", "File (the default): the message comes from "
                                               "terminationMessagePath; "
                                               "FallbackToLogsOnError: from the end of the "
                                               "log when the file is empty and the container "
                                               "failed." },
    { "Container", "imagePullPolicy", "Always, Never or IfNotPresent; Always for the :latest "
                                      "tag, IfNotPresent otherwise." },
    { "Container", "securityContext", "Security settings for this container; they override "
                                      "the pod's." },
    { "Container", "stdin", "Keep a stdin open for the container." },
    { "Container", "stdinOnce", "Close stdin after the first attached client detaches." },
    { "Container", "tty", "Allocate a terminal for the container." },
    { "EphemeralContainer", NULL, "A container added to a running pod to inspect it; it "
                                  "has no ports, probes or resources and is never "
                                  "restarted." },
    { "EphemeralContainer", "targetContainerName", "A container of the pod whose process "
                                                   "namespace this one joins." },
    { "ContainerPort", NULL, "A port a container listens on." },
    { "ContainerPort", "name", "A name for the port (an IANA service name), unique in the "
                               "pod; services and probes can use it instead of the number." },
    { "ContainerPort", "containerPort", "The port number in the pod's network namespace." },
    { "ContainerPort", "protocol", "TCP (the default), UDP or SCTP." },
    { "ContainerPort", "hostPort", "Also expose the port on this port of the node; few pods "
                                   "need it." },
    { "ContainerPort", "hostIP", "The node address that hostPort binds to." },
    { "EnvVar", NULL, "One environment variable." },
    { "EnvVar", "name", "The variable's name." },
    { "EnvVar", "value", "The value; $(VAR) refers to earlier variables, $$(VAR) is written "
                         "literally." },
    { "EnvVar", "valueFrom", "Where to take the value from: a field, a resource, a config "
                             "map or a secret key. Not with value." },
    { "EnvVarSource", NULL, "Where a variable's value comes from; set exactly one field." },
    { "EnvVarSource", "fieldRef", "A field of the pod (name, namespace, labels, IPs...)." },
    { "EnvVarSource", "resourceFieldRef", "A request or limit of a container." },
    { "EnvVarSource", "configMapKeyRef", "A key of a config map in the pod's namespace." },
    { "EnvVarSource", "secretKeyRef", "A key of a secret in the pod's namespace." },
    { "EnvFromSource", NULL, "A config map or secret whose keys all become variables." },
    { "EnvFromSource", "prefix", "Put before every key to make the variable's name." },
    { "EnvFromSource", "configMapRef", "The config map to read." },
    { "EnvFromSource", "secretRef", "The secret to read." },
    { "ConfigMapEnvSource", "optional", "When true, a missing config map is not an error." },
    { "SecretEnvSource", "optional", "When true, a missing secret is not an error." },
    { "ResourceRequirements", NULL, "Amounts of compute resources (cpu, memory, "
                                    "ephemeral-storage, hugepages-<size>, extended "
                                    "resources)." },
    { "ResourceRequirements", "limits", "The most of each resource the container may use: "
                                        "CPU above it is throttled, memory above it gets "
                                        "the container killed." },
    { "ResourceRequirements", "requests", "The resources the scheduler reserves; default to "
                                          "the limits." },
    { "ResourceRequirements", "claims", "Which of the pod's resourceClaims the container "
                                        "uses." },
    { "ResourceClaim", "name", "The name of an entry of the pod's resourceClaims." },
    { "ResourceClaim", "request", "One request of that claim; all of them when empty." },
    { "ContainerResizePolicy", "resourceName", "cpu or memory." },
    { "ContainerResizePolicy", "restartPolicy", "NotRequired (the default): resize in "
                                                "place; RestartContainer: restart to apply "
                                                "the change." },
    { "VolumeMount", NULL, "Where a volume of the pod appears in a container." },
    { "VolumeMount", "name", "The name of a volume of the pod." },
    { "VolumeMount", "mountPath", "The path in the container; must not contain ':'." },
    { "VolumeMount", "readOnly", "Mount it read-only; default false." },
    { "VolumeMount", "recursiveReadOnly", "Disabled (the default), IfPossible or Enabled: "
                                          "whether submounts are read-only too (needs "
                                          "readOnly)." },
    { "VolumeMount", "subPath", "A path inside the volume to mount instead of its root." },
    { "VolumeMount", "subPathExpr", "Like subPath, with $(VAR) expanded from the "
                                    "container's environment. Not with subPath." },
    { "VolumeMount", "mountPropagation", "None (the default), HostToContainer or "
                                         "Bidirectional: whether mounts made later on one "
                                         "side show on the other." },
    { "VolumeDevice", "name", "The name of a block volume (a claim) of the pod." },
    { "VolumeDevice", "devicePath", "The device's path in the container." },

    /* ---- probes and lifecycle hooks ---- */
    { "Probe", NULL, "A periodic check of a container: one of exec, httpGet, tcpSocket or "
                     "grpc." },
    { "Probe", "initialDelaySeconds", "Seconds after the start before the first check; "
                                      "default 0." },
    { "Probe", "timeoutSeconds", "Seconds a check may take; default 1." },
    { "Probe", "periodSeconds", "Seconds between checks; default 10." },
    { "Probe", "successThreshold", "Successes in a row that make a failing probe pass; "
                                   "default 1, and must be 1 for liveness and startup "
                                   "probes." },
    { "Probe", "failureThreshold", "Failures in a row that make the probe fail; default 3." },
    { "Probe", "terminationGracePeriodSeconds", "For a failing liveness or startup probe: the "
                                                "grace period of the stop, instead of the "
                                                "pod's." },
    { "ProbeHandler", "exec", "Run a command in the container; exit status 0 passes." },
    { "ProbeHandler", "httpGet", "Send an HTTP GET; a status from 200 to 399 passes." },
    { "ProbeHandler", "tcpSocket", "Open a TCP connection; connecting passes." },
    { "ProbeHandler", "grpc", "Call the gRPC health checking service; SERVING passes." },
    { "ExecAction", NULL, "A command run inside the container." },
    { "ExecAction", "command", "The command and its arguments, run directly (not through a "
                               "shell) in the container's root and working directory." },
    { "HTTPGetAction", NULL, "An HTTP GET request to the container." },
    { "HTTPGetAction", "path", "The path to request; default \"/\"." },
    { "HTTPGetAction", "port", "The port, by number or by the container port's name." },
    { "HTTPGetAction", "host", "The host to connect to; the pod's IP when empty." },
    { "HTTPGetAction", "scheme", "HTTP (the default) or HTTPS (the certificate is not "
                                 "checked)." },
    { "HTTPGetAction", "httpHeaders", "Headers to send with the request." },
    { "HTTPHeader", "name", "The header's name." },
    { "HTTPHeader", "value", "The header's value." },
    { "TCPSocketAction", NULL, "A TCP connection to the container." },
    { "TCPSocketAction", "port", "The port, by number or by the container port's name." },
    { "TCPSocketAction", "host", "The host to connect to; the pod's IP when empty." },
    { "GRPCAction", NULL, "A call of the standard gRPC health checking service." },
    { "GRPCAction", "port", "The port number of the gRPC server." },
    { "GRPCAction", "service", "The service name to ask about; empty asks about the server "
                               "as a whole." },
    { "SleepAction", "seconds", "How many seconds to wait." },
    { "Lifecycle", NULL, "Actions the kubelet runs at the start and the stop of a "
                         "container." },
    { "Lifecycle", "postStart", "Runs right after the container is created; if it fails, "
                                "the container is killed and restarted by its policy." },
    { "Lifecycle", "preStop", "Runs before the container is sent SIGTERM on a stop; the "
                              "grace period counts its time too." },
    { "LifecycleHandler", "exec", "Run a command in the container." },
    { "LifecycleHandler", "httpGet", "Send an HTTP GET to the container." },
    { "LifecycleHandler", "tcpSocket", "Open a TCP connection (kept for compatibility; not "
                                       "run as a hook)." },
    { "LifecycleHandler", "sleep", "Wait a number of seconds." },

    /* ---- security ---- */
    { "SecurityContext", NULL, "Security settings of one container; they override the "
                               "pod's where both are set." },
    { "SecurityContext", "capabilities", "Linux capabilities to add to or drop from the "
                                         "runtime's default set." },
    { "SecurityContext", "privileged", "Run with all capabilities and access to the node's "
                                       "devices, as root on the node; default false." },
    { "SecurityContext", "seLinuxOptions", "The SELinux context of the container; chosen by "
                                           "the runtime when unset." },
    { "SecurityContext", "windowsOptions", "Settings for Windows containers." },
    { "SecurityContext", "runAsUser", "The user ID the entrypoint runs as; the image's when "
                                      "unset." },
    { "SecurityContext", "runAsGroup", "The group ID the entrypoint runs as; the runtime's "
                                       "default when unset." },
    { "SecurityContext", "runAsNonRoot", "When true, the container is refused if it would "
                                         "run as user 0." },
    { "SecurityContext", "readOnlyRootFilesystem", "Mount the container's root file system "
                                                   "read-only." },
    { "SecurityContext", "allowPrivilegeEscalation", "Whether a process may gain more "
                                                     "privileges than its parent (setuid, "
                                                     "file capabilities); always true when "
                                                     "privileged or with CAP_SYS_ADMIN." },
    { "SecurityContext", "procMount", "Default (paths of /proc masked and read-only) or "
                                      "Unmasked." },
    { "SecurityContext", "seccompProfile", "The seccomp filter of the container." },
    { "SecurityContext", "appArmorProfile", "The AppArmor profile of the container." },
    { "PodSecurityContext", NULL, "Security settings for every container of a pod, and for "
                                  "its volumes." },
    { "PodSecurityContext", "seLinuxOptions", "The SELinux context of all containers." },
    { "PodSecurityContext", "windowsOptions", "Settings for Windows containers." },
    { "PodSecurityContext", "runAsUser", "The user ID the containers' entrypoints run as." },
    { "PodSecurityContext", "runAsGroup", "The group ID the containers' entrypoints run "
                                          "as." },
    { "PodSecurityContext", "runAsNonRoot", "When true, a container that would run as user "
                                            "0 is refused." },
    { "PodSecurityContext", "supplementalGroups", "Extra group IDs for the first process of "
                                                  "every container." },
    { "PodSecurityContext", "supplementalGroupsPolicy", "Merge (the default): add the "
                                                        "groups of the image's /etc/group "
                                                        "too; Strict: only those given "
                                                        "here." },
    { "PodSecurityContext", "fsGroup", "A group that owns the files of the volumes that "
                                       "support it, and that every container process "
                                       "belongs to." },
    { "PodSecurityContext", "fsGroupChangePolicy", "Always (the default): change the "
                                                   "ownership of a volume at every mount; "
                                                   "OnRootMismatch: only when its root "
                                                   "does not match." },
    { "PodSecurityContext", "sysctls", "Namespaced kernel parameters to set for the pod." },
    { "PodSecurityContext", "seccompProfile", "The seccomp filter of all containers." },
    { "PodSecurityContext", "appArmorProfile", "The AppArmor profile of all containers." },
    { "PodSecurityContext", "seLinuxChangePolicy", "MountOption or Recursive: how volumes "
                                                   "get the pod's SELinux label." },
    { "Capabilities", NULL, "Linux capabilities to add and drop, by name (\"NET_ADMIN\", "
                            "\"ALL\")." },
    { "Capabilities", "add", "Capabilities to add." },
    { "Capabilities", "drop", "Capabilities to remove; \"ALL\" removes every one." },
    { "SELinuxOptions", "user", "The SELinux user of the label." },
    { "SELinuxOptions", "role", "The SELinux role of the label." },
    { "SELinuxOptions", "type", "The SELinux type of the label." },
    { "SELinuxOptions", "level", "The SELinux level of the label." },
    { "SeccompProfile", "type", "RuntimeDefault (the runtime's filter), Unconfined (none) or "
                                "Localhost (a file on the node)." },
    { "SeccompProfile", "localhostProfile", "For Localhost: the profile's path under the "
                                            "kubelet's seccomp directory." },
    { "AppArmorProfile", "type", "RuntimeDefault, Unconfined or Localhost (a profile loaded "
                                 "on the node)." },
    { "AppArmorProfile", "localhostProfile", "For Localhost: the name of the loaded "
                                             "profile." },
    { "WindowsSecurityContextOptions", "gmsaCredentialSpecName", "The GMSA credential spec "
                                                                 "to use, by name." },
    { "WindowsSecurityContextOptions", "gmsaCredentialSpec", "The content of a GMSA "
                                                             "credential spec." },
    { "WindowsSecurityContextOptions", "runAsUserName", "The Windows user the entrypoint "
                                                        "runs as." },
    { "WindowsSecurityContextOptions", "hostProcess", "Run as a process on the Windows "
                                                      "host." },

    /* ---- scheduling ---- */
    { "Affinity", NULL, "Rules for where the pod may or should be scheduled." },
    { "Affinity", "nodeAffinity", "Rules on the labels of nodes." },
    { "Affinity", "podAffinity", "Rules to put the pod near pods with given labels." },
    { "Affinity", "podAntiAffinity", "Rules to keep the pod away from pods with given "
                                     "labels." },
    { "NodeAffinity", NULL, "Which nodes the pod must or should run on, by their labels "
                            "and fields." },
    { "NodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "Nodes that do not "
                                                                        "match are not "
                                                                        "used; a running "
                                                                        "pod stays when "
                                                                        "labels change." },
    { "NodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "Nodes matching "
                                                                         "these terms score "
                                                                         "higher, by the "
                                                                         "terms' weights." },
    { "NodeSelector", NULL, "A node matches if it matches any of the terms." },
    { "NodeSelector", "nodeSelectorTerms", "The terms, ORed; at least one." },
    { "NodeSelectorTerm", NULL, "Conditions a node must all meet; an empty term matches no "
                                "node." },
    { "NodeSelectorTerm", "matchExpressions", "Conditions on the node's labels." },
    { "NodeSelectorTerm", "matchFields", "Conditions on the node's fields "
                                         "(metadata.name only)." },
    { "NodeSelectorRequirement", NULL, "One condition on a node label or field." },
    { "NodeSelectorRequirement", "key", "The label or field." },
    { "NodeSelectorRequirement", "operator", "In, NotIn, Exists, DoesNotExist, Gt or Lt." },
    { "NodeSelectorRequirement", "values", "For In and NotIn, the values; for Gt and Lt, one "
                                           "integer; empty for Exists and DoesNotExist." },
    { "PreferredSchedulingTerm", "weight", "How much a match adds to a node's score, 1 to "
                                           "100." },
    { "PreferredSchedulingTerm", "preference", "The term a node should match." },
    { "PodAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "Terms that must all "
                                                                       "hold where the pod "
                                                                       "is placed." },
    { "PodAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "Terms that raise a "
                                                                        "node's score by "
                                                                        "their weights." },
    { "PodAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "Terms whose "
                                                                           "matching pods "
                                                                           "must not be in "
                                                                           "the same "
                                                                           "domain." },
    { "PodAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution", "Terms whose "
                                                                            "matching pods "
                                                                            "lower a node's "
                                                                            "score by their "
                                                                            "weights." },
    { "PodAffinityTerm", NULL, "A set of pods, and the topology domain (node, zone...) "
                               "they are counted in." },
    { "PodAffinityTerm", "labelSelector", "The pods the term is about; none when unset." },
    { "PodAffinityTerm", "namespaces", "Namespaces to look for the pods in; with "
                                       "namespaceSelector unset and this empty, the pod's "
                                       "own." },
    { "PodAffinityTerm", "namespaceSelector", "Namespaces to look in, by their labels; {} "
                                              "means all of them." },
    { "PodAffinityTerm", "topologyKey", "The node label whose value makes a domain "
                                        "(\"kubernetes.io/hostname\", "
                                        "\"topology.kubernetes.io/zone\"); required." },
    { "PodAffinityTerm", "matchLabelKeys", "Label keys whose values, taken from the new "
                                           "pod, are added to labelSelector as equal." },
    { "PodAffinityTerm", "mismatchLabelKeys", "Label keys whose values, taken from the new "
                                              "pod, are added to labelSelector as not "
                                              "equal." },
    { "WeightedPodAffinityTerm", "weight", "How much the term counts, 1 to 100." },
    { "WeightedPodAffinityTerm", "podAffinityTerm", "The term." },
    { "Toleration", NULL, "Lets the pod be scheduled on (or stay on) nodes with a matching "
                          "taint." },
    { "Toleration", "key", "The taint key; empty with operator Exists matches every "
                           "taint." },
    { "Toleration", "operator", "Equal (the default): the value must match; Exists: any "
                                "value." },
    { "Toleration", "value", "The taint value for Equal; empty for Exists." },
    { "Toleration", "effect", "NoSchedule, PreferNoSchedule or NoExecute; empty matches "
                              "all." },
    { "Toleration", "tolerationSeconds", "For NoExecute: how long the pod stays after the "
                                         "taint appears; forever when unset." },
    { "TopologySpreadConstraint", NULL, "How unevenly matching pods may be spread over the "
                                        "domains of a topology key." },
    { "TopologySpreadConstraint", "maxSkew", "The largest allowed difference of matching "
                                             "pods between two domains; at least 1." },
    { "TopologySpreadConstraint", "topologyKey", "The node label whose values make the "
                                                 "domains." },
    { "TopologySpreadConstraint", "whenUnsatisfiable", "DoNotSchedule (the default): keep "
                                                       "the pod pending; ScheduleAnyway: "
                                                       "prefer the least skewed node." },
    { "TopologySpreadConstraint", "labelSelector", "The pods that are counted." },
    { "TopologySpreadConstraint", "minDomains", "The number of domains to assume at least, "
                                                "for DoNotSchedule; default 1." },
    { "TopologySpreadConstraint", "nodeAffinityPolicy", "Honor (the default) or Ignore: "
                                                        "whether nodes the pod's node "
                                                        "affinity rules out are counted." },
    { "TopologySpreadConstraint", "nodeTaintsPolicy", "Ignore (the default) or Honor: "
                                                      "whether nodes with taints the pod "
                                                      "does not tolerate are counted." },
    { "TopologySpreadConstraint", "matchLabelKeys", "Label keys whose values, taken from "
                                                    "the new pod, narrow the selector "
                                                    "(\"pod-template-hash\")." },
    { "TopologySelectorTerm", NULL, "Topology labels a domain must match, all of them." },
    { "TopologySelectorTerm", "matchLabelExpressions", "The conditions." },
    { "TopologySelectorLabelRequirement", "key", "The topology label." },
    { "TopologySelectorLabelRequirement", "values", "Values the label may have." },

    /* ---- the pod status ---- */
    { "PodStatus", NULL, "The observed state of a pod, written by the kubelet." },
    { "PodStatus", "phase", "Pending, Running, Succeeded, Failed or Unknown: where the pod "
                            "is in its life, in one word." },
    { "PodStatus", "conditions", "PodScheduled, Initialized, ContainersReady, Ready..., "
                                 "each true or false." },
    { "PodStatus", "message", "A sentence for people on why the pod is in its state." },
    { "PodStatus", "reason", "A CamelCase word for why the pod is in its state "
                             "(\"Evicted\")." },
    { "PodStatus", "nominatedNodeName", "The node the scheduler is making room on by "
                                        "preempting other pods." },
    { "PodStatus", "hostIP", "The address of the node the pod runs on." },
    { "PodStatus", "hostIPs", "The addresses of the node, one per IP family." },
    { "PodStatus", "podIP", "The pod's address; empty until one is given." },
    { "PodStatus", "podIPs", "The pod's addresses, one per IP family; the first is podIP." },
    { "PodStatus", "startTime", "When the kubelet accepted the pod, before its images were "
                                "pulled." },
    { "PodStatus", "initContainerStatuses", "The state of each init container." },
    { "PodStatus", "containerStatuses", "The state of each container." },
    { "PodStatus", "ephemeralContainerStatuses", "The state of each ephemeral container." },
    { "PodStatus", "qosClass", "Guaranteed, Burstable or BestEffort, from the containers' "
                               "requests and limits." },
    { "PodStatus", "resize", "The state of a requested resize of the containers' "
                             "resources." },
    { "PodStatus", "resourceClaimStatuses", "The claims made for the pod's resourceClaims." },
    { "HostIP", "ip", "An address." },
    { "PodIP", "ip", "An address." },
    { "PodCondition", "type", "PodScheduled, Initialized, ContainersReady, Ready, or a "
                              "readiness gate's." },
    { "PodCondition", "status", "True, False or Unknown." },
    { "PodCondition", "lastProbeTime", "When the condition was last checked." },
    { "PodCondition", "lastTransitionTime", "When status last changed." },
    { "PodCondition", "reason", "A CamelCase word for why." },
    { "PodCondition", "message", "A sentence for people about the state." },
    { "ContainerStatus", NULL, "The state of one container of a pod." },
    { "ContainerStatus", "name", "The container's name." },
    { "ContainerStatus", "state", "What the container is doing now." },
    { "ContainerStatus", "lastState", "How its previous run ended, after a restart." },
    { "ContainerStatus", "ready", "Whether it passes its readiness probe." },
    { "ContainerStatus", "started", "Whether it passed its startup probe (or has none and "
                                    "runs)." },
    { "ContainerStatus", "restartCount", "How many times it was restarted." },
    { "ContainerStatus", "image", "The image it runs." },
    { "ContainerStatus", "imageID", "The image's digest." },
    { "ContainerStatus", "containerID", "The runtime's ID, as <runtime>://<id>." },
    { "ContainerStatus", "allocatedResources", "The resources the node set aside for it." },
    { "ContainerStatus", "resources", "The requests and limits it runs with." },
    { "ContainerStatus", "volumeMounts", "Its mounts as they are." },
    { "ContainerStatus", "user", "The identity its first process runs as." },
    { "ContainerStatus", "allocatedResourcesStatus", "The health of the devices given to "
                                                     "it." },
    { "ContainerState", NULL, "Exactly one of waiting, running or terminated." },
    { "ContainerState", "waiting", "Not running yet (pulling its image, or waiting to "
                                   "restart)." },
    { "ContainerState", "running", "Running." },
    { "ContainerState", "terminated", "Ended, with an exit code." },
    { "ContainerStateWaiting", "reason", "Why it waits (ContainerCreating, "
                                         "ImagePullBackOff, CrashLoopBackOff...)." },
    { "ContainerStateWaiting", "message", "More about why it waits." },
    { "ContainerStateRunning", "startedAt", "When it (last) started." },
    { "ContainerStateTerminated", "exitCode", "Its exit status." },
    { "ContainerStateTerminated", "signal", "The signal that ended it, if one did." },
    { "ContainerStateTerminated", "reason", "Why it ended (Completed, Error, "
                                            "OOMKilled...)." },
    { "ContainerStateTerminated", "message", "Its termination message." },
    { "ContainerStateTerminated", "startedAt", "When it started." },
    { "ContainerStateTerminated", "finishedAt", "When it ended." },
    { "ContainerStateTerminated", "containerID", "The runtime's ID of the ended "
                                                 "container." },
    GT_KDOC_END
};
