import DaaSTestSupport
import Foundation
import Testing

/// Server-side apply, every patch type, diff, edit, replace and server dry runs, through the real
/// kubectl against a real daas-master.
@Suite("kubectl apply, patch, diff, edit and dry runs", .blockingWaits)
struct ApplyEndToEndTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("daas-apply-\(UUID().uuidString)").path

    func withMaster(_ body: (MasterProcess) throws -> Void) throws {
        try DaaSTestSupport.withMaster(root: root, body)
    }

    func write(_ text: String, _ name: String) throws -> String {
        try writeFile(text, in: root, named: name)
    }

    func deployment(replicas: Int = 2, image: String = "nginx:1.27", labels: String = "team: a") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app, labels: {\(labels)}}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app}}
            spec:
              containers:
              - {name: web, image: "\(image)", ports: [{containerPort: 80}]}
        """
    }

    @Test("apply --server-side creates, re-applies without a change, conflicts between managers, forces, and removes what it stops applying")
    func serverSideApply() throws {
        try withMaster { master in
            let manifest = try write(deployment(), "app.yaml")
            #expect(try master.ok(["apply", "--server-side", "-f", manifest]) == "deployment.apps/app serverside-applied\n")
            let version = try master.ok(["get", "deployment", "app", "-o", "jsonpath={.metadata.resourceVersion}"])
            #expect(try master.ok(["apply", "--server-side", "-f", manifest]) == "deployment.apps/app serverside-applied\n")
            #expect(try master.ok(["get", "deployment", "app", "-o", "jsonpath={.metadata.resourceVersion} {.metadata.generation}"]) == "\(version) 1")
            let managers = try master.ok(["get", "deployment", "app", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[?(@.operation==\"Apply\")].manager}"])
            #expect(managers == "kubectl")
            let fields = try master.ok(["get", "deployment", "app", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].fieldsV1}"])
            #expect(fields.contains("\"k:{\\\"containerPort\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\""), "\(fields)")

            // Another manager changing kubectl's fields conflicts; the same values are shared.
            let changed = try write(deployment(replicas: 5, image: "nginx:1.28"), "changed.yaml")
            let conflict = try master.kubectl(["apply", "--server-side", "--field-manager=ci", "-f", changed])
            #expect(conflict.status == 1)
            #expect(conflict.error.hasPrefix("error: Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image\nPlease review the fields above"), "\(conflict.error)")
            #expect(try master.ok(["apply", "--server-side", "--field-manager=ci", "-f", manifest]) == "deployment.apps/app serverside-applied\n")
            // An update by another client (kubectl scale) takes the field; applying it back conflicts with that updater.
            #expect(try master.ok(["scale", "deployment", "app", "--replicas=3"]) == "deployment.apps/app scaled\n")
            let scaled = try master.kubectl(["apply", "--server-side", "-f", manifest])
            #expect(scaled.error.hasPrefix("error: Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas\n"), "\(scaled.error)")
            #expect(try master.ok(["apply", "--server-side", "--force-conflicts", "-f", changed]) == "deployment.apps/app serverside-applied\n")
            #expect(try master.ok(["get", "deployment", "app", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"]) == "5 nginx:1.28")

            // A label kubectl stops applying goes; one another manager also applies stays.
            try deployment(replicas: 5, image: "nginx:1.28", labels: "team: a, tier: web, shared: x").write(toFile: changed, atomically: true, encoding: .utf8)
            _ = try master.ok(["apply", "--server-side", "-f", changed])
            let other = try write("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, labels: {shared: x}}\n", "other.yaml")
            _ = try master.ok(["apply", "--server-side", "--field-manager=ci", "-f", other])
            try deployment(replicas: 5, image: "nginx:1.28", labels: "team: a").write(toFile: changed, atomically: true, encoding: .utf8)
            _ = try master.ok(["apply", "--server-side", "-f", changed])
            #expect(try master.ok(["get", "deployment", "app", "-o", "jsonpath={.metadata.labels}"]) == "{\"shared\":\"x\",\"team\":\"a\"}")

            // A dry run answers as the apply would and stores nothing.
            let dry = try write(deployment(replicas: 7, image: "nginx:1.28"), "dry.yaml")
            #expect(try master.ok(["apply", "--server-side", "--dry-run=server", "-f", dry]) == "deployment.apps/app serverside-applied (server dry run)\n")
            #expect(try master.ok(["get", "deployment", "app", "-o", "jsonpath={.spec.replicas}"]) == "5")
        }
    }

    @Test("patch --type=json|merge|strategic, replace, edit, diff, and dry runs of create and delete")
    func patchesAndEdits() throws {
        try withMaster { master in
            _ = try master.ok(["create", "configmap", "c", "--from-literal=a=1", "--from-literal=b=2"])
            let json = #"[{"op":"add","path":"/metadata/labels","value":{}},{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"x"},{"op":"test","path":"/data/a","value":"1"},{"op":"move","from":"/data/b","path":"/data/moved"},{"op":"copy","from":"/data/a","path":"/data/copied"},{"op":"remove","path":"/data/a"}]"#
            #expect(try master.ok(["patch", "configmap", "c", "--type=json", "-p", json]) == "configmap/c patched\n")
            #expect(try master.ok(["get", "configmap", "c", "-o", "jsonpath={.data} {.metadata.labels}"]) == "{\"copied\":\"1\",\"moved\":\"2\"} {\"app.kubernetes.io/name\":\"x\"}")
            let failed = try master.kubectl(["patch", "configmap", "c", "--type=json", "-p", #"[{"op":"test","path":"/data/copied","value":"9"},{"op":"remove","path":"/data/copied"}]"#])
            #expect(failed.status == 1 && failed.error.contains("test failed"), "\(failed.error)")
            #expect(try master.ok(["patch", "configmap", "c", "--type=merge", "-p", #"{"data":{"merged":"m","moved":null}}"#]) == "configmap/c patched\n")
            #expect(try master.ok(["patch", "configmap", "c", "-p", #"{"data":{"strategic":"s"}}"#]) == "configmap/c patched\n")
            #expect(try master.ok(["get", "configmap", "c", "-o", "jsonpath={.data}"]) == "{\"copied\":\"1\",\"merged\":\"m\",\"strategic\":\"s\"}")
            let managers = try master.ok(["get", "configmap", "c", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}"])
            #expect(managers == "kubectl-create kubectl-patch", "\(managers)")

            // replace with what get printed, and edit through $KUBE_EDITOR.
            let current = try master.ok(["get", "configmap", "c", "-o", "yaml"])
            let replaced = try write(current.replacingOccurrences(of: "copied: \"1\"", with: "copied: replaced"), "c.yaml")
            #expect(try master.ok(["replace", "-f", replaced]) == "configmap/c replaced\n")
            let stale = try master.kubectl(["replace", "-f", try write(current, "stale.yaml")])
            #expect(stale.status == 1 && stale.error.contains("the object has been modified"), "\(stale.error)")
            let editor = try write("#!/bin/sh\nsed -i 's/copied: replaced/copied: edited/' \"$1\"\n", "editor.sh")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor)
            let edited = try run("/usr/bin/env", ["KUBE_EDITOR=" + editor, "kubectl", "--kubeconfig", master.kubeconfig, "edit", "configmap", "c"], timeout: 60)
            #expect(edited.status == 0 && edited.output == "configmap/c edited\n", "\(edited.error)")
            #expect(try master.ok(["get", "configmap", "c", "-o", "jsonpath={.data.copied}"]) == "edited")

            // diff: 1 with a difference, 0 without.
            let manifest = try write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {k: v}\n", "d.yaml")
            _ = try master.ok(["apply", "-f", manifest])
            #expect(try master.kubectl(["diff", "-f", manifest]).status == 0)
            try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\ndata: {k: changed}\n".write(toFile: manifest, atomically: true, encoding: .utf8)
            let diff = try master.kubectl(["diff", "-f", manifest])
            #expect(diff.status == 1 && diff.output.contains("-  k: v\n+  k: changed\n"), "\(diff.output)\(diff.error)")
            #expect(try master.ok(["get", "configmap", "d", "-o", "jsonpath={.data.k}"]) == "v")

            // Server dry runs of create and delete change nothing.
            #expect(try master.ok(["create", "configmap", "dry", "--from-literal=x=y", "--dry-run=server", "-o", "name"]) == "configmap/dry\n")
            #expect(try master.kubectl(["get", "configmap", "dry"]).status == 1)
            #expect(try master.ok(["delete", "configmap", "c", "--dry-run=server"]) == "configmap \"c\" deleted (server dry run)\n")
            #expect(try master.ok(["get", "configmap", "c", "-o", "name"]) == "configmap/c\n")
        }
    }
}
