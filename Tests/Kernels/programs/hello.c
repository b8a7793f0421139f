/* hello.c - the smallest test: one line naming the architecture (KERNEL_ARCH macro). */
#include "kernel.h"

int kmain(void) {
    kprintf("Hello from %s\n", KERNEL_ARCH);
    return 0;
}
