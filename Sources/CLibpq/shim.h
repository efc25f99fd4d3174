#ifndef CASA_RELEASE_CLIBPQ_SHIM_H
#define CASA_RELEASE_CLIBPQ_SHIM_H
/* PostgreSQL's own client library (Debian: libpq-dev), for the PostgreSQL ledger. */
#include <libpq-fe.h>
#endif
