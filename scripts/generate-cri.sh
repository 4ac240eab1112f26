#!/usr/bin/env bash
# Generates the CRI client (Sources/Agent/CRI/api.pb.swift and api.grpc.swift) from
# scripts/cri-codegen/api.proto (kubernetes/cri-api v0.25.0, the CRI containerd 1.6 serves) with
# Debian's protoc and the swift-protobuf 1.39.0 and grpc-swift-protobuf 2.4.1 plugins, which the
# package in scripts/cri-codegen builds (a package of its own, so the product never compiles them).
# The proto's gogoproto import and options (Go-only) are stripped first. Messages and the client
# are `package` visibility: only the Agent library uses them; no server stubs.
# With --check it regenerates into a temporary folder and fails when the committed files differ.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/Sources/Agent/CRI"
check=false
if [[ "${1:-}" == "--check" ]]; then check=true; fi
command -v protoc >/dev/null || { echo "generate-cri: protoc is missing (apt-get install protobuf-compiler)" >&2; exit 1; }

scratch="$root/.build-cri-codegen"
swift build --package-path "$root/scripts/cri-codegen" --scratch-path "$scratch" -c release --product protoc-gen-swift >&2
swift build --package-path "$root/scripts/cri-codegen" --scratch-path "$scratch" -c release --product protoc-gen-grpc-swift-2 >&2
bin="$(swift build --package-path "$root/scripts/cri-codegen" --scratch-path "$scratch" -c release --show-bin-path)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/out"
grep -v -e '^import "github.com/gogo/' -e '^option (gogoproto\.' "$root/scripts/cri-codegen/api.proto" > "$work/in/api.proto"
protoc --proto_path="$work/in" \
    --plugin="$bin/protoc-gen-swift" --plugin="$bin/protoc-gen-grpc-swift-2" \
    --swift_out="$work/out" --swift_opt=Visibility=Package \
    --grpc-swift-2_out="$work/out" --grpc-swift-2_opt=Visibility=Package,Server=false,Client=true \
    "$work/in/api.proto"

if $check; then
    status=0
    for file in api.pb.swift api.grpc.swift; do
        if ! cmp -s "$work/out/$file" "$out/$file"; then
            echo "generate-cri: Sources/Agent/CRI/$file is out of date; run scripts/generate-cri.sh" >&2
            status=1
        fi
    done
    exit $status
fi
mkdir -p "$out"
cp "$work/out/api.pb.swift" "$work/out/api.grpc.swift" "$out/"
echo "generate-cri: wrote $(wc -l < "$out/api.pb.swift") + $(wc -l < "$out/api.grpc.swift") lines to Sources/Agent/CRI"
