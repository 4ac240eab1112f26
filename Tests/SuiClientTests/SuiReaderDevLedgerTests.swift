import SuiClient
import SuiDevLedger
import Testing

/// Both readers against a dev ledger served on a free port.
@Suite("Readers against the dev ledger")
struct SuiReaderDevLedgerTests {
    static let alice = address("0xa11ce00000000000000000000000000000000000000000000000000000000001")
    static let bob = address("0xb0b0000000000000000000000000000000000000000000000000000000000002")

    @Test("chain identifier and advancing checkpoints", arguments: SuiReaderConfiguration.Transport.allCases)
    func chainAndCheckpoints(_ transport: SuiReaderConfiguration.Transport) async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger, checkpointInterval: .milliseconds(50)) { port in
            let reader = try reader(transport, port: port)
            let identifier = try await reader.chainIdentifier()
            #expect(identifier == (await ledger.chainIdentifier))
            #expect(identifier.count == 8 && identifier.allSatisfy(\.isHexDigit))
            let first = try await reader.latestCheckpoint()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await reader.latestCheckpoint() > first)
        }
    }

    @Test("objects, owned-object paging, stakes and events", arguments: SuiReaderConfiguration.Transport.allCases)
    func readsAfterWrites(_ transport: SuiReaderConfiguration.Transport) async throws {
        let ledger = try SuiDevLedger(stateFile: nil)
        try await withDevLedger(ledger) { port in
            let reader = try reader(transport, port: port)
            let checkpoint = try await reader.latestCheckpoint()
            let one = try await ledger.addStake(owner: Self.alice, principal: 1_000_000_000)
            let two = try await ledger.addStake(owner: Self.alice, principal: UInt64.max)
            let three = try await ledger.addStake(owner: Self.bob, principal: 5)
            #expect(try await reader.latestCheckpoint() == checkpoint + 3)

            let object = try #require(try await reader.object(id: one.id))
            #expect(object.id == one.id)
            #expect(object.owner == .address(Self.alice))
            #expect(object.type.map { SuiDevLedger.normalizedType($0) } == SuiDevLedger.normalizedType(StakedSui.moveType))
            #expect(object.contents?["principal"]?.uint64 == 1_000_000_000)
            #expect(try await reader.object(id: address("0x1234")) == nil)

            let many = try await reader.objects(ids: [two.id, address("0x99"), three.id])
            #expect(many.map { $0?.id } == [two.id, nil, three.id])

            // Paging with limit 1 visits both of Alice's objects, in id order.
            var seen: [SuiAddress] = []
            var cursor: String?
            repeat {
                let page = try await reader.ownedObjects(owner: Self.alice, type: StakedSui.moveType, cursor: cursor, limit: 1)
                #expect(page.items.count <= 1)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil && seen.count < 10
            #expect(seen == [one.id, two.id].sorted())
            #expect(try await reader.ownedObjects(owner: Self.alice, type: "0x2::coin::Coin<0x2::sui::SUI>", cursor: nil, limit: 5).items.isEmpty)

            let stakes = try await reader.stakes(owner: Self.alice)
            #expect(Set(stakes) == [one, two])
            #expect(stakes.first { $0.id == two.id }?.principal == UInt64.max)

            try await ledger.withdrawStake(id: one.id)
            #expect(try await reader.stakes(owner: Self.alice) == [two])
            #expect(try await reader.object(id: one.id) == nil)

            // Three stake events then one unstake event; page through them two at a time.
            var events: [SuiEvent] = []
            cursor = nil
            repeat {
                let page = try await reader.events(type: SuiDevLedger.stakingRequestEventType, cursor: cursor, limit: 2)
                events += page.items
                cursor = page.nextCursor
            } while cursor != nil && events.count < 10
            #expect(events.count == 3)
            #expect(events.map { $0.contents["staker_address"]?.string } == [Self.alice, Self.alice, Self.bob].map { $0.description })
            #expect(events[1].contents["amount"] == .string(String(UInt64.max)))
            #expect(events.allSatisfy { $0.timestampMs != nil && $0.sender != nil })
            let unstakes = try await reader.events(type: SuiDevLedger.unstakingRequestEventType, cursor: nil, limit: 50)
            #expect(unstakes.items.count == 1)
            #expect(unstakes.items.first?.contents["principal_amount"] == "1000000000")
            #expect(unstakes.items.first?.contents["stake_activation_epoch"] == .string(String(one.stakeActivationEpoch)))
            #expect(unstakes.nextCursor == nil)
        }
    }

    @Test("page sizes outside 1...50 are rejected before sending", arguments: SuiReaderConfiguration.Transport.allCases)
    func pageSizes(_ transport: SuiReaderConfiguration.Transport) async throws {
        let reader = try reader(transport, port: 1)
        await #expect(throws: SuiClientError(code: .invalidArgument, message: "page size 51 is outside 1...50")) {
            try await reader.events(type: "0x3::validator::StakingRequestEvent", cursor: nil, limit: 51)
        }
    }
}
