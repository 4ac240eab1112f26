#!/usr/bin/env python3
"""Builds the busybox and pause images from Debian's busybox-static and pushes them to a registry.

usage: local-images.py [--registry http://127.0.0.1:5000]

Each image is one uncompressed layer (the static /bin/busybox, a symlink per applet, /etc/passwd,
/etc/group, /etc/hosts) with an OCI config and manifest, pushed with the OCI distribution API
(monolithic blob uploads, then the manifest). Pushed as:
  library/busybox:latest, library/busybox:1.35   (Cmd ["sh"]; "busybox" on docker.io through a mirror)
  pause:3.10                                      (Cmd sleeps forever; registry.k8s.io/pause:3.10)
Idempotent: blobs the registry already has are not sent again. Python standard library only.
"""
import hashlib, io, json, subprocess, sys, tarfile, urllib.error, urllib.request

BUSYBOX = "/bin/busybox"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_entry(t, name, kind=tarfile.REGTYPE, mode=0o644, data=b"", target=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, 0, target
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def layer() -> bytes:
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "proc", "sys", "dev", "var", "var/run", "www"]:
            tar_entry(t, d, tarfile.DIRTYPE, 0o755)
        tar_entry(t, "tmp", tarfile.DIRTYPE, 0o1777)
        with open(BUSYBOX, "rb") as f:
            tar_entry(t, "bin/busybox", mode=0o755, data=f.read())
        for applet in sorted(set(applets) - {"bin/busybox"}):
            tar_entry(t, applet, tarfile.SYMTYPE, 0o777, target="/bin/busybox")
        tar_entry(t, "etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
        tar_entry(t, "etc/group", data=b"root:x:0:\nnogroup:x:65534:\n")
        tar_entry(t, "etc/hosts", data=b"127.0.0.1 localhost\n")
    return buffer.getvalue()


def image(layer_bytes: bytes, cmd):
    config = json.dumps({
        "created": "1970-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": cmd, "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [digest(layer_bytes)]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "scripts/local-images.py from busybox-static"}],
    }, separators=(",", ":")).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(layer_bytes), "size": len(layer_bytes)}],
    }, separators=(",", ":")).encode()
    return config, manifest


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def push_blob(registry, repository, blob):
    status, _, _ = request("HEAD", f"{registry}/v2/{repository}/blobs/{digest(blob)}")
    if status == 200:
        return
    status, headers, body = request("POST", f"{registry}/v2/{repository}/blobs/uploads/")
    if status != 202:
        sys.exit(f"local-images: starting an upload to {repository} answered {status}: {body[:200]!r}")
    location = headers.get("Location") or headers.get("location")
    if location.startswith("/"):
        location = registry + location
    separator = "&" if "?" in location else "?"
    status, _, body = request("PUT", f"{location}{separator}digest={digest(blob)}", blob, {"Content-Type": "application/octet-stream"})
    if status != 201:
        sys.exit(f"local-images: uploading a blob to {repository} answered {status}: {body[:200]!r}")


def push(registry, repository, tags, layer_bytes, cmd):
    config, manifest = image(layer_bytes, cmd)
    push_blob(registry, repository, layer_bytes)
    push_blob(registry, repository, config)
    for tag in tags:
        status, _, body = request("PUT", f"{registry}/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})
        if status != 201:
            sys.exit(f"local-images: pushing {repository}:{tag} answered {status}: {body[:200]!r}")
    print(f"local-images: {repository}:{','.join(tags)} {digest(manifest)} ({len(layer_bytes)} byte layer)")


def main():
    registry = "http://127.0.0.1:5000"
    if len(sys.argv) == 3 and sys.argv[1] == "--registry":
        registry = sys.argv[2].rstrip("/")
    elif len(sys.argv) != 1:
        sys.exit(__doc__)
    layer_bytes = layer()
    push(registry, "library/busybox", ["latest", "1.35"], layer_bytes, ["sh"])
    push(registry, "pause", ["3.10"], layer_bytes, ["/bin/sleep", "2147483647"])


if __name__ == "__main__":
    main()
