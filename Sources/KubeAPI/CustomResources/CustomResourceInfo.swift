/// What a CustomResourceDefinition declares about one served version of its kind: the schema
/// objects are validated, pruned and defaulted by, the printer columns, the scale subresource's
/// paths and the version objects are stored in.
public struct CustomResourceInfo: Sendable, Hashable {
    /// The definition's name (`<plural>.<group>`).
    public var definition: String
    /// The version's `openAPIV3Schema` (nil: none, everything is kept).
    public var schema: JSONValue?
    /// `additionalPrinterColumns` of the version.
    public var printerColumns: [JSONValue]
    /// The version objects are stored as (`None` conversion: only `apiVersion` changes).
    public var storageVersion: String
    /// `subresources.scale` paths, when the version declares a scale subresource.
    public var scale: Scale?

    /// The JSON paths of the scale subresource (`.spec.replicas`, ...).
    public struct Scale: Sendable, Hashable {
        public var specReplicasPath: String
        public var statusReplicasPath: String
        public var labelSelectorPath: String?

        /// Paths as a definition's `subresources.scale` names them.
        public init(specReplicasPath: String, statusReplicasPath: String, labelSelectorPath: String? = nil) {
            self.specReplicasPath = specReplicasPath
            self.statusReplicasPath = statusReplicasPath
            self.labelSelectorPath = labelSelectorPath
        }
    }

    /// What definition `definition` declares for one version.
    public init(definition: String, schema: JSONValue?, printerColumns: [JSONValue] = [], storageVersion: String, scale: Scale? = nil) {
        self.definition = definition
        self.schema = schema
        self.printerColumns = printerColumns
        self.storageVersion = storageVersion
        self.scale = scale
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.definition == b.definition && a.storageVersion == b.storageVersion && a.schema == b.schema && a.printerColumns == b.printerColumns && a.scale == b.scale
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(definition)
        hasher.combine(storageVersion)
    }
}
