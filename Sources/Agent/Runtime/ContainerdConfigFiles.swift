import Foundation
import KubeTypes

/// The files a managed containerd runs from (containerd 1.6, config version 2).
enum ContainerdConfigFiles {
    /// A TOML basic string: quoted, with `"` and `\` escaped (paths and image names only).
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `config.toml`: root, state and sockets under the directory; the CRI plugin with runc,
    /// CNI from the directory's conflist, the registry hosts under `certs.d`, the stream server on
    /// loopback (random port: CRI answers carry the URL), and `restrict_oom_score_adj` (runc
    /// cannot lower its score below containerd's own in an unprivileged parent).
    static func config(_ configuration: ManagedContainerd.Configuration) -> String {
        let directory = configuration.directory
        return """
            version = 2
            root = \(quoted(directory + "/root"))
            state = \(quoted(directory + "/state"))

            [grpc]
              address = \(quoted(configuration.socketPath))

            [ttrpc]
              address = \(quoted(configuration.socketPath + ".ttrpc"))

            [debug]
              level = "info"

            [plugins]
              [plugins."io.containerd.grpc.v1.cri"]
                sandbox_image = \(quoted(configuration.sandboxImage))
                restrict_oom_score_adj = true
                stream_server_address = "127.0.0.1"
                stream_server_port = "0"
                enable_tls_streaming = false
                disable_apparmor = true
                max_container_log_line_size = 16384
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "overlayfs"
                  default_runtime_name = "runc"
                  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                    runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                      SystemdCgroup = false
                [plugins."io.containerd.grpc.v1.cri".cni]
                  bin_dir = \(quoted(configuration.cniBinDirectory))
                  conf_dir = \(quoted(directory + "/cni-conf"))
                  max_conf_num = 1
                [plugins."io.containerd.grpc.v1.cri".registry]
                  config_path = \(quoted(directory + "/certs.d"))
              [plugins."io.containerd.internal.v1.opt"]
                path = \(quoted(directory + "/opt"))

            """
    }

    /// The CNI network: a bridge (no gateway mode, so IP forwarding stays off) with host-local
    /// IPAM on the pod subnet and a default route via the bridge's address; portmap for hostPorts.
    static func conflist(_ configuration: ManagedContainerd.Configuration, subnet: PodSubnet) -> String {
        let range: JSONValue = [["subnet": .string(subnet.cidr), "rangeStart": .string(subnet.rangeStart), "rangeEnd": .string(subnet.rangeEnd)]]
        let document: JSONValue = [
            "cniVersion": "1.0.0", "name": "daas",
            "plugins": [
                [
                    "type": "bridge", "bridge": .string(configuration.bridge), "isGateway": false, "ipMasq": false, "hairpinMode": true,
                    "ipam": [
                        "type": "host-local", "dataDir": .string(configuration.directory + "/cni-data"), "ranges": [range],
                        "routes": [["dst": "0.0.0.0/0", "gw": .string(subnet.gateway)]],
                    ],
                ],
                ["type": "portmap", "capabilities": ["portMappings": true]],
            ],
        ]
        return String(decoding: document.serialized(), as: UTF8.self)
    }

    /// `certs.d/<host>/hosts.toml`: pulls for `host` go to `mirror` first, then to the host itself.
    static func hosts(host: String, mirror: String) -> String {
        let upstream = host == "docker.io" ? "https://registry-1.docker.io" : "https://" + host
        return """
            server = \(quoted(upstream))

            [host.\(quoted(mirror))]
              capabilities = ["pull", "resolve"]
              skip_verify = false

            """
    }
}
