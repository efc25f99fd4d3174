/* libcrypto's functions that casa-release calls, each forwarding to libcrypto loaded on first use
   (include/COpenSSL.h says why). Hidden: libcrypto's own calls between its functions, and the
   libcrypto other libraries of the process link (libcurl, libpq), never reach these. Each
   definition must match OpenSSL's own declaration, which the compiler checks. */
#pragma GCC visibility push(hidden)
#include "COpenSSL.h"
#include "library_loader.h"

static struct {
    __typeof__(&BIO_ctrl) BIO_ctrl;
    __typeof__(&BIO_free) BIO_free;
    __typeof__(&BIO_new) BIO_new;
    __typeof__(&BIO_s_mem) BIO_s_mem;
    __typeof__(&BIO_write) BIO_write;
    __typeof__(&ERR_error_string_n) ERR_error_string_n;
    __typeof__(&ERR_get_error) ERR_get_error;
    __typeof__(&EVP_DigestSign) EVP_DigestSign;
    __typeof__(&EVP_DigestSignInit) EVP_DigestSignInit;
    __typeof__(&EVP_DigestVerify) EVP_DigestVerify;
    __typeof__(&EVP_DigestVerifyInit) EVP_DigestVerifyInit;
    __typeof__(&EVP_MD_CTX_free) EVP_MD_CTX_free;
    __typeof__(&EVP_MD_CTX_new) EVP_MD_CTX_new;
    __typeof__(&EVP_PKEY_CTX_free) EVP_PKEY_CTX_free;
    __typeof__(&EVP_PKEY_CTX_new_from_name) EVP_PKEY_CTX_new_from_name;
    __typeof__(&EVP_PKEY_CTX_set_group_name) EVP_PKEY_CTX_set_group_name;
    __typeof__(&EVP_PKEY_free) EVP_PKEY_free;
    __typeof__(&EVP_PKEY_generate) EVP_PKEY_generate;
    __typeof__(&EVP_PKEY_get_base_id) EVP_PKEY_get_base_id;
    __typeof__(&EVP_PKEY_get_group_name) EVP_PKEY_get_group_name;
    __typeof__(&EVP_PKEY_keygen_init) EVP_PKEY_keygen_init;
    __typeof__(&EVP_PKEY_up_ref) EVP_PKEY_up_ref;
    __typeof__(&EVP_aes_256_cbc) EVP_aes_256_cbc;
    __typeof__(&EVP_sha256) EVP_sha256;
    __typeof__(&MD5_Final) MD5_Final;
    __typeof__(&MD5_Init) MD5_Init;
    __typeof__(&MD5_Update) MD5_Update;
    __typeof__(&PEM_read_bio_PUBKEY) PEM_read_bio_PUBKEY;
    __typeof__(&PEM_read_bio_PrivateKey) PEM_read_bio_PrivateKey;
    __typeof__(&PEM_write_bio_PKCS8PrivateKey) PEM_write_bio_PKCS8PrivateKey;
    __typeof__(&PEM_write_bio_PUBKEY) PEM_write_bio_PUBKEY;
    __typeof__(&SHA256_Final) SHA256_Final;
    __typeof__(&SHA256_Init) SHA256_Init;
    __typeof__(&SHA256_Update) SHA256_Update;
} crypto;

#define SYMBOL(name) {#name, (void **)&crypto.name}

static struct casa_library library = {
    .environment = "CASA_RELEASE_LIBCRYPTO",
    .file = "libcrypto.so.3",
    .package = "libssl3",
    .symbols = (struct casa_symbol[]){
        SYMBOL(BIO_ctrl), SYMBOL(BIO_free), SYMBOL(BIO_new), SYMBOL(BIO_s_mem), SYMBOL(BIO_write),
        SYMBOL(ERR_error_string_n), SYMBOL(ERR_get_error), SYMBOL(EVP_DigestSign), SYMBOL(EVP_DigestSignInit),
        SYMBOL(EVP_DigestVerify), SYMBOL(EVP_DigestVerifyInit), SYMBOL(EVP_MD_CTX_free), SYMBOL(EVP_MD_CTX_new),
        SYMBOL(EVP_PKEY_CTX_free), SYMBOL(EVP_PKEY_CTX_new_from_name), SYMBOL(EVP_PKEY_CTX_set_group_name),
        SYMBOL(EVP_PKEY_free), SYMBOL(EVP_PKEY_generate), SYMBOL(EVP_PKEY_get_base_id),
        SYMBOL(EVP_PKEY_get_group_name), SYMBOL(EVP_PKEY_keygen_init), SYMBOL(EVP_PKEY_up_ref),
        SYMBOL(EVP_aes_256_cbc), SYMBOL(EVP_sha256), SYMBOL(MD5_Final), SYMBOL(MD5_Init), SYMBOL(MD5_Update),
        SYMBOL(PEM_read_bio_PUBKEY), SYMBOL(PEM_read_bio_PrivateKey), SYMBOL(PEM_write_bio_PKCS8PrivateKey),
        SYMBOL(PEM_write_bio_PUBKEY), SYMBOL(SHA256_Final), SYMBOL(SHA256_Init), SYMBOL(SHA256_Update), {0, 0},
    },
};

#define LOADED (casa_load_library(&library), &crypto)

long BIO_ctrl(BIO *bp, int cmd, long larg, void *parg) { return LOADED->BIO_ctrl(bp, cmd, larg, parg); }
int BIO_free(BIO *a) { return LOADED->BIO_free(a); }
BIO *BIO_new(const BIO_METHOD *type) { return LOADED->BIO_new(type); }
const BIO_METHOD *BIO_s_mem(void) { return LOADED->BIO_s_mem(); }
int BIO_write(BIO *b, const void *data, int dlen) { return LOADED->BIO_write(b, data, dlen); }
void ERR_error_string_n(unsigned long e, char *buf, size_t len) { LOADED->ERR_error_string_n(e, buf, len); }
unsigned long ERR_get_error(void) { return LOADED->ERR_get_error(); }
int EVP_DigestSign(EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen) {
    return LOADED->EVP_DigestSign(ctx, sigret, siglen, tbs, tbslen);
}
int EVP_DigestSignInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey) {
    return LOADED->EVP_DigestSignInit(ctx, pctx, type, e, pkey);
}
int EVP_DigestVerify(EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs,
                     size_t tbslen) {
    return LOADED->EVP_DigestVerify(ctx, sigret, siglen, tbs, tbslen);
}
int EVP_DigestVerifyInit(EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey) {
    return LOADED->EVP_DigestVerifyInit(ctx, pctx, type, e, pkey);
}
void EVP_MD_CTX_free(EVP_MD_CTX *ctx) { LOADED->EVP_MD_CTX_free(ctx); }
EVP_MD_CTX *EVP_MD_CTX_new(void) { return LOADED->EVP_MD_CTX_new(); }
void EVP_PKEY_CTX_free(EVP_PKEY_CTX *ctx) { LOADED->EVP_PKEY_CTX_free(ctx); }
EVP_PKEY_CTX *EVP_PKEY_CTX_new_from_name(OSSL_LIB_CTX *libctx, const char *name, const char *propquery) {
    return LOADED->EVP_PKEY_CTX_new_from_name(libctx, name, propquery);
}
int EVP_PKEY_CTX_set_group_name(EVP_PKEY_CTX *ctx, const char *name) {
    return LOADED->EVP_PKEY_CTX_set_group_name(ctx, name);
}
void EVP_PKEY_free(EVP_PKEY *pkey) { LOADED->EVP_PKEY_free(pkey); }
int EVP_PKEY_generate(EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey) { return LOADED->EVP_PKEY_generate(ctx, ppkey); }
int EVP_PKEY_get_base_id(const EVP_PKEY *pkey) { return LOADED->EVP_PKEY_get_base_id(pkey); }
int EVP_PKEY_get_group_name(const EVP_PKEY *pkey, char *name, size_t name_sz, size_t *gname_len) {
    return LOADED->EVP_PKEY_get_group_name(pkey, name, name_sz, gname_len);
}
int EVP_PKEY_keygen_init(EVP_PKEY_CTX *ctx) { return LOADED->EVP_PKEY_keygen_init(ctx); }
int EVP_PKEY_up_ref(EVP_PKEY *pkey) { return LOADED->EVP_PKEY_up_ref(pkey); }
const EVP_CIPHER *EVP_aes_256_cbc(void) { return LOADED->EVP_aes_256_cbc(); }
const EVP_MD *EVP_sha256(void) { return LOADED->EVP_sha256(); }
int MD5_Final(unsigned char *md, MD5_CTX *c) { return LOADED->MD5_Final(md, c); }
int MD5_Init(MD5_CTX *c) { return LOADED->MD5_Init(c); }
int MD5_Update(MD5_CTX *c, const void *data, size_t len) { return LOADED->MD5_Update(c, data, len); }
EVP_PKEY *PEM_read_bio_PUBKEY(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u) {
    return LOADED->PEM_read_bio_PUBKEY(bp, x, cb, u);
}
EVP_PKEY *PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u) {
    return LOADED->PEM_read_bio_PrivateKey(bp, x, cb, u);
}
int PEM_write_bio_PKCS8PrivateKey(BIO *bp, const EVP_PKEY *x, const EVP_CIPHER *enc, const char *kstr, int klen,
                                  pem_password_cb *cb, void *u) {
    return LOADED->PEM_write_bio_PKCS8PrivateKey(bp, x, enc, kstr, klen, cb, u);
}
int PEM_write_bio_PUBKEY(BIO *bp, const EVP_PKEY *x) { return LOADED->PEM_write_bio_PUBKEY(bp, x); }
int SHA256_Final(unsigned char *md, SHA256_CTX *c) { return LOADED->SHA256_Final(md, c); }
int SHA256_Init(SHA256_CTX *c) { return LOADED->SHA256_Init(c); }
int SHA256_Update(SHA256_CTX *c, const void *data, size_t len) { return LOADED->SHA256_Update(c, data, len); }

#pragma GCC visibility pop
