// The system libsecp256k1 header, exposed to Swift as the CSecp256k1 module (Debian: libsecp256k1-dev).
#include <secp256k1.h>

// Function-like flag macros do not import into Swift; these constants carry their values.
static const unsigned int csecp256k1_context_none = SECP256K1_CONTEXT_NONE;
static const unsigned int csecp256k1_ec_compressed = SECP256K1_EC_COMPRESSED;
