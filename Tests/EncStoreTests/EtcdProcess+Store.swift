import DaaSTestSupport
import Foundation
import Logging

@testable import EncStore

extension EtcdProcess {
    /// A store on this etcd, once it answers (at most 60 s).
    func store(configuration: StoreConfiguration = StoreConfiguration(), keyPrefix: String = "/daas") async throws -> EtcdStore {
        let logger = Logger(label: "etcd-test", factory: { _ in SwiftLogNoOpLogHandler() })
        var etcd = EtcdConfiguration(endpoints: [clientURL], keyPrefix: keyPrefix, store: configuration)
        etcd.requestTimeout = .seconds(5)
        let store = try EtcdStore(configuration: etcd, keyRing: KeyRing(active: .generate()), logger: logger)
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                _ = try await store.currentRevision()
                return store
            } catch {
                guard ContinuousClock.now < deadline, process.isRunning else {
                    await store.close()
                    throw CommandFailure(description: "etcd did not answer: \(error); log: \(process.output.suffix(2000))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
