#ifndef CASA_RELEASE_COPENSSL_SHIM_H
#define CASA_RELEASE_COPENSSL_SHIM_H
/* OpenSSL's libcrypto (Debian: libssl-dev), the library libcurl and libpq already load.
   Sources/Hashing uses its SHA-256 and MD5 contexts: plain structs, so a hasher is a Swift value
   that copies by assignment and never allocates. OpenSSL 3 marks these calls deprecated in favour
   of EVP, whose contexts are heap objects; they remain part of OpenSSL 3's API, with the same
   assembly underneath (docs/decisions.md, "Hashing"). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/md5.h>
#include <openssl/sha.h>
#endif
