/* core/v1 shapes of pods and pod templates: PodSpec with its containers,
 * volumes, probes, security contexts and scheduling terms, PodStatus, and
 * the persistent volume claim spec that volumes and StatefulSets embed. */
#include "kube/shape_internal.h"

/* ---- references and selectors ---- */

SHAPE_SHARED(LocalObjectReference, V("name"));
SHAPE_SHARED(ObjectReference, V("kind"), V("namespace"), V("name"), V("uid"), V("apiVersion"),
             V("resourceVersion"), V("fieldPath"));
SHAPE_SHARED(TypedLocalObjectReference, V("apiGroup"), V("kind"), V("name"));
SHAPE(TypedObjectReference, V("apiGroup"), V("kind"), V("name"), V("namespace"));
SHAPE(ObjectFieldSelector, V("apiVersion"), V("fieldPath"));
SHAPE(ResourceFieldSelector, V("containerName"), V("resource"), V("divisor"));
SHAPE(ConfigMapKeySelector, IN(LocalObjectReference), V("key"), V("optional"));
SHAPE(SecretKeySelector, IN(LocalObjectReference), V("key"), V("optional"));
SHAPE(KeyToPath, V("key"), V("path"), V("mode"));
SHAPE(NodeSelectorRequirement, V("key"), V("operator"), V("values"));
SHAPE(NodeSelectorTerm, L("matchExpressions", NodeSelectorRequirement),
      L("matchFields", NodeSelectorRequirement));
SHAPE_SHARED(NodeSelector, L("nodeSelectorTerms", NodeSelectorTerm));
SHAPE(TopologySelectorLabelRequirement, V("key"), V("values"));
SHAPE_SHARED(TopologySelectorTerm, L("matchLabelExpressions", TopologySelectorLabelRequirement));

/* ---- containers ---- */

SHAPE(ContainerPort, V("name"), V("hostPort"), V("containerPort"), V("protocol"), V("hostIP"));
SHAPE(EnvVarSource, O("fieldRef", ObjectFieldSelector),
      O("resourceFieldRef", ResourceFieldSelector), O("configMapKeyRef", ConfigMapKeySelector),
      O("secretKeyRef", SecretKeySelector));
SHAPE(EnvVar, V("name"), V("value"), O("valueFrom", EnvVarSource));
SHAPE(ConfigMapEnvSource, IN(LocalObjectReference), V("optional"));
SHAPE(SecretEnvSource, IN(LocalObjectReference), V("optional"));
SHAPE(EnvFromSource, V("prefix"), O("configMapRef", ConfigMapEnvSource),
      O("secretRef", SecretEnvSource));
SHAPE(ResourceClaim, V("name"), V("request"));
SHAPE(ResourceRequirements, V("limits"), V("requests"), L("claims", ResourceClaim));
SHAPE(ContainerResizePolicy, V("resourceName"), V("restartPolicy"));
SHAPE(VolumeMount, V("name"), V("readOnly"), V("recursiveReadOnly"), V("mountPath"),
      V("subPath"), V("mountPropagation"), V("subPathExpr"));
SHAPE(VolumeDevice, V("name"), V("devicePath"));
SHAPE(ExecAction, V("command"));
SHAPE(HTTPHeader, V("name"), V("value"));
SHAPE(HTTPGetAction, V("path"), V("port"), V("host"), V("scheme"), L("httpHeaders", HTTPHeader));
SHAPE(TCPSocketAction, V("port"), V("host"));
SHAPE(GRPCAction, V("port"), V("service"));
SHAPE(SleepAction, V("seconds"));
SHAPE(ProbeHandler, O("exec", ExecAction), O("httpGet", HTTPGetAction),
      O("tcpSocket", TCPSocketAction), O("grpc", GRPCAction));
SHAPE(Probe, IN(ProbeHandler), V("initialDelaySeconds"), V("timeoutSeconds"),
      V("periodSeconds"), V("successThreshold"), V("failureThreshold"),
      V("terminationGracePeriodSeconds"));
SHAPE(LifecycleHandler, O("exec", ExecAction), O("httpGet", HTTPGetAction),
      O("tcpSocket", TCPSocketAction), O("sleep", SleepAction));
SHAPE(Lifecycle, O("postStart", LifecycleHandler), O("preStop", LifecycleHandler));
SHAPE(Capabilities, V("add"), V("drop"));
SHAPE(SELinuxOptions, V("user"), V("role"), V("type"), V("level"));
SHAPE(WindowsSecurityContextOptions, V("gmsaCredentialSpecName"), V("gmsaCredentialSpec"),
      V("runAsUserName"), V("hostProcess"));
SHAPE(SeccompProfile, V("type"), V("localhostProfile"));
SHAPE(AppArmorProfile, V("type"), V("localhostProfile"));
SHAPE(SecurityContext, O("capabilities", Capabilities), V("privileged"),
      O("seLinuxOptions", SELinuxOptions), O("windowsOptions", WindowsSecurityContextOptions),
      V("runAsUser"), V("runAsGroup"), V("runAsNonRoot"), V("readOnlyRootFilesystem"),
      V("allowPrivilegeEscalation"), V("procMount"), O("seccompProfile", SeccompProfile),
      O("appArmorProfile", AppArmorProfile));

/* the fields of Container, shared with EphemeralContainer */
#define CONTAINER_FIELDS \
    V("name"), V("image"), V("command"), V("args"), V("workingDir"), \
        L("ports", ContainerPort), L("envFrom", EnvFromSource), L("env", EnvVar), \
        O("resources", ResourceRequirements), L("resizePolicy", ContainerResizePolicy), \
        V("restartPolicy"), L("volumeMounts", VolumeMount), L("volumeDevices", VolumeDevice), \
        O("livenessProbe", Probe), O("readinessProbe", Probe), O("startupProbe", Probe), \
        O("lifecycle", Lifecycle), V("terminationMessagePath"), \
        V("terminationMessagePolicy"), V("imagePullPolicy"), \
        O("securityContext", SecurityContext), V("stdin"), V("stdinOnce"), V("tty")

SHAPE(Container, CONTAINER_FIELDS);
SHAPE(EphemeralContainer, CONTAINER_FIELDS, V("targetContainerName"));

/* ---- persistent volume claims (ephemeral volumes, StatefulSets) ---- */

SHAPE(VolumeResourceRequirements, V("limits"), V("requests"));
SHAPE_SHARED(PersistentVolumeClaimSpec, V("accessModes"), O("selector", LabelSelector),
             O("resources", VolumeResourceRequirements), V("volumeName"),
             V("storageClassName"), V("volumeMode"),
             O("dataSource", TypedLocalObjectReference),
             O("dataSourceRef", TypedObjectReference), V("volumeAttributesClassName"));
SHAPE(PersistentVolumeClaimCondition, V("type"), V("status"), V("lastProbeTime"),
      V("lastTransitionTime"), V("reason"), V("message"));
SHAPE(ModifyVolumeStatus, V("targetVolumeAttributesClassName"), V("status"));
SHAPE_SHARED(PersistentVolumeClaimStatus, V("phase"), V("accessModes"), V("capacity"),
             L("conditions", PersistentVolumeClaimCondition), V("allocatedResources"),
             V("allocatedResourceStatuses"), V("currentVolumeAttributesClassName"),
             O("modifyVolumeStatus", ModifyVolumeStatus));
SHAPE(PersistentVolumeClaimTemplate, O("metadata", ObjectMeta),
      O("spec", PersistentVolumeClaimSpec));

/* ---- volumes ---- */

SHAPE(HostPathVolumeSource, V("path"), V("type"));
SHAPE(EmptyDirVolumeSource, V("medium"), V("sizeLimit"));
SHAPE(GCEPersistentDiskVolumeSource, V("pdName"), V("fsType"), V("partition"), V("readOnly"));
SHAPE(AWSElasticBlockStoreVolumeSource, V("volumeID"), V("fsType"), V("partition"),
      V("readOnly"));
SHAPE(GitRepoVolumeSource, V("repository"), V("revision"), V("directory"));
SHAPE(SecretVolumeSource, V("secretName"), L("items", KeyToPath), V("defaultMode"),
      V("optional"));
SHAPE(NFSVolumeSource, V("server"), V("path"), V("readOnly"));
SHAPE(ISCSIVolumeSource, V("targetPortal"), V("iqn"), V("lun"), V("iscsiInterface"),
      V("fsType"), V("readOnly"), V("portals"), V("chapAuthDiscovery"), V("chapAuthSession"),
      O("secretRef", LocalObjectReference), V("initiatorName"));
SHAPE(GlusterfsVolumeSource, V("endpoints"), V("path"), V("readOnly"));
SHAPE(PersistentVolumeClaimVolumeSource, V("claimName"), V("readOnly"));
SHAPE(RBDVolumeSource, V("monitors"), V("image"), V("fsType"), V("pool"), V("user"),
      V("keyring"), O("secretRef", LocalObjectReference), V("readOnly"));
SHAPE(FlexVolumeSource, V("driver"), V("fsType"), O("secretRef", LocalObjectReference),
      V("readOnly"), V("options"));
SHAPE(CinderVolumeSource, V("volumeID"), V("fsType"), V("readOnly"),
      O("secretRef", LocalObjectReference));
SHAPE(CephFSVolumeSource, V("monitors"), V("path"), V("user"), V("secretFile"),
      O("secretRef", LocalObjectReference), V("readOnly"));
SHAPE(FlockerVolumeSource, V("datasetName"), V("datasetUUID"));
SHAPE(DownwardAPIVolumeFile, V("path"), O("fieldRef", ObjectFieldSelector),
      O("resourceFieldRef", ResourceFieldSelector), V("mode"));
SHAPE(DownwardAPIVolumeSource, L("items", DownwardAPIVolumeFile), V("defaultMode"));
SHAPE(FCVolumeSource, V("targetWWNs"), V("lun"), V("fsType"), V("readOnly"), V("wwids"));
SHAPE(AzureFileVolumeSource, V("secretName"), V("shareName"), V("readOnly"));
SHAPE(ConfigMapVolumeSource, IN(LocalObjectReference), L("items", KeyToPath),
      V("defaultMode"), V("optional"));
SHAPE(VsphereVirtualDiskVolumeSource, V("volumePath"), V("fsType"), V("storagePolicyName"),
      V("storagePolicyID"));
SHAPE(QuobyteVolumeSource, V("registry"), V("volume"), V("readOnly"), V("user"), V("group"),
      V("tenant"));
SHAPE(AzureDiskVolumeSource, V("diskName"), V("diskURI"), V("cachingMode"), V("fsType"),
      V("readOnly"), V("kind"));
SHAPE(PhotonPersistentDiskVolumeSource, V("pdID"), V("fsType"));
SHAPE(SecretProjection, IN(LocalObjectReference), L("items", KeyToPath), V("optional"));
SHAPE(DownwardAPIProjection, L("items", DownwardAPIVolumeFile));
SHAPE(ConfigMapProjection, IN(LocalObjectReference), L("items", KeyToPath), V("optional"));
SHAPE(ServiceAccountTokenProjection, V("audience"), V("expirationSeconds"), V("path"));
SHAPE(ClusterTrustBundleProjection, V("name"), V("signerName"),
      O("labelSelector", LabelSelector), V("optional"), V("path"));
SHAPE(VolumeProjection, O("secret", SecretProjection), O("downwardAPI", DownwardAPIProjection),
      O("configMap", ConfigMapProjection),
      O("serviceAccountToken", ServiceAccountTokenProjection),
      O("clusterTrustBundle", ClusterTrustBundleProjection));
SHAPE(ProjectedVolumeSource, L("sources", VolumeProjection), V("defaultMode"));
SHAPE(PortworxVolumeSource, V("volumeID"), V("fsType"), V("readOnly"));
SHAPE(ScaleIOVolumeSource, V("gateway"), V("system"), O("secretRef", LocalObjectReference),
      V("sslEnabled"), V("protectionDomain"), V("storagePool"), V("storageMode"),
      V("volumeName"), V("fsType"), V("readOnly"));
SHAPE(StorageOSVolumeSource, V("volumeName"), V("volumeNamespace"), V("fsType"), V("readOnly"),
      O("secretRef", LocalObjectReference));
SHAPE(CSIVolumeSource, V("driver"), V("readOnly"), V("fsType"), V("volumeAttributes"),
      O("nodePublishSecretRef", LocalObjectReference));
SHAPE(EphemeralVolumeSource, O("volumeClaimTemplate", PersistentVolumeClaimTemplate));
SHAPE(ImageVolumeSource, V("reference"), V("pullPolicy"));
SHAPE(VolumeSource, O("hostPath", HostPathVolumeSource), O("emptyDir", EmptyDirVolumeSource),
      O("gcePersistentDisk", GCEPersistentDiskVolumeSource),
      O("awsElasticBlockStore", AWSElasticBlockStoreVolumeSource),
      O("gitRepo", GitRepoVolumeSource), O("secret", SecretVolumeSource),
      O("nfs", NFSVolumeSource), O("iscsi", ISCSIVolumeSource),
      O("glusterfs", GlusterfsVolumeSource),
      O("persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
      O("rbd", RBDVolumeSource), O("flexVolume", FlexVolumeSource),
      O("cinder", CinderVolumeSource), O("cephfs", CephFSVolumeSource),
      O("flocker", FlockerVolumeSource), O("downwardAPI", DownwardAPIVolumeSource),
      O("fc", FCVolumeSource), O("azureFile", AzureFileVolumeSource),
      O("configMap", ConfigMapVolumeSource),
      O("vsphereVolume", VsphereVirtualDiskVolumeSource), O("quobyte", QuobyteVolumeSource),
      O("azureDisk", AzureDiskVolumeSource),
      O("photonPersistentDisk", PhotonPersistentDiskVolumeSource),
      O("projected", ProjectedVolumeSource), O("portworxVolume", PortworxVolumeSource),
      O("scaleIO", ScaleIOVolumeSource), O("storageos", StorageOSVolumeSource),
      O("csi", CSIVolumeSource), O("ephemeral", EphemeralVolumeSource),
      O("image", ImageVolumeSource));
SHAPE(Volume, V("name"), IN(VolumeSource));

/* ---- scheduling ---- */

SHAPE(PreferredSchedulingTerm, V("weight"), O("preference", NodeSelectorTerm));
SHAPE(NodeAffinity, O("requiredDuringSchedulingIgnoredDuringExecution", NodeSelector),
      L("preferredDuringSchedulingIgnoredDuringExecution", PreferredSchedulingTerm));
SHAPE(PodAffinityTerm, O("labelSelector", LabelSelector), V("namespaces"), V("topologyKey"),
      O("namespaceSelector", LabelSelector), V("matchLabelKeys"), V("mismatchLabelKeys"));
SHAPE(WeightedPodAffinityTerm, V("weight"), O("podAffinityTerm", PodAffinityTerm));
SHAPE(PodAffinity, L("requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
      L("preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
SHAPE(PodAntiAffinity, L("requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
      L("preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
SHAPE(Affinity, O("nodeAffinity", NodeAffinity), O("podAffinity", PodAffinity),
      O("podAntiAffinity", PodAntiAffinity));
SHAPE(Toleration, V("key"), V("operator"), V("value"), V("effect"), V("tolerationSeconds"));
SHAPE(TopologySpreadConstraint, V("maxSkew"), V("topologyKey"), V("whenUnsatisfiable"),
      O("labelSelector", LabelSelector), V("minDomains"), V("nodeAffinityPolicy"),
      V("nodeTaintsPolicy"), V("matchLabelKeys"));

/* ---- the pod spec ---- */

SHAPE(Sysctl, V("name"), V("value"));
SHAPE(PodSecurityContext, O("seLinuxOptions", SELinuxOptions),
      O("windowsOptions", WindowsSecurityContextOptions), V("runAsUser"), V("runAsGroup"),
      V("runAsNonRoot"), V("supplementalGroups"), V("supplementalGroupsPolicy"), V("fsGroup"),
      L("sysctls", Sysctl), V("fsGroupChangePolicy"), O("seccompProfile", SeccompProfile),
      O("appArmorProfile", AppArmorProfile), V("seLinuxChangePolicy"));
SHAPE(HostAlias, V("ip"), V("hostnames"));
SHAPE(PodDNSConfigOption, V("name"), V("value"));
SHAPE(PodDNSConfig, V("nameservers"), V("searches"), L("options", PodDNSConfigOption));
SHAPE(PodReadinessGate, V("conditionType"));
SHAPE(PodOS, V("name"));
SHAPE(PodSchedulingGate, V("name"));
SHAPE(PodResourceClaim, V("name"), V("resourceClaimName"), V("resourceClaimTemplateName"));
SHAPE_SHARED(PodSpec, L("volumes", Volume), L("initContainers", Container),
             L("containers", Container), L("ephemeralContainers", EphemeralContainer),
             V("restartPolicy"), V("terminationGracePeriodSeconds"),
             V("activeDeadlineSeconds"), V("dnsPolicy"), V("nodeSelector"),
             V("serviceAccountName"), V("serviceAccount"), V("automountServiceAccountToken"),
             V("nodeName"), V("hostNetwork"), V("hostPID"), V("hostIPC"),
             V("shareProcessNamespace"), O("securityContext", PodSecurityContext),
             L("imagePullSecrets", LocalObjectReference), V("hostname"), V("subdomain"),
             O("affinity", Affinity), V("schedulerName"), L("tolerations", Toleration),
             L("hostAliases", HostAlias), V("priorityClassName"), V("priority"),
             O("dnsConfig", PodDNSConfig), L("readinessGates", PodReadinessGate),
             V("runtimeClassName"), V("enableServiceLinks"), V("preemptionPolicy"),
             V("overhead"), L("topologySpreadConstraints", TopologySpreadConstraint),
             V("setHostnameAsFQDN"), O("os", PodOS), V("hostUsers"),
             L("schedulingGates", PodSchedulingGate),
             L("resourceClaims", PodResourceClaim), O("resources", ResourceRequirements));
SHAPE_SHARED(PodTemplateSpec, O("metadata", ObjectMeta), O("spec", PodSpec));

/* ---- the pod status ---- */

SHAPE(PodCondition, V("type"), V("status"), V("lastProbeTime"), V("lastTransitionTime"),
      V("reason"), V("message"));
SHAPE(HostIP, V("ip"));
SHAPE(PodIP, V("ip"));
SHAPE(ContainerStateWaiting, V("reason"), V("message"));
SHAPE(ContainerStateRunning, V("startedAt"));
SHAPE(ContainerStateTerminated, V("exitCode"), V("signal"), V("reason"), V("message"),
      V("startedAt"), V("finishedAt"), V("containerID"));
SHAPE(ContainerState, O("waiting", ContainerStateWaiting), O("running", ContainerStateRunning),
      O("terminated", ContainerStateTerminated));
SHAPE(VolumeMountStatus, V("name"), V("mountPath"), V("readOnly"), V("recursiveReadOnly"));
SHAPE(LinuxContainerUser, V("uid"), V("gid"), V("supplementalGroups"));
SHAPE(ContainerUser, O("linux", LinuxContainerUser));
SHAPE(ResourceHealth, V("resourceID"), V("health"));
SHAPE(ResourceStatus, V("name"), L("resources", ResourceHealth));
SHAPE(ContainerStatus, V("name"), O("state", ContainerState), O("lastState", ContainerState),
      V("ready"), V("restartCount"), V("image"), V("imageID"), V("containerID"), V("started"),
      V("allocatedResources"), O("resources", ResourceRequirements),
      L("volumeMounts", VolumeMountStatus), O("user", ContainerUser),
      L("allocatedResourcesStatus", ResourceStatus));
SHAPE(PodResourceClaimStatus, V("name"), V("resourceClaimName"));
SHAPE(PodStatus, V("phase"), L("conditions", PodCondition), V("message"), V("reason"),
      V("nominatedNodeName"), V("hostIP"), L("hostIPs", HostIP), V("podIP"),
      L("podIPs", PodIP), V("startTime"), L("initContainerStatuses", ContainerStatus),
      L("containerStatuses", ContainerStatus), V("qosClass"),
      L("ephemeralContainerStatuses", ContainerStatus), V("resize"),
      L("resourceClaimStatuses", PodResourceClaimStatus));

XSHAPE(pod, Pod, O("spec", PodSpec), O("status", PodStatus));
