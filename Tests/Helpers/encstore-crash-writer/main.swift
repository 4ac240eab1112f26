// A writer for the kill -9 durability test: opens the store named on the command line and writes
// with 8 concurrent tasks forever, printing "ack <key>" once each write is acknowledged. The test
// kills it with SIGKILL and checks that every acknowledged key survived.
import EncStore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: encstore-crash-writer DATA_DIR KEY_FILE\n".utf8))
    exit(2)
}
let store = try MVCCStore.lmdb(directory: arguments[1], keyProvider: .file(arguments[2]))

try await withThrowingTaskGroup(of: Void.self) { group in
    for writer in 0..<8 {
        group.addTask {
            for index in 0... {
                let key = "/crash/\(writer)/\(index)"
                let result = try await store.create(key, value: Array("value of \(key)".utf8))
                guard result.succeeded else { fatalError("create of a fresh key failed: \(result)") }
                FileHandle.standardOutput.write(Data("ack \(key)\n".utf8))
            }
        }
    }
    try await group.waitForAll()
}
