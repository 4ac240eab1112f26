import Foundation
import KubeTypes

/// A pod's volumes on the node, under `<pods>/<uid>/volumes/<kind>/<name>`: emptyDir (a folder,
/// or tmpfs for `medium: Memory`), hostPath, and the file-projecting kinds (configMap, secret,
/// downwardAPI, projected with service account tokens), which are written once when the pod
/// starts; secrets and projected volumes live on tmpfs so their contents never touch the disk.
/// A persistentVolumeClaim mounts its bound PersistentVolume's `hostPath` or `local` path (a
/// local-path provisioner's directory is created mode 0777 on first use, as its setup script
/// does). Other kinds make the pod wait with a `FailedMount` reason.
struct PodVolumes {
    /// The host path of each volume by name.
    var paths: [String: String] = [:]
    /// Volumes every mount of which is read-only (`persistentVolumeClaim.readOnly`).
    var readOnly: Set<String> = []

    /// The provisioner whose volumes get world-writable directories.
    static let localPathProvisioner = "rancher.io/local-path"

    /// The folder that holds a pod's volumes and termination-message files.
    static func podDirectory(root: String, uid: String) -> String { root + "/" + uid }

    /// Prepares every volume of `pod` (idempotent: a volume already prepared is kept as is).
    static func prepare(pod: JSONValue, root: String, podIP: String, hostIP: String, capacity: [String: String], objects: PodObjects) async throws(PodSyncError) -> PodVolumes {
        guard let uid = pod[path: ["metadata", "uid"]]?.stringValue, PathComponent.isSafe(uid) else {
            throw PodSyncError(reason: "FailedMount", message: "the pod has no usable uid")
        }
        var volumes = PodVolumes()
        let base = podDirectory(root: root, uid: uid) + "/volumes"
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? "default"
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            guard let name = volume["name"]?.stringValue, PathComponent.isSafe(name) else { continue }
            if let hostPath = volume[path: ["hostPath", "path"]]?.stringValue {
                try prepareHostPath(hostPath, type: volume[path: ["hostPath", "type"]]?.stringValue ?? "")
                volumes.paths[name] = hostPath
                continue
            }
            if let emptyDir = volume["emptyDir"] {
                let path = base + "/empty-dir/" + name
                let memory = emptyDir["medium"]?.stringValue == "Memory"
                let size = emptyDir["sizeLimit"]?.stringValue.flatMap { Quantity($0)?.value }
                try await makeVolumeDirectory(path, tmpfs: memory, size: size, mode: 0o777)
                volumes.paths[name] = path
                continue
            }
            var files: [(path: String, bytes: [UInt8], mode: Int)] = []
            let kind: String
            let defaultMode: Int
            if let source = volume["configMap"] ?? volume["secret"] {
                kind = volume["configMap"] != nil ? "configmap" : "secret"
                defaultMode = Int(source["defaultMode"]?.integerValue ?? 0o644)
                let objectName = source[kind == "secret" ? "secretName" : "name"]?.stringValue ?? ""
                files = try await objectFiles(
                    kind: kind == "secret" ? "Secret" : "ConfigMap", namespace: namespace, name: objectName, source: source, defaultMode: defaultMode, objects: objects)
            } else if let source = volume["downwardAPI"] {
                kind = "downward-api"
                defaultMode = Int(source["defaultMode"]?.integerValue ?? 0o644)
                files = downwardFiles(source["items"]?.arrayValue ?? [], pod: pod, podIP: podIP, hostIP: hostIP, capacity: capacity, defaultMode: defaultMode)
            } else if let source = volume["projected"] {
                kind = "projected"
                defaultMode = Int(source["defaultMode"]?.integerValue ?? 0o644)
                for projection in source["sources"]?.arrayValue ?? [] {
                    if let token = projection["serviceAccountToken"] {
                        let value = try await objects.token(
                            pod: pod, audience: token["audience"]?.stringValue, expirationSeconds: token["expirationSeconds"]?.integerValue ?? 3_607)
                        files.append((token["path"]?.stringValue ?? "token", Array(value.utf8), defaultMode))
                    } else if let reference = projection["configMap"] ?? projection["secret"] {
                        let objectKind = projection["configMap"] != nil ? "ConfigMap" : "Secret"
                        files += try await objectFiles(
                            kind: objectKind, namespace: namespace, name: reference["name"]?.stringValue ?? "", source: reference, defaultMode: defaultMode, objects: objects)
                    } else if let downward = projection["downwardAPI"] {
                        files += downwardFiles(downward["items"]?.arrayValue ?? [], pod: pod, podIP: podIP, hostIP: hostIP, capacity: capacity, defaultMode: defaultMode)
                    }
                }
            } else if let claim = volume[path: ["persistentVolumeClaim", "claimName"]]?.stringValue {
                volumes.paths[name] = try await claimPath(try await objects.claimedVolume(namespace: namespace, claim: claim))
                if volume[path: ["persistentVolumeClaim", "readOnly"]]?.boolValue == true { volumes.readOnly.insert(name) }
                continue
            } else {
                throw PodSyncError(reason: "FailedMount", message: "volume \(name): this volume type is not supported by this node")
            }
            let path = base + "/\(kind)/" + name
            if !FileManager.default.fileExists(atPath: path + "/.daas-ready") {
                try await makeVolumeDirectory(path, tmpfs: kind == "secret" || kind == "projected", size: 16 << 20, mode: 0o755)
                try write(files, into: path)
                FileManager.default.createFile(atPath: path + "/.daas-ready", contents: nil, attributes: [.posixPermissions: 0o600])
            }
            volumes.paths[name] = path
        }
        return volumes
    }

    /// The files of a ConfigMap or Secret source: every key, or the listed `items` (key, path, mode).
    private static func objectFiles(
        kind: String, namespace: String, name: String, source: JSONValue, defaultMode: Int, objects: PodObjects
    ) async throws(PodSyncError) -> [(path: String, bytes: [UInt8], mode: Int)] {
        let optional = source["optional"]?.boolValue ?? false
        guard let data = try await objects.bytes(kind: kind, namespace: namespace, name: name, optional: optional) else { return [] }
        guard let items = source["items"]?.arrayValue else {
            return data.sorted { $0.key < $1.key }.map { ($0.key, $0.value, defaultMode) }
        }
        var files: [(path: String, bytes: [UInt8], mode: Int)] = []
        for item in items {
            guard let key = item["key"]?.stringValue else { continue }
            guard let value = data[key] else {
                if optional { continue }
                throw PodSyncError(reason: "FailedMount", message: "couldn't find key \(key) in \(kind) \(namespace)/\(name)")
            }
            files.append((item["path"]?.stringValue ?? key, value, Int(item["mode"]?.integerValue ?? Int64(defaultMode))))
        }
        return files
    }

    private static func downwardFiles(
        _ items: [JSONValue], pod: JSONValue, podIP: String, hostIP: String, capacity: [String: String], defaultMode: Int
    ) -> [(path: String, bytes: [UInt8], mode: Int)] {
        items.compactMap { item in
            guard let path = item["path"]?.stringValue else { return nil }
            let mode = Int(item["mode"]?.integerValue ?? Int64(defaultMode))
            if let field = item[path: ["fieldRef", "fieldPath"]]?.stringValue {
                return (path, Array((ContainerEnvironment.fieldValue(field, pod: pod, podIP: podIP, hostIP: hostIP) ?? "").utf8), mode)
            }
            if let resource = item["resourceFieldRef"] {
                let container = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).first { $0["name"] == resource["containerName"] } ?? [:]
                return (path, Array((ContainerEnvironment.resourceValue(resource, container: container, capacity: capacity) ?? "").utf8), mode)
            }
            return nil
        }
    }

    /// Writes each file under `folder`, refusing absolute paths and `..` components.
    private static func write(_ files: [(path: String, bytes: [UInt8], mode: Int)], into folder: String) throws(PodSyncError) {
        for file in files {
            let components = file.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard !file.path.hasPrefix("/"), !components.isEmpty, components.allSatisfy(PathComponent.isSafe) else {
                throw PodSyncError(reason: "FailedMount", message: "the volume path \(file.path.prefix(200)) must be relative without '..'")
            }
            let target = folder + "/" + components.joined(separator: "/")
            do {
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: target, contents: Data(file.bytes), attributes: [.posixPermissions: file.mode & 0o777]) else {
                    throw PodSyncError(reason: "FailedMount", message: "cannot write \(target)")
                }
            } catch let error as PodSyncError {
                throw error
            } catch {
                throw PodSyncError(reason: "FailedMount", message: "cannot write \(target): \(error)")
            }
        }
    }

    /// Creates `path` (and tmpfs on it when asked, unless one is already mounted there).
    private static func makeVolumeDirectory(_ path: String, tmpfs: Bool, size: Int64?, mode: Int) async throws(PodSyncError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw PodSyncError(reason: "FailedMount", message: "cannot create \(path): \(error)")
        }
        guard tmpfs, !MountTable.isMountPoint(path) else { return }
        var options = "mode=\(String(mode, radix: 8))"
        if let size, size > 0 { options += ",size=\(size)" }
        do {
            try await HostCommand.run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])
        } catch {
            throw PodSyncError(reason: "FailedMount", message: error.message)
        }
    }

    /// Checks a hostPath against its `type` (creating it for DirectoryOrCreate and FileOrCreate).
    /// The host path of a claim's volume, prepared: hostPath by its type, `local` must exist.
    private static func claimPath(_ volume: JSONValue) async throws(PodSyncError) -> String {
        let name = volume[path: ["metadata", "name"]]?.stringValue ?? ""
        if let path = volume[path: ["spec", "hostPath", "path"]]?.stringValue {
            let provisioner = volume[path: ["metadata", "annotations", "pv.kubernetes.io/provisioned-by"]]?.stringValue
            if provisioner == localPathProvisioner, !FileManager.default.fileExists(atPath: path) {
                // The provisioner's setup: `mkdir -m 0777 -p`, its parent closed to others.
                try prepareHostPath(path, type: "DirectoryOrCreate")
                _ = chmod(path, 0o777)
                _ = chmod((path as NSString).deletingLastPathComponent, 0o700)
            }
            try prepareHostPath(path, type: volume[path: ["spec", "hostPath", "type"]]?.stringValue ?? "")
            return path
        }
        if let path = volume[path: ["spec", "local", "path"]]?.stringValue {
            try prepareHostPath(path, type: "Directory")
            return path
        }
        throw PodSyncError(reason: "FailedMount", message: "persistentvolume \(name): this volume type is not supported by this node")
    }

    private static func prepareHostPath(_ path: String, type: String) throws(PodSyncError) {
        guard path.hasPrefix("/"), !path.utf8.contains(0) else { throw PodSyncError(reason: "FailedMount", message: "hostPath \(path.prefix(200)) must be absolute") }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        switch type {
        case "DirectoryOrCreate" where !exists:
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        case "FileOrCreate" where !exists:
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        case "Directory" where !(exists && isDirectory.boolValue):
            throw PodSyncError(reason: "FailedMount", message: "hostPath type check failed: \(path) is not a directory")
        case "File" where !(exists && !isDirectory.boolValue):
            throw PodSyncError(reason: "FailedMount", message: "hostPath type check failed: \(path) is not a file")
        default:
            break
        }
    }

    /// Unmounts every tmpfs under the pod's folder, then removes it.
    static func remove(root: String, uid: String) async {
        guard PathComponent.isSafe(uid) else { return }
        let folder = podDirectory(root: root, uid: uid)
        for mount in MountTable.mountPoints(under: folder).sorted(by: { $0.count > $1.count }) {
            try? await HostCommand.run("/bin/umount", [mount])
        }
        if MountTable.mountPoints(under: folder).isEmpty { try? FileManager.default.removeItem(atPath: folder) }
    }
}

/// One path component a pod may name (uid, volume name, file path part): not empty, `.` or
/// `..`, no `/` or NUL, at most 253 bytes.
enum PathComponent {
    static func isSafe(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 253 && text != "." && text != ".." && !bytes.contains(UInt8(ascii: "/")) && !bytes.contains(0)
    }
}

/// The host's mounts, from /proc/self/mounts.
enum MountTable {
    static func mountPoints(under folder: String) -> [String] {
        guard let table = procFile("/proc/self/mounts") else { return [] }
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            return point == folder || point.hasPrefix(folder + "/") ? point : nil
        }
    }

    static func isMountPoint(_ path: String) -> Bool { mountPoints(under: path).contains(path) }

    /// A procfs file read to its end (procfs reports a size of 0, and a one-shot read such as
    /// `String(contentsOfFile:)` gets only the first page: a machine with many mounts then
    /// seemed to have none under a pod, whose volumes stayed mounted).
    static func procFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
