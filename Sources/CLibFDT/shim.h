#ifndef CHIMERA_CLIBFDT_SHIM_H
#define CHIMERA_CLIBFDT_SHIM_H
#include <libfdt.h>
#endif
