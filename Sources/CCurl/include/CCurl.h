#ifndef CASA_RELEASE_CCURL_H
#define CASA_RELEASE_CCURL_H
/* libcurl (Debian: libcurl4; its headers: libcurl4-openssl-dev), for the transfers (sftp,
   WebDAV, the registry, downloads), loaded when first used rather than when casa-release starts:
   a program that links libcurl takes about 6.5 ms more to start on the project's 2-core machine,
   for the 30 libraries it brings (TLS, LDAP, Kerberos, SSH), which a command that transfers
   nothing (status, log, verify, --version) need not pay. The functions casa-release calls are
   defined in libcurl_loader.c, each forwarding to libcurl's own, found with dlopen(3) once
   (CLibraryLoader, as CLibpq does); the types and constants are curl.h's. */
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: these typed
   wrappers are the only way casa-release reaches them. */
CURLcode casa_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode casa_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode casa_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode casa_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode casa_curl_setopt_list(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode casa_curl_setopt_write_function(CURL *handle, CURLoption option, curl_write_callback callback);
CURLcode casa_curl_setopt_read_function(CURL *handle, curl_read_callback callback);
CURLcode casa_curl_setopt_progress_function(CURL *handle, curl_xferinfo_callback callback);
CURLcode casa_curl_setopt_host_key_function(CURL *handle, curl_sshkeycallback callback);
CURLcode casa_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode casa_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
