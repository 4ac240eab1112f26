/// `/openapi/v2`, which kubectl fetches in gnostic's protobuf form before validating manifests.
///
/// Today the document carries only `swagger` and `info` (no paths or definitions), so kubectl
/// finds no schema for a kind and skips client-side validation rather than failing to download.
/// The full document is part of the OpenAPI work listed in the README's status table.
enum OpenAPIV2 {
    /// The media type of the protobuf form (kubectl asks for it with an `@`, which Go cannot parse back).
    static let protobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// `openapi_v2.Document{swagger: "2.0", info: {title, version}}` in protobuf wire format
    /// (Document: swagger = 1, info = 2; Info: title = 1, version = 2).
    static let document: [UInt8] = {
        func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] {
            precondition(payload.count < 128, "single-byte lengths only")
            return [number << 3 | 2, UInt8(payload.count)] + payload
        }
        let info = field(1, Array("Kubernetes".utf8)) + field(2, Array("v1.32.0+k3s-daas".utf8))
        return field(1, Array("2.0".utf8)) + field(2, info)
    }()
}
