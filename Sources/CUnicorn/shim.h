// Thin, non-variadic wrappers around the variadic parts of the Unicorn 2.x C
// API (uc_ctl and uc_hook_add), which Swift cannot call directly. Everything
// else is used straight from <unicorn/unicorn.h>.
#ifndef CHIMERA_CUNICORN_SHIM_H
#define CHIMERA_CUNICORN_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

/// Selects the CPU model (UC_CPU_ARM64_* / UC_CPU_X86_*); must precede any
/// emulation or register access that would instantiate the vCPU.
static inline uc_err chimera_uc_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}

/// Reads the CPU model currently configured.
static inline uc_err chimera_uc_get_cpu_model(uc_engine *uc, int *model) {
    return uc_ctl(uc, UC_CTL_READ(UC_CTL_CPU_MODEL, 1), model);
}

/// Removes cached translations in [begin, end) (call after patching code).
static inline uc_err chimera_uc_remove_cache(uc_engine *uc, uint64_t begin,
                                             uint64_t end) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end);
}

/// Flushes the whole translation-block cache.
static inline uc_err chimera_uc_flush_tb(uc_engine *uc) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
}

/// Adds a UC_HOOK_INTR hook.
static inline uc_err chimera_uc_hook_intr(uc_engine *uc, uc_hook *hh,
                                          uc_cb_hookintr_t cb, void *user) {
    return uc_hook_add(uc, hh, UC_HOOK_INTR, (void *)cb, user, 1, 0);
}

/// Adds a UC_HOOK_CODE or UC_HOOK_BLOCK hook over [begin, end]
/// (begin > end means "everywhere").
static inline uc_err chimera_uc_hook_code(uc_engine *uc, uc_hook *hh, int type,
                                          uc_cb_hookcode_t cb, void *user,
                                          uint64_t begin, uint64_t end) {
    return uc_hook_add(uc, hh, type, (void *)cb, user, begin, end);
}

/// Adds a UC_HOOK_MEM_READ / WRITE / FETCH tracing hook.
static inline uc_err chimera_uc_hook_mem(uc_engine *uc, uc_hook *hh, int type,
                                         uc_cb_hookmem_t cb, void *user) {
    return uc_hook_add(uc, hh, type, (void *)cb, user, 1, 0);
}

/// Adds a UC_HOOK_MEM_*_UNMAPPED / *_PROT event hook.
static inline uc_err chimera_uc_hook_mem_event(uc_engine *uc, uc_hook *hh,
                                               int type, uc_cb_eventmem_t cb,
                                               void *user) {
    return uc_hook_add(uc, hh, type, (void *)cb, user, 1, 0);
}

/// Adds a UC_HOOK_INSN hook for x86 SYSCALL or SYSENTER (insn = UC_X86_INS_*).
static inline uc_err chimera_uc_hook_x86_syscall(uc_engine *uc, uc_hook *hh,
                                                 uc_cb_insn_syscall_t cb,
                                                 void *user, int insn) {
    return uc_hook_add(uc, hh, UC_HOOK_INSN, (void *)cb, user, 1, 0, insn);
}

#endif
