#ifndef CASA_RELEASE_COPENSSL_H
#define CASA_RELEASE_COPENSSL_H
/* OpenSSL's libcrypto (Debian: libssl3; its headers: libssl-dev), loaded when first used rather
   than when casa-release starts (0.8 ms of a start here, for a library of 4,000 functions to
   relocate), which a command that hashes and signs nothing (status, runs, --version) need not pay.
   The functions casa-release calls are defined in libcrypto_loader.c, each forwarding to
   libcrypto's own, found with dlopen(3) once (CLibraryLoader, as CLibpq and CCurl do); the types
   and constants are OpenSSL's headers'.
   Sources/Hashing uses its SHA-256 and MD5 contexts: plain structs, so a hasher is a Swift value
   that copies by assignment and never allocates. OpenSSL 3 marks these calls deprecated in favour
   of EVP, whose contexts are heap objects; they remain part of OpenSSL 3's API, with the same
   assembly underneath (docs/decisions.md, "Hashing").
   Sources/Signing uses EVP: ECDSA P-256 keys, PEM files (passphrase-protected PKCS#8) and
   signatures. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

/* BIO_get_mem_data is a macro, which Swift cannot call. */
static inline long casa_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

/* The passphrase callback of every PEM read and write: the passphrase is the NUL-terminated
   string `u` points to, or there is none (-1: OpenSSL fails instead of prompting on the terminal,
   which it does when no callback is given). */
static inline int casa_pem_passphrase(char *buffer, int size, int rwflag, void *u) {
    (void)rwflag;
    if (u == NULL) return -1;
    size_t length = strlen((const char *)u);
    if (length > (size_t)size) return -1;
    memcpy(buffer, u, length);
    return (int)length;
}

static inline int casa_evp_pkey_ec(void) { return EVP_PKEY_EC; }
#endif
