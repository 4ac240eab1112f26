import KubeTypes

/// A container's probe or lifecycle handler as the pod spec gives it (`livenessProbe`,
/// `readinessProbe`, `startupProbe`, `lifecycle.postStart/preStop`), with kube's defaults and
/// named ports resolved against the container's ports.
struct ProbeSpec: Sendable, Equatable {
    /// What one check does.
    enum Action: Sendable, Equatable {
        case exec([String])
        case http(scheme: String, host: String?, port: Int, path: String, headers: [HTTPHeader])
        case tcp(host: String?, port: Int)
        case grpc(port: Int, service: String)
        /// `lifecycle.*.sleep` (hooks only).
        case sleep(seconds: Int)
    }

    struct HTTPHeader: Sendable, Equatable {
        var name: String
        var value: String
    }

    var action: Action
    /// Seconds after the container started before the first check. Default 0.
    var initialDelaySeconds = 0
    /// Seconds between checks. Default 10.
    var periodSeconds = 10
    /// Seconds one check may take. Default 1.
    var timeoutSeconds = 1
    /// Consecutive successes that make the result a success. Default 1.
    var successThreshold = 1
    /// Consecutive failures that make the result a failure. Default 3.
    var failureThreshold = 3
    /// The grace period of a kill this probe causes (`terminationGracePeriodSeconds`), if set.
    var terminationGracePeriodSeconds: Int64?

    /// The handler of `probe` for `container`; nil when there is none or it cannot be run (the
    /// API server validates probes, so that is a port name the container does not declare).
    init?(_ probe: JSONValue?, container: JSONValue) {
        guard let probe, case .object = probe else { return nil }
        func port(_ value: JSONValue?) -> Int? {
            if let number = value?.integerValue { return (1...65535).contains(number) ? Int(number) : nil }
            guard let name = value?.stringValue else { return nil }
            if let number = Int(name) { return (1...65535).contains(number) ? number : nil }
            let declared = (container["ports"]?.arrayValue ?? []).first { $0["name"]?.stringValue == name }
            return declared?["containerPort"]?.integerValue.flatMap { (1...65535).contains($0) ? Int($0) : nil }
        }
        func host(_ value: JSONValue?) -> String? { value?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        if let exec = probe["exec"] {
            let command = (exec["command"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard !command.isEmpty else { return nil }
            action = .exec(command)
        } else if let http = probe["httpGet"] {
            guard let number = port(http["port"]) else { return nil }
            var path = http["path"]?.stringValue ?? "/"
            if !path.hasPrefix("/") { path = "/" + path }
            let headers = (http["httpHeaders"]?.arrayValue ?? []).compactMap { header -> HTTPHeader? in
                guard let name = header["name"]?.stringValue, !name.isEmpty else { return nil }
                return HTTPHeader(name: name, value: header["value"]?.stringValue ?? "")
            }
            action = .http(scheme: (http["scheme"]?.stringValue ?? "HTTP").lowercased(), host: host(http["host"]), port: number, path: path, headers: headers)
        } else if let tcp = probe["tcpSocket"] {
            guard let number = port(tcp["port"]) else { return nil }
            action = .tcp(host: host(tcp["host"]), port: number)
        } else if let grpc = probe["grpc"] {
            guard let number = grpc["port"]?.integerValue, (1...65535).contains(number) else { return nil }
            action = .grpc(port: Int(number), service: grpc["service"]?.stringValue ?? "")
        } else if let sleep = probe["sleep"] {
            action = .sleep(seconds: Int(clamping: max(0, sleep["seconds"]?.integerValue ?? 0)))
        } else {
            return nil
        }
        func positive(_ key: String, _ fallback: Int) -> Int {
            guard let value = probe[key]?.integerValue, value > 0 else { return fallback }
            return Int(clamping: min(value, 86_400))
        }
        initialDelaySeconds = Int(clamping: min(max(0, probe["initialDelaySeconds"]?.integerValue ?? 0), 86_400))
        periodSeconds = positive("periodSeconds", 10)
        timeoutSeconds = positive("timeoutSeconds", 1)
        successThreshold = positive("successThreshold", 1)
        failureThreshold = positive("failureThreshold", 3)
        terminationGracePeriodSeconds = probe["terminationGracePeriodSeconds"]?.integerValue
    }
}
