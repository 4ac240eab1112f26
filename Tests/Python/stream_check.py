"""exec and port-forward through daas-master with the Python kubernetes client (WebSocket,
v4.channel.k8s.io), as its users call them. Prints one line per check; the Swift test compares."""
import sys

from kubernetes import client, config
from kubernetes.stream import portforward, stream

config.load_kube_config(sys.argv[1])
pod = sys.argv[2]
v1 = client.CoreV1Api()

out = stream(v1.connect_get_namespaced_pod_exec, pod, "default", command=["sh", "-c", "echo py-out; sleep 0.3; echo py-err >&2"], container="httpd",
             stderr=True, stdin=False, stdout=True, tty=False)
print("exec", repr(out))

resp = stream(v1.connect_get_namespaced_pod_exec, pod, "default", command=["sh", "-c", "exit 7"], container="httpd",
              stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
resp.run_forever(timeout=20)
print("returncode", resp.returncode)

resp = stream(v1.connect_get_namespaced_pod_exec, pod, "default", command=["cat"], container="httpd",
              stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
resp.write_stdin("via-stdin\n")
got = ""
for _ in range(20):
    resp.update(timeout=1)
    if resp.peek_stdout():
        got += resp.read_stdout()
    if "via-stdin" in got:
        break
resp.close()
print("stdin", repr(got))

# A terminal: the resize channel (4) sets its size, as kubectl exec -it does on SIGWINCH.
resp = stream(v1.connect_get_namespaced_pod_exec, pod, "default", command=["sh"], container="httpd",
              stderr=True, stdin=True, stdout=True, tty=True, _preload_content=False)
resp.write_channel(4, '{"Width": 91, "Height": 37}')
resp.write_stdin("stty size\n")
got = ""
for _ in range(20):
    resp.update(timeout=1)
    if resp.peek_stdout():
        got += resp.read_stdout()
    if "37 91" in got:
        break
resp.write_stdin("exit\n")
resp.close()
print("resize", "37 91" in got)

forward = portforward(v1.connect_get_namespaced_pod_portforward, pod, "default", ports="8080")
sock = forward.socket(8080)
sock.setblocking(True)
sock.settimeout(20)
sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = sock.recv(4096)
    if not chunk:
        break
    data += chunk
sock.close()
print("portforward", data.split(b"\r\n\r\n", 1)[-1].decode().strip())
