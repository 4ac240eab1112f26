import EncStore
import Logging
import Testing

@testable import KubeAPI

@Suite("Storage: claims, volumes and classes; default class, protection, binding")
struct StorageTests {
    let objects = ObjectStore(store: MVCCStore.inMemory())
    let registry = ResourceRegistry.builtIn

    func type(_ group: String, _ plural: String) -> ResourceType { registry.lookup(group: group, version: "v1", plural: plural)! }
    var claims: ResourceType { type("", "persistentvolumeclaims") }
    var volumes: ResourceType { type("", "persistentvolumes") }
    var classes: ResourceType { type("storage.k8s.io", "storageclasses") }

    func setUp() async throws {
        _ = try await objects.create(type("", "namespaces"), namespace: nil, body: ["metadata": ["name": "default"]])
        _ = try await objects.create(type("", "serviceaccounts"), namespace: "default", body: ["metadata": ["name": "default"]])
    }

    func refusal(_ write: () async throws -> JSONValue) async -> APIError? {
        do {
            _ = try await write()
            Issue.record("the write was accepted")
        } catch let error as APIError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    static func claim(_ name: String, storage: String = "1Gi", className: String? = nil) -> JSONValue {
        var spec: JSONValue = ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(storage)]]]
        if let className { spec["storageClassName"] = .string(className) }
        return ["metadata": ["name": .string(name)], "spec": spec]
    }

    static func hostPathVolume(_ name: String, storage: String, className: String) -> JSONValue {
        ["metadata": ["name": .string(name)],
         "spec": ["accessModes": ["ReadWriteOnce"], "capacity": ["storage": .string(storage)], "storageClassName": .string(className), "hostPath": ["path": "/srv/data"]]]
    }

    @Test("a claim gets the default class, the pvc-protection finalizer, Pending and Filesystem; kube's validation messages")
    func claimDefaultsAndValidation() async throws {
        try await setUp()
        _ = try await objects.create(classes, namespace: nil, body: [
            "metadata": ["name": "local-path", "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]], "provisioner": "rancher.io/local-path",
        ])
        let stored = try await objects.create(claims, namespace: "default", body: Self.claim("data"))
        #expect(stored[path: "spec.storageClassName"] == "local-path")
        #expect(stored[path: "spec.volumeMode"] == "Filesystem")
        #expect(stored[path: "status.phase"] == "Pending")
        #expect(stored[path: "metadata.finalizers"] == ["kubernetes.io/pvc-protection"])
        // An explicit "" asks for no class.
        let classless = try await objects.create(claims, namespace: "default", body: Self.claim("none", className: ""))
        #expect(classless[path: "spec.storageClassName"] == "")
        // The class defaults, and what may not change.
        let storageClass = try await objects.get(classes, namespace: nil, name: "local-path")
        #expect(storageClass["reclaimPolicy"] == "Delete" && storageClass["volumeBindingMode"] == "Immediate")
        var changed = storageClass
        changed["provisioner"] = "other"
        let classError = await refusal { try await objects.update(classes, namespace: nil, name: "local-path", body: changed) }
        #expect(classError?.message == "StorageClass \"local-path\" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.")

        var missing = Self.claim("bad")
        missing[path: "spec.resources"] = ["requests": [:]]
        missing[path: "spec.accessModes"] = []
        let error = await refusal { try await objects.create(claims, namespace: "default", body: missing) }
        #expect(error?.code == 422)
        #expect(error?.message == "PersistentVolumeClaim \"bad\" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]")
        var resized = stored
        resized[path: "spec.resources.requests.storage"] = "2Gi"
        let update = await refusal { try await objects.update(claims, namespace: "default", name: "data", body: resized) }
        #expect(update?.message.contains("spec: Forbidden: spec is immutable after creation") == true, "\(update?.message ?? "")")
    }

    @Test("a volume gets pv-protection, Retain and Pending; one source is required")
    func volumeDefaultsAndValidation() async throws {
        try await setUp()
        let stored = try await objects.create(volumes, namespace: nil, body: Self.hostPathVolume("pv1", storage: "5Gi", className: "manual"))
        #expect(stored[path: "spec.persistentVolumeReclaimPolicy"] == "Retain")
        #expect(stored[path: "status.phase"] == "Pending")
        #expect(stored[path: "metadata.finalizers"] == ["kubernetes.io/pv-protection"])
        var sourceless = Self.hostPathVolume("pv2", storage: "1Gi", className: "manual")
        sourceless[path: "spec.hostPath"] = nil
        let error = await refusal { try await objects.create(volumes, namespace: nil, body: sourceless) }
        #expect(error?.message == "PersistentVolume \"pv2\" is invalid: spec: Required value: must specify a volume type")
        var local = Self.hostPathVolume("pv3", storage: "1Gi", className: "manual")
        local[path: "spec.hostPath"] = nil
        local[path: "spec.local"] = ["path": "/mnt/disk"]
        let affinity = await refusal { try await objects.create(volumes, namespace: nil, body: local) }
        #expect(affinity?.message == "PersistentVolume \"pv3\" is invalid: spec.nodeAffinity: Required value: Local volume requires node affinity")
    }

    @Test("the binder binds the smallest matching volume, both sides Bound; protection holds a used claim until its pod goes")
    func bindingAndProtection() async throws {
        try await setUp()
        let logger = Logger(label: "storage-tests")
        let informers = InformerSet(objects: objects, logger: logger)
        let manager = ControllerManager(objects: objects, informers: informers, logger: logger)
        let running = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await informers.run() }
                group.addTask { try? await manager.run() }
            }
        }
        defer { running.cancel() }
        _ = try await objects.create(classes, namespace: nil, body: ["metadata": ["name": "manual"], "provisioner": "kubernetes.io/no-provisioner"])
        _ = try await objects.create(volumes, namespace: nil, body: Self.hostPathVolume("big", storage: "10Gi", className: "manual"))
        _ = try await objects.create(volumes, namespace: nil, body: Self.hostPathVolume("small", storage: "2Gi", className: "manual"))
        _ = try await objects.create(volumes, namespace: nil, body: Self.hostPathVolume("tiny", storage: "500Mi", className: "manual"))
        // The binder picks from its cache: the claim comes once the cache holds all three volumes.
        #expect(try await eventually { informers.informer(group: "", plural: "persistentvolumes")!.list().count == 3 })
        _ = try await objects.create(claims, namespace: "default", body: Self.claim("data", className: "manual"))

        let bound = try await eventually { try await objects.get(claims, namespace: "default", name: "data")[path: "status.phase"] == "Bound" }
        #expect(bound)
        let claim = try await objects.get(claims, namespace: "default", name: "data")
        #expect(claim[path: "spec.volumeName"] == "small")
        #expect(claim[path: "status.capacity.storage"] == "2Gi")
        #expect(claim[path: ["metadata", "annotations", "pv.kubernetes.io/bind-completed"]] == "yes")
        #expect(claim[path: ["metadata", "annotations", "pv.kubernetes.io/bound-by-controller"]] == "yes")
        #expect(try await eventually { try await objects.get(volumes, namespace: nil, name: "small")[path: "status.phase"] == "Bound" })
        let volume = try await objects.get(volumes, namespace: nil, name: "small")
        #expect(volume[path: "spec.claimRef.uid"] == claim[path: ["metadata", "uid"]])
        #expect(try await eventually { try await objects.get(volumes, namespace: nil, name: "big")[path: "status.phase"] == "Available" })

        // A scheduled pod uses the claim: deleting the claim leaves it Terminating.
        let pods = type("", "pods")
        _ = try await objects.create(pods, namespace: "default", body: [
            "metadata": ["name": "user"],
            "spec": ["nodeName": "n1", "containers": [["name": "c", "image": "busybox"]], "volumes": [["name": "d", "persistentVolumeClaim": ["claimName": "data"]]]],
        ])
        _ = try await objects.delete(claims, namespace: "default", name: "data")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await objects.get(claims, namespace: "default", name: "data")[path: ["metadata", "deletionTimestamp"]] != nil)
        // The pod goes: so does the claim; its Retain volume is Released and kept.
        _ = try await objects.delete(pods, namespace: "default", name: "user", options: .init(gracePeriodSeconds: 0))
        #expect(try await eventually { (try? await objects.get(claims, namespace: "default", name: "data")) == nil })
        #expect(try await eventually { try await objects.get(volumes, namespace: nil, name: "small")[path: "status.phase"] == "Released" })
        // A volume that is not Bound loses pv-protection when deleted.
        _ = try await objects.delete(volumes, namespace: nil, name: "small")
        #expect(try await eventually { (try? await objects.get(volumes, namespace: nil, name: "small")) == nil })
    }

    @Test("kubectl's columns: the default class marked, a claim's capacity only once bound, Terminating")
    func tables() {
        let classRow = TableConvertor.table(classes, items: [[
            "metadata": ["name": "local-path", "creationTimestamp": "2026-01-01T00:00:00Z", "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
        ]], listMetadata: [:], includeObject: "None", now: 1_767_225_660)
        #expect(classRow[path: ["rows"]]?.arrayValue?.first?["cells"] == ["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false", "60s"])
        let pending = TableConvertor.table(claims, items: [[
            "metadata": ["name": "data", "creationTimestamp": "2026-01-01T00:00:00Z", "deletionTimestamp": "2026-01-01T00:01:00Z"],
            "spec": ["accessModes": ["ReadWriteOncePod", "ReadWriteOnce"], "storageClassName": "local-path"], "status": ["phase": "Pending", "capacity": ["storage": "1Gi"]],
        ]], listMetadata: [:], includeObject: "None", now: 1_767_225_660)
        #expect(pending[path: ["rows"]]?.arrayValue?.first?["cells"] == ["data", "Terminating", "", "", "", "local-path", "<unset>", "60s", "<unset>"])
    }

    /// Polls `condition` for up to 10 s.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}
