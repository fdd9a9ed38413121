/* Descriptions of autoscaling/v2 and autoscaling/v1 types
 * (kube/shape_misc.c): horizontal pod autoscalers.  Both versions' specs
 * are named HorizontalPodAutoscalerSpec.  The lookup and the rules of the
 * table: openapi_docs_internal.h. */
#include <stddef.h>

#include "kube/openapi_docs_internal.h"

const struct gt_kdoc gt_kdocs_autoscaling[] = {
    { "HorizontalPodAutoscaler", NULL, "Scales a workload's replicas to keep metrics (CPU, "
                                       "memory...) at their targets." },
    { "HorizontalPodAutoscalerSpec", NULL, "What to scale, between which bounds, after "
                                           "which metrics." },
    { "HorizontalPodAutoscalerSpec", "scaleTargetRef", "The workload to scale (through its "
                                                       "scale subresource)." },
    { "HorizontalPodAutoscalerSpec", "minReplicas", "The fewest replicas; default 1." },
    { "HorizontalPodAutoscalerSpec", "maxReplicas", "The most replicas; required." },
    { "HorizontalPodAutoscalerSpec", "metrics", "The metrics to follow; the desired count is "
                                                "the largest any of them asks for. Default: "
                                                "80% average CPU utilization." },
    { "HorizontalPodAutoscalerSpec", "behavior", "How fast to scale up and down; the "
                                                 "defaults when unset." },
    { "HorizontalPodAutoscalerSpec", "targetCPUUtilizationPercentage", "The average CPU use "
                                                                       "to keep, as a "
                                                                       "percentage of the "
                                                                       "pods' requests; "
                                                                       "default 80." },
    { "HorizontalPodAutoscalerStatus", "currentReplicas", "Replicas the target has now." },
    { "HorizontalPodAutoscalerStatus", "desiredReplicas", "Replicas the autoscaler last "
                                                          "asked for." },
    { "HorizontalPodAutoscalerStatus", "lastScaleTime", "When the replicas were last "
                                                        "changed." },
    { "HorizontalPodAutoscalerStatus", "currentMetrics", "The metrics as last read." },
    { "HorizontalPodAutoscalerStatus", "currentCPUUtilizationPercentage", "The average CPU "
                                                                          "use as last "
                                                                          "read, as a "
                                                                          "percentage of "
                                                                          "requests." },
    { "HorizontalPodAutoscalerCondition", "status", "True, False or Unknown." },
    { "CrossVersionObjectReference", NULL, "Names an object of the same namespace by kind." },
    { "CrossVersionObjectReference", "kind", "The kind (\"Deployment\")." },
    { "CrossVersionObjectReference", "name", "The name." },
    { "CrossVersionObjectReference", "apiVersion", "The API version (\"apps/v1\")." },
    { "MetricSpec", NULL, "One metric to follow and its target; fill the field that type "
                          "names." },
    { "MetricSpec", "type", "Resource, ContainerResource, Pods, Object or External." },
    { "MetricSpec", "resource", "CPU or memory of the target's pods, from their requests." },
    { "MetricSpec", "containerResource", "CPU or memory of one container of the target's "
                                         "pods." },
    { "MetricSpec", "pods", "A custom metric of each pod, averaged." },
    { "MetricSpec", "object", "A metric of another object of the namespace (an ingress's "
                              "requests per second)." },
    { "MetricSpec", "external", "A metric from outside the cluster (a queue's length)." },
    { "MetricTarget", NULL, "The value a metric should have." },
    { "MetricTarget", "type", "Utilization, Value or AverageValue: which of the other fields "
                              "is set." },
    { "MetricTarget", "value", "The value of the metric as a whole." },
    { "MetricTarget", "averageValue", "The value per pod (the total divided by the pods)." },
    { "MetricTarget", "averageUtilization", "The average as a percentage of the pods' "
                                            "requests (Resource metrics only)." },
    { "MetricIdentifier", "name", "The metric's name." },
    { "MetricIdentifier", "selector", "Labels narrowing the metric's series; the metric's "
                                      "own choice when unset." },
    { "ResourceMetricSource", "name", "cpu or memory." },
    { "ResourceMetricSource", "target", "The value to keep." },
    { "ContainerResourceMetricSource", "name", "cpu or memory." },
    { "ContainerResourceMetricSource", "container", "The container of the pods to read." },
    { "ContainerResourceMetricSource", "target", "The value to keep." },
    { "PodsMetricSource", "metric", "The metric." },
    { "PodsMetricSource", "target", "The average per pod to keep." },
    { "ObjectMetricSource", "describedObject", "The object the metric is about." },
    { "ObjectMetricSource", "metric", "The metric." },
    { "ObjectMetricSource", "target", "The value to keep." },
    { "ExternalMetricSource", "metric", "The metric." },
    { "ExternalMetricSource", "target", "The value to keep." },
    { "HorizontalPodAutoscalerBehavior", "scaleUp", "How fast to add replicas; default: the "
                                                    "most of doubling or 4 pods per 15 "
                                                    "seconds, no window." },
    { "HorizontalPodAutoscalerBehavior", "scaleDown", "How fast to remove replicas; "
                                                      "default: any number, after a "
                                                      "300-second window." },
    { "HPAScalingRules", "stabilizationWindowSeconds", "Act on the most conservative "
                                                       "recommendation of this many past "
                                                       "seconds, to avoid flapping." },
    { "HPAScalingRules", "selectPolicy", "Max (the default), Min or Disabled: which of the "
                                         "policies applies." },
    { "HPAScalingRules", "policies", "Limits on the change per period." },
    { "HPAScalingPolicy", "type", "Pods (a number) or Percent (of the current replicas)." },
    { "HPAScalingPolicy", "value", "The amount of change allowed." },
    { "HPAScalingPolicy", "periodSeconds", "The period the amount is allowed in, up to "
                                           "1800." },
    GT_KDOC_END
};
