"""Custom resources through the Python `kubernetes` client: create_from_yaml of a CRD, then the dynamic
client on its kind (create, get, list by label, merge patch, status, delete).

Usage: custom_resource_check.py KUBECONFIG CRD_YAML. Prints one line per step; exits non-zero on the first failure.
"""
import sys
import time

from kubernetes import client, config, dynamic, utils
from kubernetes.client.rest import ApiException

config.load_kube_config(sys.argv[1])
api = client.ApiClient()
utils.create_from_yaml(api, sys.argv[2])
extensions = client.ApiextensionsV1Api(api)
for _ in range(100):
    crd = extensions.read_custom_resource_definition("widgets.example.com")
    if any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])):
        break
    time.sleep(0.2)
print("established", crd.status.accepted_names.kind, crd.status.stored_versions)

dyn = dynamic.DynamicClient(api)
widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
created = widgets.create(namespace="default", body={
    "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "py", "labels": {"team": "py"}}, "spec": {"size": "large"}})
print("created", created.metadata.name, created.spec.size, created.spec.replicas)
listed = widgets.get(namespace="default", label_selector="team=py")
print("listed", [item.metadata.name for item in listed.items])
patched = widgets.patch(namespace="default", name="py", body={"spec": {"color": "green"}}, content_type="application/merge-patch+json")
print("patched", patched.spec.color)
status = widgets.status.patch(namespace="default", name="py", body={"status": {"replicas": 4}}, content_type="application/merge-patch+json")
print("status", status.status.replicas)
try:
    widgets.create(namespace="default", body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": {"size": "tiny"}})
    print("invalid widget accepted")
    sys.exit(1)
except ApiException as error:
    print("invalid", error.status)
widgets.delete(namespace="default", name="py")
print("remaining", [item.metadata.name for item in widgets.get(namespace="default").items])
