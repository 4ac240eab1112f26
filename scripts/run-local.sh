#!/usr/bin/env bash
# `make run`: the local registry, daas-master on embedded defaults, and (as root, where containerd
# is installed) one local daas-worker beside it that runs pods in containers through a containerd
# of its own, so that `kubectl run t --image=busybox -- sleep 3600` works on a fresh machine.
# Ctrl-C stops the worker (which removes its pods and stops its containerd), then the master.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${DATA_DIR:-$root/data}"
bin="$root/.build/release"
mkdir -p "$data"

worker_pid=""
master_pid=""
stop() {
    [[ -n "$worker_pid" ]] && kill -TERM "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null || true
    [[ -n "$master_pid" ]] && kill -TERM "$master_pid" 2>/dev/null && wait "$master_pid" 2>/dev/null || true
}
trap stop EXIT INT TERM

"$bin/daas-master" --data-dir "$data" &
master_pid=$!
for _ in $(seq 1 600); do
    [[ -f "$data/admin.kubeconfig" && -f "$data/sui-dev-ledger.url" ]] && break
    kill -0 "$master_pid" 2>/dev/null || exit 1
    sleep 0.1
done

if [[ $(id -u) -eq 0 ]] && command -v containerd >/dev/null && [[ "${DAAS_NO_WORKER:-}" == "" ]]; then
    "$root/scripts/local-registry.sh"
    keystore="$data/worker.keystore"
    if [[ ! -f "$keystore" ]]; then
        "$bin/daasctl" key new --keystore "$keystore" >/dev/null
        address=$("$bin/daasctl" key show --keystore "$keystore" | grep -o '0x[0-9a-f]\{64\}' | head -1)
        "$bin/daasctl" stake add --ledger "$(cat "$data/sui-dev-ledger.url")" --secret-file "$data/sui-dev-ledger.secret" \
            --address "$address" --amount 10000000000 >/dev/null
    fi
    "$bin/daas-worker" --master https://127.0.0.1:6443 --root "$data/attest/root.pem" --keystore "$keystore" \
        --node-name "$(hostname | tr '[:upper:]' '[:lower:]')" --manage-containerd --data-dir "$data/worker" \
        --registry-mirror docker.io=http://127.0.0.1:5000 --registry-mirror registry.k8s.io=http://127.0.0.1:5000 &
    worker_pid=$!
else
    echo "run-local: no local worker (it needs root and containerd; DAAS_NO_WORKER unset): the master runs alone" >&2
fi
wait "$master_pid"
