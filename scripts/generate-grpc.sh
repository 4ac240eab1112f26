#!/usr/bin/env bash
# Generates the gRPC clients the product uses, with Debian's protoc and the swift-protobuf
# 1.39.0 and grpc-swift-protobuf 2.4.1 plugins, which the package in scripts/grpc-codegen builds
# (a package of its own, so the product never compiles them):
#   - CRI: scripts/cri-codegen/api.proto (kubernetes/cri-api v0.25.0, the CRI containerd 1.6
#     serves; its gogoproto import and options, Go-only, are stripped first)
#     -> Sources/Agent/CRI/api.pb.swift, api.grpc.swift
#   - etcd v3: scripts/etcd-codegen/etcd.proto (the KV, Watch, Lease and Maintenance subset)
#     -> Sources/EncStore/EtcdRPC/etcd.pb.swift, etcd.grpc.swift
# Messages and clients are `package` visibility (only their library uses them); no server stubs.
# With --check it regenerates into a temporary folder and fails when the committed files differ.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check=false
if [[ "${1:-}" == "--check" ]]; then check=true; fi
command -v protoc >/dev/null || { echo "generate-grpc: protoc is missing (apt-get install protobuf-compiler)" >&2; exit 1; }

scratch="$root/.build-grpc-codegen"
swift build --package-path "$root/scripts/grpc-codegen" --scratch-path "$scratch" -c release --product protoc-gen-swift >&2
swift build --package-path "$root/scripts/grpc-codegen" --scratch-path "$scratch" -c release --product protoc-gen-grpc-swift-2 >&2
bin="$(swift build --package-path "$root/scripts/grpc-codegen" --scratch-path "$scratch" -c release --show-bin-path)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

# generate NAME PROTO OUTPUT_DIRECTORY: protoc on PROTO (as NAME.proto), then compare or copy.
generate() {
    local name="$1" proto="$2" out="$3"
    mkdir -p "$work/$name/in" "$work/$name/out"
    grep -v -e '^import "github.com/gogo/' -e '^option (gogoproto\.' "$proto" > "$work/$name/in/$name.proto"
    protoc --proto_path="$work/$name/in" \
        --plugin="$bin/protoc-gen-swift" --plugin="$bin/protoc-gen-grpc-swift-2" \
        --swift_out="$work/$name/out" --swift_opt=Visibility=Package \
        --grpc-swift-2_out="$work/$name/out" --grpc-swift-2_opt=Visibility=Package,Server=false,Client=true \
        "$work/$name/in/$name.proto"
    local relative="${out#"$root/"}"
    if $check; then
        for file in "$name.pb.swift" "$name.grpc.swift"; do
            if ! cmp -s "$work/$name/out/$file" "$out/$file"; then
                echo "generate-grpc: $relative/$file is out of date; run scripts/generate-grpc.sh" >&2
                status=1
            fi
        done
        return
    fi
    mkdir -p "$out"
    cp "$work/$name/out/$name.pb.swift" "$work/$name/out/$name.grpc.swift" "$out/"
    echo "generate-grpc: wrote $(wc -l < "$out/$name.pb.swift") + $(wc -l < "$out/$name.grpc.swift") lines to $relative"
}

generate api "$root/scripts/cri-codegen/api.proto" "$root/Sources/Agent/CRI"
generate etcd "$root/scripts/etcd-codegen/etcd.proto" "$root/Sources/EncStore/EtcdRPC"
exit $status
