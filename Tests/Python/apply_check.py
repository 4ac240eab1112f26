"""Server-side apply and JSON patch through the Python `kubernetes` client: create_from_yaml(apply=True),
the dynamic client's server_side_apply, a conflict between two managers, and a JSON patch body.

Usage: apply_check.py KUBECONFIG DIR. Prints one line per step; exits non-zero on the first failure.
"""
import json
import os
import sys

from kubernetes import client, config, dynamic, utils
from kubernetes.client.rest import ApiException

config.load_kube_config(sys.argv[1])
api = client.ApiClient()
core = client.CoreV1Api(api)
manifest = os.path.join(sys.argv[2], "app.yaml")
with open(manifest, "w") as out:
    out.write("""apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {team: py}}
data: {color: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
""")

created = utils.create_from_yaml(api, manifest, apply=True)
print("applied", [item.metadata.name for group in created for item in group])
again = utils.create_from_yaml(api, manifest, apply=True)
settings = core.read_namespaced_config_map("settings", "default")
print("managers", [(entry.manager, entry.operation) for entry in settings.metadata.managed_fields])

dyn = dynamic.DynamicClient(api)
configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
def raw_apply(name, manager):
    response = api.call_api(
        "PATCH", api.configuration.host + "/api/v1/namespaces/default/configmaps/" + name + "?fieldManager=" + manager,
        header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
    return response.status


print("apply status", raw_apply("fresh", "dyn"), raw_apply("fresh", "dyn"))
try:
    configmaps.server_side_apply(
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"color": "red"}},
        namespace="default", field_manager="other")
    print("conflict not reported")
    sys.exit(1)
except dynamic.exceptions.ConflictError as error:
    status = json.loads(error.body)
    print("conflict", error.status, status["reason"], status["message"], [cause["field"] for cause in status["details"]["causes"]])
forced = configmaps.server_side_apply(
    body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"color": "red"}},
    namespace="default", field_manager="other", force_conflicts=True)
print("forced", forced.data.color)

patched = core.patch_namespaced_config_map(
    "settings", "default", [{"op": "replace", "path": "/data/color", "value": "green"}, {"op": "add", "path": "/data/shape", "value": "round"}])
print("json patch", patched.data)
try:
    core.patch_namespaced_config_map("settings", "default", [{"op": "test", "path": "/data/color", "value": "blue"}])
    print("failed test op applied")
    sys.exit(1)
except ApiException as error:
    print("test op", error.status)
try:
    configmaps.server_side_apply(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, namespace="default", field_manager="")
except ApiException as error:
    print("no manager", error.status, json.loads(error.body)["message"])
