#ifndef CHIMERA_CZLIB_SHIM_H
#define CHIMERA_CZLIB_SHIM_H
#include <zlib.h>
#endif
