#include "library_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static void unavailable(const struct casa_library *library, const char *file, const char *reason) {
    fprintf(stderr, "casa-release: cannot load %s: %s (install the Debian package %s, or name the file with %s)\n",
            file, reason ? reason : "unknown error", library->package, library->environment);
    fflush(stderr);
    _exit(69);
}

void casa_load_library(struct casa_library *library) {
    if (__atomic_load_n(&library->loaded, __ATOMIC_ACQUIRE)) return;
    pthread_mutex_lock(&loading);
    if (!library->loaded) {
        const char *file = getenv(library->environment);
        if (file == NULL || *file == '\0') file = library->file;
        /* Local: its symbols stay its own, and nothing else loaded later binds to them. */
        void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) unavailable(library, file, dlerror());
        for (struct casa_symbol *symbol = library->symbols; symbol->name != NULL; symbol++) {
            dlerror();
            *symbol->address = dlsym(handle, symbol->name);
            if (*symbol->address == NULL) unavailable(library, file, dlerror());
        }
        __atomic_store_n(&library->loaded, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&loading);
}
