/* libcurl's functions that casa-release calls, each forwarding to libcurl loaded on first use
   (include/CCurl.h says why). Hidden: libcurl's own calls between its functions, and a libcurl
   another library of the process links (Foundation's networking), never reach these. */
#pragma GCC visibility push(hidden)
#include "CCurl.h"
#include "library_loader.h"

static struct {
    __typeof__(&curl_easy_cleanup) easy_cleanup;
    __typeof__(&curl_easy_getinfo) easy_getinfo;
    __typeof__(&curl_easy_init) easy_init;
    __typeof__(&curl_easy_perform) easy_perform;
    __typeof__(&curl_easy_reset) easy_reset;
    __typeof__(&curl_easy_setopt) easy_setopt;
    __typeof__(&curl_easy_strerror) easy_strerror;
    __typeof__(&curl_global_init) global_init;
    __typeof__(&curl_slist_append) slist_append;
    __typeof__(&curl_slist_free_all) slist_free_all;
    __typeof__(&curl_version) version;
} curl;

#define SYMBOL(name) {"curl_" #name, (void **)&curl.name}

static struct casa_library library = {
    .environment = "CASA_RELEASE_LIBCURL",
    .file = "libcurl.so.4",
    .package = "libcurl4",
    .symbols = (struct casa_symbol[]){
        SYMBOL(easy_cleanup), SYMBOL(easy_getinfo), SYMBOL(easy_init), SYMBOL(easy_perform),
        SYMBOL(easy_reset), SYMBOL(easy_setopt), SYMBOL(easy_strerror), SYMBOL(global_init),
        SYMBOL(slist_append), SYMBOL(slist_free_all), SYMBOL(version), {0, 0},
    },
};

#define LOADED (casa_load_library(&library), &curl)

void curl_easy_cleanup(CURL *handle) { LOADED->easy_cleanup(handle); }
CURL *curl_easy_init(void) { return LOADED->easy_init(); }
CURLcode curl_easy_perform(CURL *handle) { return LOADED->easy_perform(handle); }
void curl_easy_reset(CURL *handle) { LOADED->easy_reset(handle); }
const char *curl_easy_strerror(CURLcode code) { return LOADED->easy_strerror(code); }
CURLcode curl_global_init(long flags) { return LOADED->global_init(flags); }
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string) {
    return LOADED->slist_append(list, string);
}
void curl_slist_free_all(struct curl_slist *list) { LOADED->slist_free_all(list); }
char *curl_version(void) { return LOADED->version(); }

CURLcode casa_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return LOADED->easy_setopt(handle, option, value);
}
CURLcode casa_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return LOADED->easy_setopt(handle, option, value);
}
CURLcode casa_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return LOADED->easy_setopt(handle, option, value);
}
CURLcode casa_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return LOADED->easy_setopt(handle, option, value);
}
CURLcode casa_curl_setopt_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return LOADED->easy_setopt(handle, option, value);
}
CURLcode casa_curl_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback) {
    return LOADED->easy_setopt(handle, option, callback);
}
CURLcode casa_curl_setopt_read_function(CURL *handle, curl_read_callback callback) {
    return LOADED->easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
CURLcode casa_curl_setopt_progress_function(CURL *handle, curl_xferinfo_callback callback) {
    return LOADED->easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
CURLcode casa_curl_setopt_host_key_function(CURL *handle, curl_sshkeycallback callback) {
    return LOADED->easy_setopt(handle, CURLOPT_SSH_KEYFUNCTION, callback);
}
CURLcode casa_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return LOADED->easy_getinfo(handle, info, value);
}
CURLcode casa_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return LOADED->easy_getinfo(handle, info, value);
}

#pragma GCC visibility pop
