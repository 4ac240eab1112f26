import ArgumentParser
import EncStore
import Foundation
import KubeAPI
import Logging
import Synchronization

/// `daasctl store`: offline operations on a stopped master's encrypted store.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the encrypted store, rotate its data key or copy it to etcd (stop daas-master first).",
        subcommands: [Status.self, RotateKey.self, Migrate.self]
    )

    /// Where the store and its keys are.
    struct Location: ParsableArguments {
        @Option(help: "The master's data directory.") var dataDir = "./data"
        @Option(help: "Key file. Default: <data-dir>/store.key.") var keyFile: String?

        var provider: KeyProvider { .file(keyFile ?? dataDir + "/store.key") }

        func open() throws -> MVCCStore {
            do {
                return try MVCCStore.lmdb(directory: dataDir + "/store", keyProvider: provider)
            } catch let error as StoreError {
                throw Failure(error.message)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the store's revision, key count and active key.")
        @OptionGroup var location: Location

        func run() async throws {
            let ring = try location.provider.loadKeyRing()
            let store = try location.open()
            let revision = try await store.currentRevision()
            let count = try await store.count(prefix: "")
            await store.close()
            print("revision: \(revision)\nkeys: \(count.count)\nactive data key: \(ring.active.id)")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Re-seal every value under a fresh data key and replace the key file.")
        @OptionGroup var location: Location

        func run() async throws {
            let store = try location.open()
            let report: MVCCStore.KeyRotationReport
            do {
                // Progress on standard error, at most one line per 5,000 records.
                let reported = Mutex(0)
                report = try await store.rotateKey(using: location.provider) { resealed in
                    let due = reported.withLock { last in
                        guard resealed / 5_000 > last / 5_000 else { return false }
                        last = resealed
                        return true
                    }
                    if due { FileHandle.standardError.write(Data("re-sealed \(resealed) records...\n".utf8)) }
                }
            } catch let error as StoreError {
                await store.close()
                throw Failure(error.message)
            }
            await store.close()
            print("rotated to data key \(report.activeKey); re-sealed \(report.resealed) records")
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a stopped master's store into an empty etcd prefix (values sealed with the same data keys), for daas-master --store etcd.")
        @OptionGroup var location: Location
        @Option(help: "The etcd cluster: etcd://host:port[,host:port...] (plain), or http(s)://host:port[,...].") var to: String
        @Option(help: "With https: the CA of the etcd members' certificates (PEM file).") var etcdCafile: String?
        @Option(help: "A client certificate for etcd's --client-cert-auth (PEM file).") var etcdCertfile: String?
        @Option(help: "The key of --etcd-certfile (PEM file).") var etcdKeyfile: String?
        @Option(help: "The prefix the cluster's keys go under (daas-master's --etcd-prefix).") var etcdPrefix = "/daas"

        /// The endpoints `--to` names.
        static func endpoints(_ to: String) throws -> [String] {
            let list = to.hasPrefix("etcd://") ? String(to.dropFirst("etcd://".count)) : to
            let parts = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !parts.isEmpty else { throw Failure("--to must name etcd endpoints, e.g. etcd://127.0.0.1:2379") }
            return parts.map { part in to.hasPrefix("etcd://") && !part.contains("://") ? "http://" + part : part }
        }

        func run() async throws {
            var logger = Logger(label: "daasctl")
            logger.logLevel = .error
            let endpoints = try Self.endpoints(to)
            let configuration = EtcdConfiguration(
                endpoints: endpoints, caFile: etcdCafile, certificateFile: etcdCertfile, keyFile: etcdKeyfile, keyPrefix: etcdPrefix)
            let ring = try location.provider.loadKeyRing()
            let source = try location.open()
            let target: EtcdStore
            do {
                target = try EtcdStore(configuration: configuration, keyRing: ring, logger: logger)
            } catch let error as StoreError {
                await source.close()
                throw Failure("cannot use etcd at \(endpoints.joined(separator: ",")): \(error.message)")
            }
            do {
                let copied = try await copy(from: source, to: target, logger: logger)
                print("copied \(copied.keys) keys (store revision \(copied.revision)) to \(endpoints.joined(separator: ",")) under \(etcdPrefix)\n"
                    + "start the masters with: --store etcd --etcd-endpoints \(endpoints.joined(separator: ",")) --key-file <this key file>")
            } catch {
                await target.close()
                await source.close()
                throw error
            }
            await target.close()
            await source.close()
        }

        private func copy(from source: MVCCStore, to target: EtcdStore, logger: Logger) async throws -> (keys: Int, revision: Int64) {
            do {
                try await target.waitUntilReachable(timeout: .seconds(20))
                let existing = try await target.count(prefix: "").count
                guard existing == 0 else {
                    throw Failure("etcd already holds \(existing) keys under \(etcdPrefix): migrate into an empty prefix (or choose another --etcd-prefix)")
                }
                // A store from before shared identities gets its data directory's identity first, so
                // masters on etcd keep this cluster's id and CA (and the kubeconfigs issued from it).
                _ = try await ClusterIdentity.synchronize(store: source, dataDirectory: location.dataDir, logger: logger)
                let revision = try await source.currentRevision()
                var after: String?
                var copied = 0
                while true {
                    let page = try await source.range(prefix: "", limit: 500, after: after)
                    // etcd takes at most 128 operations and 1.5 MiB in one request.
                    var batch: [WriteOperation] = []
                    var bytes = 0
                    for kv in page.kvs {
                        if !batch.isEmpty, batch.count == 100 || bytes + kv.value.count > 1 << 20 {
                            try await commit(batch, into: target)
                            batch = []
                            bytes = 0
                        }
                        batch.append(.create(kv.key, value: kv.value))
                        bytes += kv.value.count + kv.key.utf8.count
                    }
                    if !batch.isEmpty { try await commit(batch, into: target) }
                    copied += page.kvs.count
                    if copied / 5_000 > (copied - page.kvs.count) / 5_000 { FileHandle.standardError.write(Data("copied \(copied) keys...\n".utf8)) }
                    guard page.more, let last = page.kvs.last else { break }
                    after = last.key
                }
                return (copied, revision)
            } catch let error as StoreError {
                throw Failure("migration stopped: \(error.message)")
            } catch let error as APIError {
                throw Failure("migration stopped: \(error.message)")
            }
        }

        private func commit(_ batch: [WriteOperation], into target: EtcdStore) async throws {
            if case .conditionFailed(let index, _, _) = try await target.transaction(batch) {
                throw Failure("\(batch[index].key) appeared in etcd during the migration: is a master already using \(etcdPrefix)?")
            }
        }
    }
}
