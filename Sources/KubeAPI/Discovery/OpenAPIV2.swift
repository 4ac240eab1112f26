/// `/openapi/v2`, which kubectl fetches in gnostic's protobuf form before it sends a manifest.
///
/// Generated from the served types: for every stored kind, a PATCH operation on its object path
/// that names its group/version/kind and takes the `fieldValidation` query parameter. That is
/// what kubectl looks for to leave field validation to the server (which enforces it with the
/// schema registry). The definitions are the Kubernetes spec's, from the schema registry.
enum OpenAPIV2 {
    /// The media type of the protobuf form (kubectl asks for it with an `@`, which Go cannot parse back).
    static let protobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// The document for `registry`, in gnostic's `openapi_v2.Document` wire format.
    static func document(_ registry: ResourceRegistry) -> [UInt8] {
        ProtobufWriter.message { document in
            document.field(1, "2.0")  // swagger
            document.field(2, ProtobufWriter.message { info in  // info
                info.field(1, "Kubernetes")
                info.field(2, "v1.32.0+k3s-daas")
            })
            document.field(9, definitions)  // definitions
            document.field(8, ProtobufWriter.message { paths in  // paths
                for type in registry.types where !type.isVirtual {
                    paths.field(2, ProtobufWriter.message { named in  // NamedPathItem
                        named.field(1, path(type))
                        named.field(2, ProtobufWriter.message { item in  // PathItem.patch
                            item.field(8, patchOperation(type))
                        })
                    })
                }
            })
        }
    }

    /// The encoded definitions, built once (about 1 MB).
    static let definitions = OpenAPIV2Schema.definitions(SchemaRegistry.kubernetes.definitions)

    static func path(_ type: ResourceType) -> String {
        let root = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
        return root + (type.namespaced ? "/namespaces/{namespace}" : "") + "/\(type.plural)/{name}"
    }

    /// Operation{operationId, parameters: [fieldValidation], vendor extensions}.
    private static func patchOperation(_ type: ResourceType) -> [UInt8] {
        ProtobufWriter.message { operation in
            operation.field(5, "patch\(type.kind)")
            operation.field(8, ProtobufWriter.message { item in  // ParametersItem.parameter
                item.field(1, ProtobufWriter.message { parameter in  // Parameter.non_body_parameter
                    parameter.field(2, ProtobufWriter.message { nonBody in  // NonBodyParameter.query_parameter_sub_schema
                        nonBody.field(3, ProtobufWriter.message { query in
                            query.field(2, "query")
                            query.field(3, "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.")
                            query.field(4, "fieldValidation")
                            query.field(6, "string")
                        })
                    })
                })
            })
            for (name, yaml) in [
                ("x-kubernetes-action", "patch\n"),
                ("x-kubernetes-group-version-kind", "group: \"\(type.group)\"\nkind: \(type.kind)\nversion: \(type.version)\n"),
            ] {
                operation.field(13, ProtobufWriter.message { named in  // NamedAny
                    named.field(1, name)
                    named.field(2, ProtobufWriter.message { $0.field(2, yaml) })  // Any.yaml
                })
            }
        }
    }
}
