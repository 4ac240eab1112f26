#!/usr/bin/env bash
# Installs the Debian packages K3s-DaaS builds and runs with. Idempotent: installs only what is missing.
set -euo pipefail
# containerd, runc, the CNI plugins, iproute2 and busybox-static run real pods (daas-worker
# --manage-containerd); docker-registry serves the local images; protoc regenerates the CRI client;
# nftables and conntrack carry the node network (Services, NetworkPolicy); socat relays the local
# registry into the network namespaces of the multi-node tests; etcd-server is the etcd the
# etcd store backend is tested and benchmarked against; chromium and chromium-driver are the
# browser the dashboard's end-to-end test drives (Selenium, headless).
packages=(liblmdb-dev libsecp256k1-dev libsodium-dev pkg-config make curl openssl python3-venv
    containerd runc containernetworking-plugins iproute2 busybox-static docker-registry protobuf-compiler
    nftables conntrack socat etcd-server chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}"
fi

# kubectl is the client the product is built for and the end-to-end tests drive; Debian does not
# package it, so it is checked rather than installed.
if ! command -v kubectl >/dev/null 2>&1; then
    echo "kubectl is missing: install kubectl 1.32 or later and put it on PATH, e.g." >&2
    echo "  curl -LO https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl && install -m 0755 kubectl /usr/local/bin/kubectl" >&2
    echo "  (or apt-get install kubectl from the Kubernetes apt repository, pkgs.k8s.io)" >&2
    exit 1
fi

# The Python kubernetes client, a second real client for the end-to-end tests, in a private venv;
venv="$(cd "$(dirname "$0")/.." && pwd)/.build-python"
# graphql-core validates SuiClient's GraphQL documents against Sui's schema in a test;
# prometheus_client's parser reads /metrics in the observability tests; selenium drives the
# browser in the dashboard test and axe-selenium-python brings axe-core, its accessibility checker.
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import kubernetes, graphql, prometheus_client, selenium, axe_selenium_python" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "kubernetes==37.0.2" "graphql-core==3.2.6" "prometheus_client==0.21.1" "selenium==4.27.1" "axe-selenium-python==2.1.6"
fi
