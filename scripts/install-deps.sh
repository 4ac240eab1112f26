#!/usr/bin/env bash
# Installs the Debian packages K3s-DaaS builds and runs with. Idempotent: installs only what is missing.
set -euo pipefail
packages=(liblmdb-dev libsecp256k1-dev libsodium-dev pkg-config make curl openssl python3-venv)
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

# The Python kubernetes client, a second real client for the end-to-end tests, in a private venv;
venv="$(cd "$(dirname "$0")/.." && pwd)/.build-python"
# graphql-core validates SuiClient's GraphQL documents against Sui's schema in a test.
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import kubernetes, graphql" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "kubernetes==37.0.2" "graphql-core==3.2.6"
fi
