"""A TLS impostor for the attestation end-to-end tests (standard library only).

  tls_impostor.py proxy  CERT KEY UPSTREAM_HOST UPSTREAM_PORT
      A man in the middle: terminates TLS with its own key and relays bytes to the real master.
  tls_impostor.py replay CERT KEY DOCUMENT
      Answers every HTTP request with a saved attestation document (a replay of an old nonce).
  tls_impostor.py raw    CERT KEY RESPONSE
      Answers every HTTP request with the bytes of the file RESPONSE as they are (a hostile server).

Prints the port it listens on, then serves until killed.
"""
import socket
import ssl
import sys
import threading


def relay(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        # shutdown() sends the FIN at once, even while the other relay thread is blocked in recv().
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                end.close()
            except OSError:
                pass


def serve_proxy(client, upstream_host, upstream_port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    upstream = context.wrap_socket(socket.create_connection((upstream_host, upstream_port)), server_hostname=upstream_host)
    threading.Thread(target=relay, args=(client, upstream), daemon=True).start()
    relay(upstream, client)


def serve_replay(client, document, raw=False):
    try:
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 65536:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        if raw:
            client.sendall(document)
            return
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/cbor\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(document)
        client.sendall(head + document)
    finally:
        client.close()


def main():
    mode, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    document = open(sys.argv[4], "rb").read() if mode in ("replay", "raw") else None
    while True:
        raw, _ = listener.accept()
        try:
            client = context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            continue
        if mode == "proxy":
            target = (serve_proxy, (client, sys.argv[4], int(sys.argv[5])))
        else:
            target = (serve_replay, (client, document, mode == "raw"))
        threading.Thread(target=target[0], args=target[1], daemon=True).start()


if __name__ == "__main__":
    main()
