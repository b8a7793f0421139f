#ifndef CHIMERA_CLIBELF_SHIM_H
#define CHIMERA_CLIBELF_SHIM_H
#include <libelf.h>
#include <gelf.h>
#endif
