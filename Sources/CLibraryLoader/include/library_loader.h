#ifndef CASA_RELEASE_LIBRARY_LOADER_H
#define CASA_RELEASE_LIBRARY_LOADER_H
/* A shared library casa-release loads when it first calls it (libpq), rather than when it
   starts: see CLibpq.h. */

/* A function of the library, and where its address goes. */
struct casa_symbol {
    const char *name;
    void **address;
};

struct casa_library {
    /* The variable that may name another file to load (CASA_RELEASE_LIBPQ). */
    const char *environment;
    /* The file, by its soname (libpq.so.5). */
    const char *file;
    /* The Debian package that installs it, named when it cannot be loaded. */
    const char *package;
    /* Every function used, ended by {0, 0}. */
    struct casa_symbol *symbols;
    /* Set once every address is filled. */
    int loaded;
};

/* Loads the library and fills every address, once, whichever thread asks first. A library or
   a function that cannot be found ends the process: one line on standard error, exit 69 (a tool
   unavailable), before casa-release did anything with it. */
void casa_load_library(struct casa_library *library);

#endif
