/* core/v1 shapes of pods and pod templates: PodSpec with its containers,
 * volumes, probes, security contexts and scheduling terms, PodStatus, and
 * the persistent volume claim spec that volumes and StatefulSets embed. */
#include "kube/shape_internal.h"

/* ---- references and selectors ---- */

SHAPE_SHARED(LocalObjectReference, VS("name"));
SHAPE_SHARED(ObjectReference, VS("kind"), VS("namespace"), VS("name"), VS("uid"), VS("apiVersion"),
             VS("resourceVersion"), VS("fieldPath"));
SHAPE_SHARED(TypedLocalObjectReference, VS("apiGroup"), VS("kind"), VS("name"));
SHAPE(TypedObjectReference, VS("apiGroup"), VS("kind"), VS("name"), VS("namespace"));
SHAPE(ObjectFieldSelector, VS("apiVersion"), VS("fieldPath"));
SHAPE(ResourceFieldSelector, VS("containerName"), VS("resource"), VQ("divisor"));
SHAPE(ConfigMapKeySelector, IN(LocalObjectReference), VS("key"), VB("optional"));
SHAPE(SecretKeySelector, IN(LocalObjectReference), VS("key"), VB("optional"));
SHAPE(KeyToPath, VS("key"), VS("path"), VI("mode"));
SHAPE(NodeSelectorRequirement, VS("key"), VS("operator"), VSL("values"));
SHAPE(NodeSelectorTerm, L("matchExpressions", NodeSelectorRequirement),
      L("matchFields", NodeSelectorRequirement));
SHAPE_SHARED(NodeSelector, L("nodeSelectorTerms", NodeSelectorTerm));
SHAPE(TopologySelectorLabelRequirement, VS("key"), VSL("values"));
SHAPE_SHARED(TopologySelectorTerm, L("matchLabelExpressions", TopologySelectorLabelRequirement));

/* ---- containers ---- */

SHAPE(ContainerPort, VS("name"), VI("hostPort"), VI("containerPort"), VS("protocol"), VS("hostIP"));
SHAPE(EnvVarSource, O("fieldRef", ObjectFieldSelector),
      O("resourceFieldRef", ResourceFieldSelector), O("configMapKeyRef", ConfigMapKeySelector),
      O("secretKeyRef", SecretKeySelector));
SHAPE(EnvVar, VS("name"), VS("value"), O("valueFrom", EnvVarSource));
SHAPE(ConfigMapEnvSource, IN(LocalObjectReference), VB("optional"));
SHAPE(SecretEnvSource, IN(LocalObjectReference), VB("optional"));
SHAPE(EnvFromSource, VS("prefix"), O("configMapRef", ConfigMapEnvSource),
      O("secretRef", SecretEnvSource));
SHAPE(ResourceClaim, VS("name"), VS("request"));
SHAPE(ResourceRequirements, VMQ("limits"), VMQ("requests"), L("claims", ResourceClaim));
SHAPE(ContainerResizePolicy, VS("resourceName"), VS("restartPolicy"));
SHAPE(VolumeMount, VS("name"), VB("readOnly"), VS("recursiveReadOnly"), VS("mountPath"),
      VS("subPath"), VS("mountPropagation"), VS("subPathExpr"));
SHAPE(VolumeDevice, VS("name"), VS("devicePath"));
SHAPE(ExecAction, VSL("command"));
SHAPE(HTTPHeader, VS("name"), VS("value"));
SHAPE(HTTPGetAction, VS("path"), VIS("port"), VS("host"), VS("scheme"),
      L("httpHeaders", HTTPHeader));
SHAPE(TCPSocketAction, VIS("port"), VS("host"));
SHAPE(GRPCAction, VI("port"), VS("service"));
SHAPE(SleepAction, VL("seconds"));
SHAPE(ProbeHandler, O("exec", ExecAction), O("httpGet", HTTPGetAction),
      O("tcpSocket", TCPSocketAction), O("grpc", GRPCAction));
SHAPE(Probe, IN(ProbeHandler), VI("initialDelaySeconds"), VI("timeoutSeconds"),
      VI("periodSeconds"), VI("successThreshold"), VI("failureThreshold"),
      VL("terminationGracePeriodSeconds"));
SHAPE(LifecycleHandler, O("exec", ExecAction), O("httpGet", HTTPGetAction),
      O("tcpSocket", TCPSocketAction), O("sleep", SleepAction));
SHAPE(Lifecycle, O("postStart", LifecycleHandler), O("preStop", LifecycleHandler));
SHAPE(Capabilities, VSL("add"), VSL("drop"));
SHAPE(SELinuxOptions, VS("user"), VS("role"), VS("type"), VS("level"));
SHAPE(WindowsSecurityContextOptions, VS("gmsaCredentialSpecName"), VS("gmsaCredentialSpec"),
      VS("runAsUserName"), VB("hostProcess"));
SHAPE(SeccompProfile, VS("type"), VS("localhostProfile"));
SHAPE(AppArmorProfile, VS("type"), VS("localhostProfile"));
SHAPE(SecurityContext, O("capabilities", Capabilities), VB("privileged"),
      O("seLinuxOptions", SELinuxOptions), O("windowsOptions", WindowsSecurityContextOptions),
      VL("runAsUser"), VL("runAsGroup"), VB("runAsNonRoot"), VB("readOnlyRootFilesystem"),
      VB("allowPrivilegeEscalation"), VS("procMount"), O("seccompProfile", SeccompProfile),
      O("appArmorProfile", AppArmorProfile));

/* the fields of Container, shared with EphemeralContainer */
#define CONTAINER_FIELDS \
    VS("name"), VS("image"), VSL("command"), VSL("args"), VS("workingDir"), \
        L("ports", ContainerPort), L("envFrom", EnvFromSource), L("env", EnvVar), \
        O("resources", ResourceRequirements), L("resizePolicy", ContainerResizePolicy), \
        VS("restartPolicy"), L("volumeMounts", VolumeMount), L("volumeDevices", VolumeDevice), \
        O("livenessProbe", Probe), O("readinessProbe", Probe), O("startupProbe", Probe), \
        O("lifecycle", Lifecycle), VS("terminationMessagePath"), \
        VS("terminationMessagePolicy"), VS("imagePullPolicy"), \
        O("securityContext", SecurityContext), VB("stdin"), VB("stdinOnce"), VB("tty")

SHAPE(Container, CONTAINER_FIELDS);
SHAPE(EphemeralContainer, CONTAINER_FIELDS, VS("targetContainerName"));

/* ---- persistent volume claims (ephemeral volumes, StatefulSets) ---- */

SHAPE(VolumeResourceRequirements, VMQ("limits"), VMQ("requests"));
SHAPE_SHARED(PersistentVolumeClaimSpec, VSL("accessModes"), O("selector", LabelSelector),
             O("resources", VolumeResourceRequirements), VS("volumeName"),
             VS("storageClassName"), VS("volumeMode"),
             O("dataSource", TypedLocalObjectReference),
             O("dataSourceRef", TypedObjectReference), VS("volumeAttributesClassName"));
SHAPE(PersistentVolumeClaimCondition, VS("type"), VS("status"), VTM("lastProbeTime"),
      VTM("lastTransitionTime"), VS("reason"), VS("message"));
SHAPE(ModifyVolumeStatus, VS("targetVolumeAttributesClassName"), VS("status"));
SHAPE_SHARED(PersistentVolumeClaimStatus, VS("phase"), VSL("accessModes"), VMQ("capacity"),
             L("conditions", PersistentVolumeClaimCondition), VMQ("allocatedResources"),
             VMS("allocatedResourceStatuses"), VS("currentVolumeAttributesClassName"),
             O("modifyVolumeStatus", ModifyVolumeStatus));
SHAPE(PersistentVolumeClaimTemplate, O("metadata", ObjectMeta),
      O("spec", PersistentVolumeClaimSpec));

/* ---- volumes ---- */

SHAPE(HostPathVolumeSource, VS("path"), VS("type"));
SHAPE(EmptyDirVolumeSource, VS("medium"), VQ("sizeLimit"));
SHAPE(GCEPersistentDiskVolumeSource, VS("pdName"), VS("fsType"), VI("partition"), VB("readOnly"));
SHAPE(AWSElasticBlockStoreVolumeSource, VS("volumeID"), VS("fsType"), VI("partition"),
      VB("readOnly"));
SHAPE(GitRepoVolumeSource, VS("repository"), VS("revision"), VS("directory"));
SHAPE(SecretVolumeSource, VS("secretName"), L("items", KeyToPath), VI("defaultMode"),
      VB("optional"));
SHAPE(NFSVolumeSource, VS("server"), VS("path"), VB("readOnly"));
SHAPE(ISCSIVolumeSource, VS("targetPortal"), VS("iqn"), VI("lun"), VS("iscsiInterface"),
      VS("fsType"), VB("readOnly"), VSL("portals"), VB("chapAuthDiscovery"), VB("chapAuthSession"),
      O("secretRef", LocalObjectReference), VS("initiatorName"));
SHAPE(GlusterfsVolumeSource, VS("endpoints"), VS("path"), VB("readOnly"));
SHAPE(PersistentVolumeClaimVolumeSource, VS("claimName"), VB("readOnly"));
SHAPE(RBDVolumeSource, VSL("monitors"), VS("image"), VS("fsType"), VS("pool"), VS("user"),
      VS("keyring"), O("secretRef", LocalObjectReference), VB("readOnly"));
SHAPE(FlexVolumeSource, VS("driver"), VS("fsType"), O("secretRef", LocalObjectReference),
      VB("readOnly"), VMS("options"));
SHAPE(CinderVolumeSource, VS("volumeID"), VS("fsType"), VB("readOnly"),
      O("secretRef", LocalObjectReference));
SHAPE(CephFSVolumeSource, VSL("monitors"), VS("path"), VS("user"), VS("secretFile"),
      O("secretRef", LocalObjectReference), VB("readOnly"));
SHAPE(FlockerVolumeSource, VS("datasetName"), VS("datasetUUID"));
SHAPE(DownwardAPIVolumeFile, VS("path"), O("fieldRef", ObjectFieldSelector),
      O("resourceFieldRef", ResourceFieldSelector), VI("mode"));
SHAPE(DownwardAPIVolumeSource, L("items", DownwardAPIVolumeFile), VI("defaultMode"));
SHAPE(FCVolumeSource, VSL("targetWWNs"), VI("lun"), VS("fsType"), VB("readOnly"), VSL("wwids"));
SHAPE(AzureFileVolumeSource, VS("secretName"), VS("shareName"), VB("readOnly"));
SHAPE(ConfigMapVolumeSource, IN(LocalObjectReference), L("items", KeyToPath),
      VI("defaultMode"), VB("optional"));
SHAPE(VsphereVirtualDiskVolumeSource, VS("volumePath"), VS("fsType"), VS("storagePolicyName"),
      VS("storagePolicyID"));
SHAPE(QuobyteVolumeSource, VS("registry"), VS("volume"), VB("readOnly"), VS("user"), VS("group"),
      VS("tenant"));
SHAPE(AzureDiskVolumeSource, VS("diskName"), VS("diskURI"), VS("cachingMode"), VS("fsType"),
      VB("readOnly"), VS("kind"));
SHAPE(PhotonPersistentDiskVolumeSource, VS("pdID"), VS("fsType"));
SHAPE(SecretProjection, IN(LocalObjectReference), L("items", KeyToPath), VB("optional"));
SHAPE(DownwardAPIProjection, L("items", DownwardAPIVolumeFile));
SHAPE(ConfigMapProjection, IN(LocalObjectReference), L("items", KeyToPath), VB("optional"));
SHAPE(ServiceAccountTokenProjection, VS("audience"), VL("expirationSeconds"), VS("path"));
SHAPE(ClusterTrustBundleProjection, VS("name"), VS("signerName"),
      O("labelSelector", LabelSelector), VB("optional"), VS("path"));
SHAPE(VolumeProjection, O("secret", SecretProjection), O("downwardAPI", DownwardAPIProjection),
      O("configMap", ConfigMapProjection),
      O("serviceAccountToken", ServiceAccountTokenProjection),
      O("clusterTrustBundle", ClusterTrustBundleProjection));
SHAPE(ProjectedVolumeSource, L("sources", VolumeProjection), VI("defaultMode"));
SHAPE(PortworxVolumeSource, VS("volumeID"), VS("fsType"), VB("readOnly"));
SHAPE(ScaleIOVolumeSource, VS("gateway"), VS("system"), O("secretRef", LocalObjectReference),
      VB("sslEnabled"), VS("protectionDomain"), VS("storagePool"), VS("storageMode"),
      VS("volumeName"), VS("fsType"), VB("readOnly"));
SHAPE(StorageOSVolumeSource, VS("volumeName"), VS("volumeNamespace"), VS("fsType"), VB("readOnly"),
      O("secretRef", LocalObjectReference));
SHAPE(CSIVolumeSource, VS("driver"), VB("readOnly"), VS("fsType"), VMS("volumeAttributes"),
      O("nodePublishSecretRef", LocalObjectReference));
SHAPE(EphemeralVolumeSource, O("volumeClaimTemplate", PersistentVolumeClaimTemplate));
SHAPE(ImageVolumeSource, VS("reference"), VS("pullPolicy"));
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
SHAPE(Volume, VS("name"), IN(VolumeSource));

/* ---- scheduling ---- */

SHAPE(PreferredSchedulingTerm, VI("weight"), O("preference", NodeSelectorTerm));
SHAPE(NodeAffinity, O("requiredDuringSchedulingIgnoredDuringExecution", NodeSelector),
      L("preferredDuringSchedulingIgnoredDuringExecution", PreferredSchedulingTerm));
SHAPE(PodAffinityTerm, O("labelSelector", LabelSelector), VSL("namespaces"), VS("topologyKey"),
      O("namespaceSelector", LabelSelector), VSL("matchLabelKeys"), VSL("mismatchLabelKeys"));
SHAPE(WeightedPodAffinityTerm, VI("weight"), O("podAffinityTerm", PodAffinityTerm));
SHAPE(PodAffinity, L("requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
      L("preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
SHAPE(PodAntiAffinity, L("requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
      L("preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
SHAPE(Affinity, O("nodeAffinity", NodeAffinity), O("podAffinity", PodAffinity),
      O("podAntiAffinity", PodAntiAffinity));
SHAPE(Toleration, VS("key"), VS("operator"), VS("value"), VS("effect"), VL("tolerationSeconds"));
SHAPE(TopologySpreadConstraint, VI("maxSkew"), VS("topologyKey"), VS("whenUnsatisfiable"),
      O("labelSelector", LabelSelector), VI("minDomains"), VS("nodeAffinityPolicy"),
      VS("nodeTaintsPolicy"), VSL("matchLabelKeys"));

/* ---- the pod spec ---- */

SHAPE(Sysctl, VS("name"), VS("value"));
SHAPE(PodSecurityContext, O("seLinuxOptions", SELinuxOptions),
      O("windowsOptions", WindowsSecurityContextOptions), VL("runAsUser"), VL("runAsGroup"),
      VB("runAsNonRoot"), VLL("supplementalGroups"), VS("supplementalGroupsPolicy"), VL("fsGroup"),
      L("sysctls", Sysctl), VS("fsGroupChangePolicy"), O("seccompProfile", SeccompProfile),
      O("appArmorProfile", AppArmorProfile), VS("seLinuxChangePolicy"));
SHAPE(HostAlias, VS("ip"), VSL("hostnames"));
SHAPE(PodDNSConfigOption, VS("name"), VS("value"));
SHAPE(PodDNSConfig, VSL("nameservers"), VSL("searches"), L("options", PodDNSConfigOption));
SHAPE(PodReadinessGate, VS("conditionType"));
SHAPE(PodOS, VS("name"));
SHAPE(PodSchedulingGate, VS("name"));
SHAPE(PodResourceClaim, VS("name"), VS("resourceClaimName"), VS("resourceClaimTemplateName"));
SHAPE_SHARED(PodSpec, L("volumes", Volume), L("initContainers", Container),
             L("containers", Container), L("ephemeralContainers", EphemeralContainer),
             VS("restartPolicy"), VL("terminationGracePeriodSeconds"),
             VL("activeDeadlineSeconds"), VS("dnsPolicy"), VMS("nodeSelector"),
             VS("serviceAccountName"), VS("serviceAccount"), VB("automountServiceAccountToken"),
             VS("nodeName"), VB("hostNetwork"), VB("hostPID"), VB("hostIPC"),
             VB("shareProcessNamespace"), O("securityContext", PodSecurityContext),
             L("imagePullSecrets", LocalObjectReference), VS("hostname"), VS("subdomain"),
             O("affinity", Affinity), VS("schedulerName"), L("tolerations", Toleration),
             L("hostAliases", HostAlias), VS("priorityClassName"), VI("priority"),
             O("dnsConfig", PodDNSConfig), L("readinessGates", PodReadinessGate),
             VS("runtimeClassName"), VB("enableServiceLinks"), VS("preemptionPolicy"),
             VMQ("overhead"), L("topologySpreadConstraints", TopologySpreadConstraint),
             VB("setHostnameAsFQDN"), O("os", PodOS), VB("hostUsers"),
             L("schedulingGates", PodSchedulingGate),
             L("resourceClaims", PodResourceClaim), O("resources", ResourceRequirements));
SHAPE_SHARED(PodTemplateSpec, O("metadata", ObjectMeta), O("spec", PodSpec));

/* ---- the pod status ---- */

SHAPE(PodCondition, VS("type"), VS("status"), VTM("lastProbeTime"), VTM("lastTransitionTime"),
      VS("reason"), VS("message"));
SHAPE(HostIP, VS("ip"));
SHAPE(PodIP, VS("ip"));
SHAPE(ContainerStateWaiting, VS("reason"), VS("message"));
SHAPE(ContainerStateRunning, VTM("startedAt"));
SHAPE(ContainerStateTerminated, VI("exitCode"), VI("signal"), VS("reason"), VS("message"),
      VTM("startedAt"), VTM("finishedAt"), VS("containerID"));
SHAPE(ContainerState, O("waiting", ContainerStateWaiting), O("running", ContainerStateRunning),
      O("terminated", ContainerStateTerminated));
SHAPE(VolumeMountStatus, VS("name"), VS("mountPath"), VB("readOnly"), VS("recursiveReadOnly"));
SHAPE(LinuxContainerUser, VL("uid"), VL("gid"), VLL("supplementalGroups"));
SHAPE(ContainerUser, O("linux", LinuxContainerUser));
SHAPE(ResourceHealth, VS("resourceID"), VS("health"));
SHAPE(ResourceStatus, VS("name"), L("resources", ResourceHealth));
SHAPE(ContainerStatus, VS("name"), O("state", ContainerState), O("lastState", ContainerState),
      VB("ready"), VI("restartCount"), VS("image"), VS("imageID"), VS("containerID"), VB("started"),
      VMQ("allocatedResources"), O("resources", ResourceRequirements),
      L("volumeMounts", VolumeMountStatus), O("user", ContainerUser),
      L("allocatedResourcesStatus", ResourceStatus));
SHAPE(PodResourceClaimStatus, VS("name"), VS("resourceClaimName"));
SHAPE(PodStatus, VS("phase"), L("conditions", PodCondition), VS("message"), VS("reason"),
      VS("nominatedNodeName"), VS("hostIP"), L("hostIPs", HostIP), VS("podIP"),
      L("podIPs", PodIP), VTM("startTime"), L("initContainerStatuses", ContainerStatus),
      L("containerStatuses", ContainerStatus), VS("qosClass"),
      L("ephemeralContainerStatuses", ContainerStatus), VS("resize"),
      L("resourceClaimStatuses", PodResourceClaimStatus));

XSHAPE(pod, Pod, O("spec", PodSpec), O("status", PodStatus));
