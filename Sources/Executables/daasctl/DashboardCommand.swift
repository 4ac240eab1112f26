import ArgumentParser
import Foundation
import KubeAPI
import NIOHTTP1

/// `daasctl dashboard`: a sign-in link to the web dashboard for the kubeconfig's user. The
/// master mints a single-use login token valid for five minutes; opening the printed URL trades it
/// for a session cookie. Nothing is opened: on a headless machine the URL is copied to a browser
/// that reaches the master (which must trust or accept the cluster CA).
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Print a one-time sign-in URL for the web dashboard (/daas/dashboard).",
        discussion: "The dashboard then acts as the kubeconfig's user: it shows what that user may read.")

    @Option(help: "The kubeconfig to use (a client certificate or token; e.g. <data-dir>/admin.kubeconfig).") var kubeconfig: String

    func run() async throws {
        let client = try APIClient(kubeconfigAt: kubeconfig)
        defer { client.shutdown() }
        let (status, body) = try await client.send(.POST, "/daas/v1/dashboard/login-tokens", body: Data("{}".utf8), contentType: "application/json")
        let answer = try? JSONParser().parse(Array(body))
        guard status == 201, let path = answer?["path"]?.stringValue, let expires = answer?["expirationTimestamp"]?.stringValue else {
            throw Failure("the master refused a dashboard login token (\(status)): \(answer?["message"]?.stringValue ?? "no message")")
        }
        let user = answer?["user"]?.stringValue ?? ""
        FileHandle.standardOutput.write(Data("""
            Open this URL in a browser (single use, valid until \(expires)); the dashboard acts as \(user):
            \(client.serverURL)\(path)

            """.utf8))
    }
}
