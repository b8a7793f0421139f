/* Lockstep platform (no devices): console output goes to a RAM buffer the harness reads. */
#include "kernel.h"

/* Console bytes, in order; bytes past the capacity are dropped (lockstep_len keeps counting). */
char lockstep_out[4096];
/* Number of bytes kputc was asked to write. */
uint64_t lockstep_len;
/* kmain's return value, stored by kexit just before it jumps to lockstep_halt. */
int lockstep_exit_code;

void kputc(char c) {
    if (lockstep_len < sizeof(lockstep_out)) lockstep_out[lockstep_len] = c;
    lockstep_len++;
}

void kexit(int code) {
    lockstep_exit_code = code;
#if defined(__aarch64__)
    __asm__ volatile("b lockstep_halt" ::: "memory");
#else
    __asm__ volatile("jmp lockstep_halt" ::: "memory");
#endif
    __builtin_unreachable();
}
