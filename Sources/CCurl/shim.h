#ifndef CASA_RELEASE_CCURL_SHIM_H
#define CASA_RELEASE_CCURL_SHIM_H
#include <curl/curl.h>
#endif
