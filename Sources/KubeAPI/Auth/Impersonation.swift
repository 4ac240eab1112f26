import Foundation
import HTTPTypes
import Hummingbird

/// User impersonation (`kubectl --as`, `--as-group`), as kube-apiserver's impersonation filter:
/// `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>`
/// headers make the request act as another identity, provided the caller may `impersonate`
/// each of them (users, groups, uids, userextras/<key>, or serviceaccounts for
/// `system:serviceaccount:<ns>:<name>`). A caller who may not is refused with 403, never served as
/// itself.
enum Impersonation {
    static let userHeader = HTTPField.Name("Impersonate-User")!
    static let groupHeader = HTTPField.Name("Impersonate-Group")!
    static let uidHeader = HTTPField.Name("Impersonate-Uid")!
    static let extraPrefix = "impersonate-extra-"

    /// The identity the request acts as: `user` itself when it carries no impersonation headers.
    static func resolve(_ request: Request, user: UserInfo, authorizer: RequestAuthorizer) async throws -> UserInfo {
        let name = request.headers[userHeader]
        let groups = request.headers[values: groupHeader]
        let uid = request.headers[uidHeader]
        var extra: [String: [String]] = [:]
        for field in request.headers where field.name.canonicalName.hasPrefix(extraPrefix) {
            let key = String(field.name.canonicalName.dropFirst(extraPrefix.count))
            extra[key.removingPercentEncoding ?? key, default: []].append(field.value)
        }
        guard name != nil || !groups.isEmpty || uid != nil || !extra.isEmpty else { return user }
        guard let name, !name.isEmpty else {
            throw APIError.badRequest("requested impersonation of groups, uid or extra without impersonating a user")
        }
        var checks: [AuthorizationAttributes] = []
        var impersonatedGroups = groups
        let serviceAccount = name.hasPrefix("system:serviceaccount:") ? name.split(separator: ":", omittingEmptySubsequences: false) : nil
        if let parts = serviceAccount, parts.count == 4 {
            checks.append(AuthorizationAttributes(verb: "impersonate", apiGroup: "", resource: "serviceaccounts", namespace: String(parts[2]), name: String(parts[3])))
            impersonatedGroups += ["system:serviceaccounts", "system:serviceaccounts:\(parts[2])"]
        } else {
            checks.append(AuthorizationAttributes(verb: "impersonate", apiGroup: "", resource: "users", name: name))
        }
        for group in groups { checks.append(AuthorizationAttributes(verb: "impersonate", apiGroup: "", resource: "groups", name: group)) }
        if let uid { checks.append(AuthorizationAttributes(verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "uids", name: uid)) }
        for (key, values) in extra {
            for value in values {
                checks.append(AuthorizationAttributes(verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "userextras", subresource: key, name: value))
            }
        }
        for check in checks where try await !authorizer.allows(user, check) {
            throw RequestAuthorizer.forbidden(check, user: user, reason: nil)
        }
        if name != "system:anonymous", !impersonatedGroups.contains("system:authenticated") { impersonatedGroups.append("system:authenticated") }
        return UserInfo(name: name, groups: impersonatedGroups, extra: extra)
    }
}
