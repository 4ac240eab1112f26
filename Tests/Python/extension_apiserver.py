"""A stand-in extension API server (metrics.k8s.io/v1beta1) for the API aggregation tests.

Usage: extension_apiserver.py CERT KEY FRONT_PROXY_CA. Serves HTTPS on a free loopback port, which it
prints on its first line; it requires a client certificate from FRONT_PROXY_CA (the API server's front
proxy) and answers with the identity the front proxy sent, so the test can check what was passed on.
"""
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESOURCES = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "metrics.k8s.io/v1beta1", "resources": [
    {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
    {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
]}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/apis/metrics.k8s.io/v1beta1":
            return self.answer(200, RESOURCES)
        if self.path.startswith("/apis/metrics.k8s.io/v1beta1/nodes"):
            seen = {
                "user": self.headers.get("X-Remote-User"), "groups": self.headers.get_all("X-Remote-Group") or [],
                "authorization": self.headers.get("Authorization") is not None,
                "client": self.connection.getpeercert()["subject"][0][0][1],
            }
            return self.answer(200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                                     "items": [{"metadata": {"name": "seen", "annotations": {"seen": json.dumps(seen, sort_keys=True)}},
                                                "timestamp": "2026-01-01T00:00:00Z", "window": "10s", "usage": {"cpu": "1m", "memory": "1Mi"}}]})
        return self.answer(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
context.load_verify_locations(sys.argv[3])
context.verify_mode = ssl.CERT_REQUIRED
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
