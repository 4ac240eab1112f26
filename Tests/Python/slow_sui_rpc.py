"""A Sui JSON-RPC endpoint that answers every request after a delay (standard library only).

  slow_sui_rpc.py SECONDS

Prints the port it listens on, then serves until killed. Every account owns no stake, so a Seal
token verified against it is refused after the delay: it stands for a slow or overloaded full node.
"""
import http.server
import json
import sys
import time

DELAY = float(sys.argv[1])
RESULTS = {
    "sui_getChainIdentifier": "35834a8a",
    "sui_getLatestCheckpointSequenceNumber": "1",
    "suix_getStakes": [],
    "suix_getOwnedObjects": {"data": [], "nextCursor": None, "hasNextPage": False},
    "sui_multiGetObjects": [],
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
        request = json.loads(self.rfile.read(length) or b"{}")
        time.sleep(DELAY)
        body = json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": RESULTS.get(request.get("method"))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
