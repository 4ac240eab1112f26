// The system libsodium header, exposed to Swift as the CSodium module (Debian: libsodium-dev).
#include <sodium.h>

// crypto_generichash_state is 64-byte aligned, which Swift does not import; these wrappers take
// the caller's suitably aligned buffer of crypto_generichash_statebytes() bytes as a void pointer.
static inline int csodium_generichash_init(void *state, size_t outlen) {
    return crypto_generichash_init((crypto_generichash_state *) state, NULL, 0, outlen);
}
static inline int csodium_generichash_update(void *state, const unsigned char *in, unsigned long long inlen) {
    return crypto_generichash_update((crypto_generichash_state *) state, in, inlen);
}
static inline int csodium_generichash_final(void *state, unsigned char *out, size_t outlen) {
    return crypto_generichash_final((crypto_generichash_state *) state, out, outlen);
}
