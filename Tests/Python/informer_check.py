"""The informer pattern (client-go's reflector) written with the Python `kubernetes` client, against
the master's watch cache: list at resourceVersion "0" (served from the cache), keep a local store,
watch from the list's resourceVersion with bookmarks, apply every event, and list again when the
watch ends, as a reflector does.

Usage: informer_check.py KUBECONFIG. Prints one line per step; exits non-zero on the first failure.
"""
import sys
import threading
import time

from kubernetes import client, config, watch

config.load_kube_config(sys.argv[1])
core = client.CoreV1Api()
ns = "informer"
labels = {"app": "informer"}  # the namespace also gets kube-root-ca.crt from its controller
selector = "app=informer"
core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
for i in range(3):
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"cm{i}", labels=labels), data={"v": "0"}))

store = {}


def relist():
    listed = core.list_namespaced_config_map(ns, resource_version="0", label_selector=selector)
    store.clear()
    store.update({item.metadata.name: item for item in listed.items})
    return listed.metadata.resource_version


# resourceVersion "0" may be served a little stale by design; the cache follows the store within
# milliseconds, so give it a moment for a deterministic first line.
time.sleep(0.3)
version = relist()
print("listed from the cache", sorted(store), version.isdigit())


def write():
    time.sleep(0.5)
    changed = core.read_namespaced_config_map("cm0", ns)
    changed.data = {"v": "1"}
    core.replace_namespaced_config_map("cm0", ns, changed)
    core.delete_namespaced_config_map("cm1", ns)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm3", labels=labels), data={"v": "0"}))


writer = threading.Thread(target=write)
writer.start()
events = []
stream = watch.Watch()
for event in stream.stream(core.list_namespaced_config_map, ns, label_selector=selector, resource_version=version, allow_watch_bookmarks=True, timeout_seconds=20):
    kind, item = event["type"], event["object"]
    version = item.metadata.resource_version
    if kind == "BOOKMARK":
        continue
    if kind == "DELETED":
        store.pop(item.metadata.name, None)
    else:
        store[item.metadata.name] = item
    events.append((kind, item.metadata.name))
    if len(events) == 3:
        stream.stop()
writer.join()
print("watched", events)
print("store", sorted(store), store["cm0"].data["v"])

# The watch ended; a reflector lists again and finds the same world.
relist()
print("relisted", sorted(store), store["cm0"].data["v"])

# A second informer resumes a watch from the last version it saw and misses nothing.
core.delete_namespaced_config_map("cm2", ns)
resumed = []
for event in watch.Watch().stream(core.list_namespaced_config_map, ns, label_selector=selector, resource_version=version, timeout_seconds=2):
    resumed.append((event["type"], event["object"].metadata.name))
print("resumed", resumed)
