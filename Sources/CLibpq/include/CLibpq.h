#ifndef CASA_RELEASE_CLIBPQ_H
#define CASA_RELEASE_CLIBPQ_H
/* PostgreSQL's own client library (Debian: libpq5; its headers: libpq-dev), for the PostgreSQL
   ledger, loaded when first used rather than when casa-release starts: a C program that only
   links libpq takes 5.5 ms to start on the project's 2-core machine (an empty one 0.9 ms), for
   the 25 libraries it brings (LDAP, Kerberos, TLS), which a command on an SQLite ledger need not
   pay. The functions casa-release calls are defined in libpq_loader.c, each forwarding to
   libpq's own, found with dlopen(3) once (CLibraryLoader); the types and constants are
   libpq-fe.h's. libcurl is loaded the same way (CCurl). */
#include <postgresql/libpq-fe.h>
#endif
