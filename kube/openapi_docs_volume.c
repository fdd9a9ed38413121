/* Descriptions of core/v1 volume types (kube/shape_pod.c): the volumes of
 * a pod, their sources, and the persistent volume claim spec.  The lookup
 * and the rules of the table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_volume[] = {
    { "Volume", NULL, "A directory the containers of a pod can mount, and where its content "
                      "comes from (one source)." },
    { "Volume", "name", "The volume's name, which mounts refer to; a DNS label unique in "
                        "the pod." },
    { "VolumeSource", "emptyDir", "A directory that starts empty and lives as long as the "
                                  "pod." },
    { "VolumeSource", "hostPath", "A file or directory of the node; for system pods, as it "
                                  "ties the pod to the node." },
    { "VolumeSource", "configMap", "The keys of a config map, as files." },
    { "VolumeSource", "secret", "The keys of a secret, as files." },
    { "VolumeSource", "persistentVolumeClaim", "The storage bound to a claim of the pod's "
                                               "namespace." },
    { "VolumeSource", "projected", "Config maps, secrets, downward API files and service "
                                   "account tokens merged into one directory." },
    { "VolumeSource", "downwardAPI", "Fields of the pod and resources of its containers, "
                                     "as files." },
    { "VolumeSource", "ephemeral", "A volume from a claim made for the pod and deleted with "
                                   "it." },
    { "VolumeSource", "csi", "A volume a CSI driver provides for the pod's lifetime." },
    { "VolumeSource", "image", "The content of an OCI image or artifact, read-only." },
    { "VolumeSource", "nfs", "An NFS export." },
    { "VolumeSource", "iscsi", "An iSCSI disk." },
    { "VolumeSource", "fc", "A Fibre Channel disk." },
    { "VolumeSource", "gitRepo", "Deprecated: a git repository cloned into an empty "
                                 "directory; use an init container instead." },
    { "VolumeSource", "gcePersistentDisk", "Deprecated: a GCE disk (the CSI driver handles "
                                           "it)." },
    { "VolumeSource", "awsElasticBlockStore", "Deprecated: an AWS EBS volume (the CSI driver "
                                              "handles it)." },
    { "VolumeSource", "azureDisk", "Deprecated: an Azure data disk (the CSI driver handles "
                                   "it)." },
    { "VolumeSource", "azureFile", "Deprecated: an Azure file share (the CSI driver handles "
                                   "it)." },
    { "VolumeSource", "cinder", "Deprecated: an OpenStack Cinder volume (the CSI driver "
                                "handles it)." },
    { "VolumeSource", "vsphereVolume", "Deprecated: a vSphere disk (the CSI driver handles "
                                       "it)." },
    { "VolumeSource", "portworxVolume", "Deprecated: a Portworx volume (the CSI driver "
                                        "handles it)." },
    { "VolumeSource", "rbd", "Deprecated: a Ceph block device." },
    { "VolumeSource", "cephfs", "Deprecated: a CephFS mount." },
    { "VolumeSource", "glusterfs", "Removed: a GlusterFS volume." },
    { "VolumeSource", "flexVolume", "Deprecated: a volume of a FlexVolume driver script." },
    { "VolumeSource", "flocker", "Removed: a Flocker dataset." },
    { "VolumeSource", "quobyte", "Removed: a Quobyte volume." },
    { "VolumeSource", "photonPersistentDisk", "Removed: a Photon disk." },
    { "VolumeSource", "scaleIO", "Removed: a ScaleIO volume." },
    { "VolumeSource", "storageos", "Removed: a StorageOS volume." },

    { "EmptyDirVolumeSource", NULL, "An empty directory for the pod, removed with it." },
    { "EmptyDirVolumeSource", "medium", "Where it is kept: \"\" (the default) on the node's "
                                        "disk, \"Memory\" in a tmpfs counted as the "
                                        "containers' memory." },
    { "EmptyDirVolumeSource", "sizeLimit", "The most it may hold; the pod is evicted above "
                                           "it. No limit when unset." },
    { "HostPathVolumeSource", NULL, "A path of the node's file system." },
    { "HostPathVolumeSource", "path", "The path on the node; a symbolic link is followed." },
    { "HostPathVolumeSource", "type", "What must be there: \"\" (no check), "
                                      "DirectoryOrCreate, Directory, FileOrCreate, File, "
                                      "Socket, CharDevice or BlockDevice." },
    { "ConfigMapVolumeSource", NULL, "A config map's keys as files, one per key." },
    { "ConfigMapVolumeSource", "items", "Only these keys, at these paths; all keys, named "
                                        "as themselves, when empty." },
    { "ConfigMapVolumeSource", "defaultMode", "The permission bits of the files; default "
                                              "0644." },
    { "ConfigMapVolumeSource", "optional", "When true, a missing config map gives an empty "
                                           "volume instead of an error." },
    { "SecretVolumeSource", NULL, "A secret's keys as files, one per key." },
    { "SecretVolumeSource", "secretName", "The secret, in the pod's namespace." },
    { "SecretVolumeSource", "items", "Only these keys, at these paths; all keys, named as "
                                     "themselves, when empty." },
    { "SecretVolumeSource", "defaultMode", "The permission bits of the files; default "
                                           "0644." },
    { "SecretVolumeSource", "optional", "When true, a missing secret gives an empty volume "
                                        "instead of an error." },
    { "PersistentVolumeClaimVolumeSource", NULL, "The volume bound to a claim." },
    { "PersistentVolumeClaimVolumeSource", "claimName", "The claim, in the pod's "
                                                        "namespace." },
    { "PersistentVolumeClaimVolumeSource", "readOnly", "Mount it read-only; default false." },
    { "ProjectedVolumeSource", NULL, "Several sources merged into one directory." },
    { "ProjectedVolumeSource", "sources", "The sources, in order." },
    { "ProjectedVolumeSource", "defaultMode", "The permission bits of the files; default "
                                              "0644." },
    { "VolumeProjection", NULL, "One source of a projected volume; set exactly one field." },
    { "VolumeProjection", "secret", "Keys of a secret." },
    { "VolumeProjection", "configMap", "Keys of a config map." },
    { "VolumeProjection", "downwardAPI", "Fields of the pod and resources of its "
                                         "containers." },
    { "VolumeProjection", "serviceAccountToken", "A token of the pod's service account, "
                                                 "renewed before it expires." },
    { "VolumeProjection", "clusterTrustBundle", "Certificates of ClusterTrustBundle "
                                                "objects, as one PEM file." },
    { "SecretProjection", "items", "Only these keys, at these paths; all keys when empty." },
    { "SecretProjection", "optional", "When true, a missing secret is not an error." },
    { "ConfigMapProjection", "items", "Only these keys, at these paths; all keys when "
                                      "empty." },
    { "ConfigMapProjection", "optional", "When true, a missing config map is not an error." },
    { "DownwardAPIProjection", "items", "The files to write." },
    { "ServiceAccountTokenProjection", NULL, "A bound token of the pod's service account." },
    { "ServiceAccountTokenProjection", "audience", "Who the token is meant for; the API "
                                                   "server when empty." },
    { "ServiceAccountTokenProjection", "expirationSeconds", "How long the token is valid; "
                                                            "default 3600, at least 600." },
    { "ServiceAccountTokenProjection", "path", "The file's path in the volume." },
    { "ClusterTrustBundleProjection", "name", "One ClusterTrustBundle, by name. Not with "
                                              "signerName." },
    { "ClusterTrustBundleProjection", "signerName", "All bundles of this signer (narrowed by "
                                                    "labelSelector)." },
    { "ClusterTrustBundleProjection", "labelSelector", "With signerName: the bundles to "
                                                       "take." },
    { "ClusterTrustBundleProjection", "optional", "When true, no matching bundle is not an "
                                                  "error." },
    { "ClusterTrustBundleProjection", "path", "The file's path in the volume." },
    { "DownwardAPIVolumeSource", NULL, "Facts about the pod, as files." },
    { "DownwardAPIVolumeSource", "items", "The files to write." },
    { "DownwardAPIVolumeSource", "defaultMode", "The permission bits of the files; default "
                                                "0644." },
    { "DownwardAPIVolumeFile", NULL, "One file holding a field of the pod or a resource "
                                     "amount; the file is updated when labels or "
                                     "annotations change." },
    { "DownwardAPIVolumeFile", "path", "The file's relative path; no \"..\"." },
    { "DownwardAPIVolumeFile", "fieldRef", "A field of the pod: metadata.name, "
                                           "metadata.namespace, metadata.uid, "
                                           "metadata.labels or metadata.annotations." },
    { "DownwardAPIVolumeFile", "resourceFieldRef", "A request or limit of a container." },
    { "DownwardAPIVolumeFile", "mode", "The file's permission bits; the volume's "
                                       "defaultMode when unset." },
    { "EphemeralVolumeSource", "volumeClaimTemplate", "The claim to create for the pod, "
                                                      "named <pod>-<volume>." },
    { "PersistentVolumeClaimTemplate", NULL, "A claim to make: its metadata and spec." },
    { "PersistentVolumeClaimTemplate", "spec", "The spec of the claim." },
    { "ImageVolumeSource", "reference", "The image or artifact, as a registry reference." },
    { "ImageVolumeSource", "pullPolicy", "Always, Never or IfNotPresent; Always for the "
                                         ":latest tag, IfNotPresent otherwise." },
    { "CSIVolumeSource", "driver", "The name of the CSI driver." },
    { "CSIVolumeSource", "readOnly", "Mount it read-only; default false." },
    { "CSIVolumeSource", "fsType", "The file system to mount (\"ext4\"); the driver's "
                                   "choice when empty." },
    { "CSIVolumeSource", "volumeAttributes", "Settings passed to the driver." },
    { "CSIVolumeSource", "nodePublishSecretRef", "A secret passed to the driver on mount." },
    { "NFSVolumeSource", "server", "The NFS server's host name or address." },
    { "NFSVolumeSource", "path", "The exported path." },
    { "NFSVolumeSource", "readOnly", "Mount it read-only; default false." },

    /* ---- persistent volume claims ---- */
    { "PersistentVolumeClaimSpec", NULL, "What storage a claim asks for." },
    { "PersistentVolumeClaimSpec", "accessModes", "How the volume may be mounted: "
                                                  "ReadWriteOnce (one node), ReadOnlyMany, "
                                                  "ReadWriteMany or ReadWriteOncePod (one "
                                                  "pod)." },
    { "PersistentVolumeClaimSpec", "selector", "Labels of the existing volumes that may "
                                               "bind to the claim." },
    { "PersistentVolumeClaimSpec", "resources", "How much storage: requests.storage is the "
                                                "least the volume must have." },
    { "PersistentVolumeClaimSpec", "volumeName", "Bind to this persistent volume." },
    { "PersistentVolumeClaimSpec", "storageClassName", "The storage class to provision "
                                                       "from; the default class when unset, "
                                                       "none when \"\"." },
    { "PersistentVolumeClaimSpec", "volumeMode", "Filesystem (the default) or Block (a raw "
                                                 "device)." },
    { "PersistentVolumeClaimSpec", "dataSource", "Fill the new volume from this snapshot or "
                                                 "claim of the namespace." },
    { "PersistentVolumeClaimSpec", "dataSourceRef", "Fill the new volume from this object, "
                                                    "of any kind a populator handles, "
                                                    "possibly in another namespace." },
    { "PersistentVolumeClaimSpec", "volumeAttributesClassName", "The VolumeAttributesClass "
                                                                "whose settings the volume "
                                                                "gets." },
    { "PersistentVolumeClaimCondition", "status", "True, False or Unknown." },
    { "ModifyVolumeStatus", "status", "Pending, InProgress or Infeasible: how the change to "
                                      "targetVolumeAttributesClassName is going." },
    { "VolumeResourceRequirements", "requests", "The least storage the volume must have "
                                                "(\"storage\": \"10Gi\")." },
    { "VolumeResourceRequirements", "limits", "The most storage the volume may have." },
    { "TypedObjectReference", "apiGroup", "The API group of the kind; empty for the core "
                                          "group." },
    { "TypedObjectReference", "kind", "The kind of the object." },
    { "TypedObjectReference", "name", "The name of the object." },
    { "TypedObjectReference", "namespace", "Its namespace, when not the claim's (needs a "
                                           "ReferenceGrant there)." },
    GT_KDOC_END
};
