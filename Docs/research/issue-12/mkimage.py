#!/usr/bin/env python3
"""Build a one-layer OCI image-layout tarball from /bin/busybox (busybox-static).
usage: mkimage.py OUT.tar REF [CMD...]   e.g. mkimage.py busybox.tar daas.local/busybox:1 /bin/sh
REF is written as org.opencontainers.image.ref.name (and io.containerd.image.name) in index.json."""
import hashlib, io, json, subprocess, sys, tarfile, time

out, ref = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:] or ["/bin/sh"]
BB = "/bin/busybox"

def add_dir(t, name, mode=0o755):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = mode; ti.mtime = 0; t.addfile(ti)
def add_file(t, name, data, mode=0o644):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode; ti.mtime = 0; t.addfile(ti, io.BytesIO(data))
def add_link(t, name, target):
    ti = tarfile.TarInfo(name); ti.type = tarfile.SYMTYPE; ti.linkname = target; ti.mtime = 0; t.addfile(ti)

# 1. the layer: uncompressed tar (diff_id == digest when uncompressed)
applets = subprocess.run([BB, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
lb = io.BytesIO()
with tarfile.open(fileobj=lb, mode="w", format=tarfile.PAX_FORMAT) as t:
    for d in ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "proc", "sys", "dev", "var", "var/run"]:
        add_dir(t, d)
    add_dir(t, "tmp", 0o1777)
    add_file(t, "bin/busybox", open(BB, "rb").read(), 0o755)
    seen = {"bin/busybox"}
    for a in applets:               # e.g. bin/sh, usr/bin/wget, sbin/ip
        if a in seen: continue
        seen.add(a)
        add_link(t, a, "/bin/busybox")
    add_file(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    add_file(t, "etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    add_file(t, "etc/hosts", b"127.0.0.1 localhost\n")
layer = lb.getvalue()
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()

# 2. image config
config = json.dumps({
    "created": "1970-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
               "Cmd": cmd, "WorkingDir": "/"},
    "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
    "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "mkimage.py busybox-static"}],
}, separators=(",", ":")).encode()

# 3. manifest
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}],
}, separators=(",", ":")).encode()

# 4. index.json + oci-layout
index = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
                   "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"},
                   "annotations": {"org.opencontainers.image.ref.name": ref, "io.containerd.image.name": ref}}],
}, separators=(",", ":")).encode()

with tarfile.open(out, "w") as t:
    add_file(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add_dir(t, "blobs"); add_dir(t, "blobs/sha256")
    for b in (layer, config, manifest):
        add_file(t, "blobs/sha256/" + sha(b)[7:], b)
    add_file(t, "index.json", index)
print(out, ref, "manifest", sha(manifest), "layer", len(layer), "bytes,", len(applets), "applets")
