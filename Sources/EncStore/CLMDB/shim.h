// The system LMDB header, exposed to Swift as the CLMDB module (Debian: liblmdb-dev).
#include <lmdb.h>
