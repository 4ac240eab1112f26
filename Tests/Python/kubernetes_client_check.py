"""A second real client: the Python `kubernetes` package drives daas-master through its generated API.

Usage: kubernetes_client_check.py KUBECONFIG. Prints one line per step; exits non-zero on the first failure.
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()
ns = "python"

core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
created = core.create_namespaced_config_map(
    ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings", labels={"team": "py"}), data={"color": "blue"}))
print("created", created.metadata.name, bool(created.metadata.uid))

listed = core.list_namespaced_config_map(ns, label_selector="team=py")
print("listed", [item.metadata.name for item in listed.items], int(listed.metadata.resource_version) >= int(created.metadata.resource_version))

events = []
stream = watch.Watch()


def observe():
    # Selected by label: the namespace's kube-root-ca.crt, written by a controller, may come after "settings".
    for event in stream.stream(core.list_namespaced_config_map, ns, label_selector="team=py", resource_version=created.metadata.resource_version, timeout_seconds=3):
        events.append((event["type"], event["object"].metadata.name, (event["object"].data or {}).get("color")))
        if len(events) == 2:
            stream.stop()


watcher = threading.Thread(target=observe)
watcher.start()
patched = core.patch_namespaced_config_map(
    "settings", ns, {"data": {"color": "green"}}, _content_type="application/merge-patch+json")
print("patched", patched.data["color"], patched.metadata.resource_version != created.metadata.resource_version)
core.delete_namespaced_config_map("settings", ns)
watcher.join(30)
print("watched", events)

try:
    core.read_namespaced_config_map("settings", ns)
    print("read after delete succeeded")
    sys.exit(1)
except ApiException as error:
    print("read after delete", error.status, error.reason)

deployment = apps.create_namespaced_deployment(ns, {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
print("deployment", deployment.metadata.name, deployment.spec.replicas, deployment.metadata.generation)

core.create_namespaced_service_account(ns, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="robot")))
request = core.create_namespaced_service_account_token(
    "robot", ns, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=600)))
print("token", request.status.token.count("."), request.spec.expiration_seconds, request.status.expiration_timestamp is not None)

pod = core.create_namespaced_pod(ns, {"metadata": {"name": "evictee"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
core.create_namespaced_pod_eviction("evictee", ns, client.V1Eviction(metadata=client.V1ObjectMeta(name="evictee", namespace=ns)))
try:
    remaining = core.read_namespaced_pod("evictee", ns)
    print("evicted", remaining.metadata.deletion_timestamp is not None)
except ApiException as error:
    print("evicted", error.status == 404)

# HorizontalPodAutoscalers through both generated APIs: v2 (stored) and v1 (converted).
autoscaling = client.AutoscalingV2Api()
hpa = autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, client.V2HorizontalPodAutoscaler(
    metadata=client.V1ObjectMeta(name="web"),
    spec=client.V2HorizontalPodAutoscalerSpec(
        scale_target_ref=client.V2CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="web"), max_replicas=4,
        metrics=[client.V2MetricSpec(type="Resource", resource=client.V2ResourceMetricSource(
            name="cpu", target=client.V2MetricTarget(type="Utilization", average_utilization=60)))])))
v1 = client.AutoscalingV1Api().read_namespaced_horizontal_pod_autoscaler("web", ns)
print("hpa", hpa.spec.min_replicas, v1.spec.target_cpu_utilization_percentage, v1.spec.max_replicas)
try:
    autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {
        "metadata": {"name": "bad"}, "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 3, "maxReplicas": 2}})
    print("invalid hpa accepted")
except ApiException as error:
    print("invalid hpa", error.status, error.reason)
