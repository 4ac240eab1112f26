#!/usr/bin/env bash
# Starts a plain-HTTP image registry on 127.0.0.1:5000 (Debian's docker-registry, distribution 2.8)
# with its storage under .build-registry/, and pushes the busybox and pause images that
# scripts/local-images.py builds from busybox-static. Idempotent: a registry already answering is
# kept. The node agent's managed containerd reaches it as a mirror of docker.io and registry.k8s.io.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
address="${DAAS_REGISTRY_ADDRESS:-127.0.0.1:5000}"
dir="$root/.build-registry"
if ! curl -fsS "http://$address/v2/" >/dev/null 2>&1; then
    mkdir -p "$dir/storage"
    cat > "$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: $address
CONFIG
    nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    for _ in $(seq 1 100); do
        curl -fsS "http://$address/v2/" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS "http://$address/v2/" >/dev/null || { echo "local-registry: the registry did not start; see $dir/registry.log" >&2; exit 1; }
fi
python3 "$root/scripts/local-images.py" --registry "http://$address"
