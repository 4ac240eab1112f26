// swift-tools-version:6.1
// Builds the two protoc plugins that scripts/generate-grpc.sh runs (protoc-gen-swift and
// protoc-gen-grpc-swift-2). A package of its own, so that the product's build never compiles them.
import PackageDescription

let package = Package(
    name: "grpc-codegen",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: []
)
