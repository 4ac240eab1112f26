import Testing

@testable import KubeAPI

@Suite("Tables")
struct TableConvertorTests {
    static let ageCases: [(Int64, String)] = [
        (-5, "<invalid>"), (0, "0s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (10_920, "3h2m"),
        (108_000, "30h"), (273_600, "3d4h"), (34_560_000, "400d"), (94_780_800, "3y2d"), (283_824_000, "9y"),
    ]

    @Test("ages read as kubectl prints them", arguments: ageCases)
    func ages(_ seconds: Int64, _ text: String) {
        #expect(HumanDuration.format(seconds: seconds) == text)
    }

    @Test("pod status column")
    func podStatus() {
        #expect(TableConvertor.podStatus(["status": ["phase": "Running"]]) == "Running")
        #expect(TableConvertor.podStatus(["status": ["phase": "Pending", "containerStatuses": [["state": ["waiting": ["reason": "ImagePullBackOff"]]]]]]) == "ImagePullBackOff")
        #expect(TableConvertor.podStatus(["spec": ["initContainers": [[:], [:]]], "status": ["phase": "Pending", "initContainerStatuses": [["state": ["terminated": ["exitCode": 0]]], ["state": ["running": [:]]]]]]) == "Init:1/2")
        #expect(TableConvertor.podStatus(["metadata": ["deletionTimestamp": "2026-01-01T00:00:00Z"], "status": ["phase": "Running"]]) == "Terminating")
        #expect(TableConvertor.podStatus(["status": ["phase": "Succeeded", "containerStatuses": [["state": ["terminated": ["reason": "Completed", "exitCode": 0]]]]]]) == "Completed")
    }

    @Test("volume claims, volumes and endpoint slices get kube-apiserver's columns")
    func storageRows() throws {
        let claims = ResourceRegistry.builtIn.lookup(group: "", version: "v1", plural: "persistentvolumeclaims")!
        let claim: JSONValue = [
            "metadata": ["name": "data", "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["accessModes": ["ReadWriteOnce"], "storageClassName": "local", "volumeName": "pv-1"],
            "status": ["phase": "Bound", "capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce", "ReadOnlyMany"]],
        ]
        let now = try #require(TableConvertor.seconds("2026-01-01T00:01:00Z"))
        let table = TableConvertor.table(claims, items: [claim], listMetadata: [:], includeObject: "None", now: now)
        #expect(table["columnDefinitions"]?.arrayValue?.map { $0["name"] } == ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"])
        #expect(table["rows"]?.arrayValue?.first?["cells"] == ["data", "Bound", "pv-1", "1Gi", "RWO,ROX", "local", "<unset>", "60s", "<unset>"])
        let slices = ResourceRegistry.builtIn.lookup(group: "discovery.k8s.io", version: "v1", plural: "endpointslices")!
        let slice: JSONValue = ["metadata": ["name": "s"], "addressType": "IPv4", "ports": [["port": 443]], "endpoints": [["addresses": ["10.0.0.1"]]]]
        #expect(TableConvertor.table(slices, items: [slice], listMetadata: [:], includeObject: "None", now: now)["rows"]?.arrayValue?.first?["cells"]?.arrayValue?.prefix(4) == ["s", "IPv4", "443", "10.0.0.1"])
    }

    @Test("a deployment row and its metadata-only object")
    func deploymentRow() throws {
        let deployments = ResourceRegistry.builtIn.lookup(group: "apps", version: "v1", plural: "deployments")!
        let object: JSONValue = [
            "metadata": ["name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["replicas": 3, "template": ["spec": ["containers": [["name": "c", "image": "i:1"]]]], "selector": ["matchLabels": ["app": "web"]]],
            "status": ["readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2],
        ]
        let now = try #require(TableConvertor.seconds("2026-01-01T00:05:00Z"))
        let table = TableConvertor.table(deployments, items: [object], listMetadata: ["resourceVersion": "9"], includeObject: nil, now: now)
        #expect(table["kind"] == "Table" && table[path: ["metadata", "resourceVersion"]] == "9")
        let row = try #require(table["rows"]?.arrayValue?.first)
        #expect(row["cells"] == ["web", "2/3", 3, 2, "5m", "c", "i:1", "app=web"])
        #expect(row[path: ["object", "kind"]] == "PartialObjectMetadata" && row[path: ["object", "metadata", "name"]] == "web")
        #expect(TableConvertor.wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"))
        #expect(TableConvertor.wantsTable("application/json") == false)
    }
}

@Suite("events.k8s.io conversion")
struct EventConversionTests {
    @Test("events.k8s.io/v1 and core/v1 Events convert both ways without losing fields")
    func roundTrip() {
        let modern: JSONValue = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e"], "reason": "Started", "type": "Normal",
            "note": "started container", "regarding": ["kind": "Pod", "name": "p"], "reportingController": "kubelet",
            "reportingInstance": "n1", "action": "Start", "eventTime": "2026-01-01T00:00:00.000000Z", "deprecatedCount": 2,
        ]
        let core = EventConversion.toCore(modern)
        #expect(core["apiVersion"] == "v1" && core["message"] == "started container" && core[path: ["involvedObject", "name"]] == "p")
        #expect(core["reportingComponent"] == "kubelet" && core["count"] == 2 && core["note"] == nil && core["regarding"] == nil)
        #expect(EventConversion.fromCore(core) == modern)
        let list = EventConversion.fromCore(["kind": "EventList", "apiVersion": "v1", "items": [core]])
        #expect(list["apiVersion"] == "events.k8s.io/v1" && list["items"] == [modern])
    }
}
