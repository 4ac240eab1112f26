import Foundation
import HTTPTypes
import Hummingbird

/// `DELETE /localPathVolumes?path=<absolute path>`: the node half of the local-path
/// provisioner's reclaim (upstream runs a helper pod with `rm -rf "$VOL_DIR"`). The master calls
/// it with its kubelet-client certificate for a Released volume it is deleting; the path must be
/// absolute and normalised, with a last component `pvc-...` (the provisioner's naming) and no
/// symbolic link on the way. A path that does not exist is already removed.
enum LocalPathTeardown {
    /// Why `path` may not be removed, or nil.
    static func refusal(_ path: String) -> String? {
        guard path.utf8.count <= 4096, path.hasPrefix("/"), !path.utf8.contains(0) else { return "the path must be absolute (at most 4096 bytes)" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard components.count >= 2, components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            return "the path must be normalised, below a storage directory"
        }
        guard let last = components.last, last.hasPrefix("pvc-") else { return "only local-path volume directories (pvc-...) are removed" }
        // No symbolic link anywhere on the path: the removal stays where the path says.
        var prefix = ""
        for component in components {
            prefix += "/" + component
            // attributesOfItem does not follow a final link (lstat).
            guard let type = try? FileManager.default.attributesOfItem(atPath: prefix)[.type] as? FileAttributeType else { return nil }  // gone from here on
            if type == .typeSymbolicLink { return "\(prefix) is a symbolic link" }
        }
        return nil
    }

    /// Removes the directory at `path` (the query's `path`).
    static func respond(_ request: Request) async -> Response {
        guard let path = request.uri.queryParameters["path"].map(String.init), !path.isEmpty else {
            return KubeletAPI.status(400, "BadRequest", "the path query parameter is required")
        }
        if let refusal = refusal(path) { return KubeletAPI.status(400, "BadRequest", "cannot remove \(path.prefix(200)): \(refusal)") }
        guard FileManager.default.fileExists(atPath: path) else { return KubeletAPI.status(200, "Success", "\(path) does not exist") }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            return KubeletAPI.status(500, "InternalError", "cannot remove \(path): \(error.localizedDescription)")
        }
        return KubeletAPI.status(200, "Success", "removed \(path)")
    }
}
