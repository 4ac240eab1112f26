/// The GraphQL documents ``SuiGraphQLReader`` sends. Each is valid against Sui's GraphQL RPC
/// schema (`sui-indexer-alt-graphql`) and modelled on the project's fixture queries; the dev
/// ledger recognizes exactly these documents.
package enum SuiGraphQLQueries {
    /// The owner union selection, shared by every object read.
    static let ownerSelection = """
        owner {
              __typename
              ... on AddressOwner { address { address } }
              ... on ObjectOwner { address { address } }
              ... on Shared { initialSharedVersion }
              ... on ConsensusAddressOwner { startVersion address { address } }
            }
        """

    /// `chainIdentifier`.
    package static let chainIdentifier = """
        query ChainIdentifier {
          chainIdentifier
        }
        """

    /// The latest checkpoint's sequence number.
    package static let latestCheckpoint = """
        query LatestCheckpoint {
          checkpoint {
            sequenceNumber
          }
        }
        """

    /// One object by address (`$address`).
    package static let object = """
        query GetObject($address: SuiAddress!) {
          object(address: $address) {
            address
            version
            digest
            \(ownerSelection)
            asMoveObject {
              contents {
                type { repr }
                json
              }
            }
          }
        }
        """

    /// Several objects (`$keys: [{address}]`), in order, `null` where missing.
    package static let multiGetObjects = """
        query MultiGetObjects($keys: [ObjectKey!]!) {
          multiGetObjects(keys: $keys) {
            address
            version
            digest
            \(ownerSelection)
            asMoveObject {
              contents {
                type { repr }
                json
              }
            }
          }
        }
        """

    /// Objects `$owner` owns, optionally of `$type`, paged with `$first`/`$after`.
    package static let ownedObjects = """
        query GetOwnedObjects($owner: SuiAddress!, $type: String, $first: Int, $after: String) {
          address(address: $owner) {
            objects(first: $first, after: $after, filter: { type: $type }) {
              pageInfo {
                hasNextPage
                endCursor
              }
              nodes {
                address
                version
                digest
                \(ownerSelection)
                contents {
                  type { repr }
                  json
                }
              }
            }
          }
        }
        """

    /// Events of Move event `$type`, oldest first, paged with `$first`/`$after`.
    package static let events = """
        query EventsByType($type: String!, $first: Int, $after: String) {
          events(first: $first, after: $after, filter: { type: $type }) {
            pageInfo {
              hasNextPage
              endCursor
            }
            nodes {
              sequenceNumber
              timestamp
              sender { address }
              contents {
                type { repr }
                json
              }
              transaction { digest }
            }
          }
        }
        """

    /// Every document, keyed by operation name.
    package static let all: [String: String] = [
        "ChainIdentifier": chainIdentifier, "LatestCheckpoint": latestCheckpoint, "GetObject": object,
        "MultiGetObjects": multiGetObjects, "GetOwnedObjects": ownedObjects, "EventsByType": events,
    ]

    /// The operation name of a document (`query <Name>`), if it has one.
    package static func operationName(of document: String) -> String? {
        guard let range = document.firstRange(of: "query ") else { return nil }
        let name = document[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }
}
