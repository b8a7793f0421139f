/*
 * mmu.S - AArch64 stage-1 translation test kernel (EL1 and EL0, 4 KiB
 * granule, 39-bit VAs from TTBR0_EL1). Builds its tables at 0x40100000,
 * turns the MMU on and checks, printing one letter per check on the PL011:
 *   M  the UART answers through a 1 GiB device block
 *   A  a 4 KiB page aliases VA 0x40200000 onto PA 0x40400000
 *   P  a store to a read-only page: permission fault, level 3, WnR, FAR
 *   F  a load from a page without AF: access-flag fault, level 3
 *   T  a load from an invalid entry: translation fault, level 3
 *   R  AT S1E1R: PAR_EL1 reports the fault, then the physical address
 *   I  TLBI VAE1 after remapping a page makes the new mapping visible
 *   U  EL0 runs its page, uses its stack and returns with SVC #0x42
 *   K  EL0 loading kernel memory: data abort from EL0, permission, level 2
 *   X  EL1 fetching from the PXN user page: instruction abort, level 3
 *   L  LDTR at EL1 uses EL0's permissions
 * then "\n", and exits with semihosting status 0 (1 on the first failure,
 * with the failing check's letter in x25).
 */
    .equ UART, 0x09000000
    .equ L1, 0x40100000
    .equ L2, 0x40101000
    .equ L3, 0x40102000
    .equ ALIAS_VA, 0x40200000       /* L3 page 0 */
    .equ ALIAS_PA, 0x40400000       /* identity-mapped 2 MiB block */
    .equ USER_CODE_VA, 0x40204000   /* L3 page 4 */
    .equ USER_STACK_TOP, 0x40206000 /* L3 page 5 is the user stack */

    .equ AF, (1 << 10)
    .equ PAGE, 3
    .equ BLOCK, 1
    .equ TABLE, 3
    .equ AP_EL0, (1 << 6)
    .equ AP_RO, (1 << 7)
    .equ PXN, (1 << 53)
    .equ UXN, (1 << 54)

    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =0x40180000
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    ldr     x19, =UART

    /* Zero the three tables. */
    ldr     x0, =L1
    mov     x1, #(3 * 4096 / 8)
1:  str     xzr, [x0], #8
    subs    x1, x1, #1
    b.ne    1b

    /* L1[0]: 1 GiB device block at 0 (MAIR index 1), never executable. */
    ldr     x0, =L1
    ldr     x1, =(0 | AF | (1 << 2) | UXN | PXN | BLOCK)
    str     x1, [x0]
    /* L1[1] -> L2 */
    ldr     x1, =(L2 | TABLE)
    str     x1, [x0, #8]
    /* L2[0]: the kernel's 2 MiB identity block, EL1 only. */
    ldr     x0, =L2
    ldr     x1, =(0x40000000 | AF | UXN | BLOCK)
    str     x1, [x0]
    /* L2[1] -> L3 (VA 0x40200000-0x403fffff) */
    ldr     x1, =(L3 | TABLE)
    str     x1, [x0, #8]
    /* L2[2]: identity block at 0x40400000. */
    ldr     x1, =(0x40400000 | AF | UXN | BLOCK)
    str     x1, [x0, #16]
    /* L3 pages. */
    ldr     x0, =L3
    ldr     x1, =(ALIAS_PA | AF | UXN | PAGE)
    str     x1, [x0]                            /* 0: alias, EL1 RW */
    ldr     x1, =(0x40401000 | AF | AP_RO | UXN | PAGE)
    str     x1, [x0, #8]                        /* 1: read-only */
    ldr     x1, =(0x40402000 | UXN | PAGE)
    str     x1, [x0, #16]                       /* 2: AF clear */
    str     xzr, [x0, #24]                      /* 3: invalid */
    adr     x1, user_code
    ldr     x2, =(AF | AP_EL0 | AP_RO | PXN | PAGE)
    orr     x1, x1, x2
    str     x1, [x0, #32]                       /* 4: user code, EL0 RO + exec */
    ldr     x1, =(0x40405000 | AF | AP_EL0 | UXN | PXN | PAGE)
    str     x1, [x0, #40]                       /* 5: user stack, EL0 RW */

    /* MAIR: attr0 normal write-back, attr1 device nGnRnE. */
    mov     x0, #0xff
    msr     mair_el1, x0
    /* TCR: T0SZ = 25, 4 KiB granule, inner-shareable WB walks, TTBR1 walks off, IPS 40 bits. */
    ldr     x0, =(25 | (1 << 8) | (1 << 10) | (3 << 12) | (25 << 16) | (1 << 23) | (2 << 32))
    msr     tcr_el1, x0
    ldr     x0, =L1
    msr     ttbr0_el1, x0
    isb
    mrs     x0, sctlr_el1
    orr     x0, x0, #1
    msr     sctlr_el1, x0
    isb

    mov     x25, #'M'
    bl      putc

    /* A: write through the alias, read the identity mapping. */
    mov     x25, #'A'
    ldr     x0, =ALIAS_VA
    ldr     x1, =0x12345678
    str     w1, [x0]
    ldr     x2, =ALIAS_PA
    ldr     w3, [x2]
    cmp     w3, w1
    b.ne    fail
    bl      putc

    /* P: store to the read-only page (the handler skips it). */
    mov     x25, #'P'
    mov     x20, #0
    ldr     x0, =(ALIAS_VA + 0x1000)
    ldr     w1, [x0]                            /* reading is allowed */
    cbnz    x20, fail
    str     w1, [x0]
    lsr     x2, x20, #26
    cmp     x2, #0x25                           /* data abort, same EL */
    b.ne    fail
    and     x2, x20, #0x7f
    cmp     x2, #0x4f                           /* WnR | permission fault level 3 */
    b.ne    fail
    cmp     x21, x0
    b.ne    fail
    bl      putc

    /* F: access flag fault. */
    mov     x25, #'F'
    mov     x20, #0
    ldr     x0, =(ALIAS_VA + 0x2000)
    ldr     w1, [x0]
    and     x2, x20, #0x7f
    cmp     x2, #0x0b
    b.ne    fail
    bl      putc

    /* T: translation fault. */
    mov     x25, #'T'
    mov     x20, #0
    ldr     x0, =(ALIAS_VA + 0x3000)
    ldr     w1, [x0]
    and     x2, x20, #0x3f
    cmp     x2, #0x07
    b.ne    fail
    cmp     x21, x0
    b.ne    fail
    bl      putc

    /* R: AT S1E1R on the invalid page, then on the alias. */
    mov     x25, #'R'
    at      s1e1r, x0
    isb
    mrs     x1, par_el1
    and     x2, x1, #0x7f                       /* F = 1, FST = 0x07 */
    cmp     x2, #0x0f
    b.ne    fail
    ldr     x0, =ALIAS_VA
    at      s1e1r, x0
    isb
    mrs     x1, par_el1
    tbnz    x1, #0, fail
    and     x1, x1, #0xfffffffff000
    ldr     x2, =ALIAS_PA
    cmp     x1, x2
    b.ne    fail
    bl      putc

    /* I: remap the alias onto PA 0x40401000, invalidate, read the marker. */
    mov     x25, #'I'
    ldr     x0, =(ALIAS_PA + 0x1000)
    ldr     x1, =0xfeedf00d
    str     w1, [x0]
    ldr     x0, =L3
    ldr     x2, =(0x40401000 | AF | UXN | PAGE)
    str     x2, [x0]
    dsb     ishst
    ldr     x0, =ALIAS_VA
    lsr     x3, x0, #12
    tlbi    vae1is, x3
    dsb     ish
    isb
    ldr     w3, [x0]
    cmp     w3, w1
    b.ne    fail
    bl      putc

    /* U: EL0 at the user page with its own stack; it comes back with SVC #0x42. */
    mov     x25, #'U'
    ldr     x0, =USER_STACK_TOP
    msr     sp_el0, x0
    ldr     x0, =USER_CODE_VA
    msr     elr_el1, x0
    msr     spsr_el1, xzr                       /* EL0t, interrupts unmasked */
    mov     x20, #0
    adr     x24, back_from_user
    mov     x0, #7
    eret
back_from_user:
    lsr     x2, x20, #26
    cmp     x2, #0x15
    b.ne    fail
    and     x2, x20, #0xffff
    cmp     x2, #0x42
    b.ne    fail
    cmp     x1, #7                              /* what EL0 read back from its stack */
    b.ne    fail
    bl      putc

    /* K: EL0 loads kernel memory (EL1-only block at level 2). */
    mov     x25, #'K'
    ldr     x0, =(USER_CODE_VA + 16)            /* user_load */
    msr     elr_el1, x0
    msr     spsr_el1, xzr
    mov     x20, #0
    adr     x24, back_from_load
    ldr     x0, =_start
    eret
back_from_load:
    lsr     x2, x20, #26
    cmp     x2, #0x24                           /* data abort from a lower EL */
    b.ne    fail
    and     x2, x20, #0x3f
    cmp     x2, #0x0e                           /* permission fault, level 2 */
    b.ne    fail
    bl      putc

    /* X: EL1 branches into the PXN user page; the handler returns to x30. */
    mov     x25, #'X'
    mov     x20, #0
    ldr     x0, =USER_CODE_VA
    blr     x0
    lsr     x2, x20, #26
    cmp     x2, #0x21                           /* instruction abort, same EL */
    b.ne    fail
    and     x2, x20, #0x3f
    cmp     x2, #0x0f
    b.ne    fail
    cmp     x21, x0
    b.ne    fail
    bl      putc

    /* L: LDTR at EL1 reads the user stack, and faults on kernel memory. */
    mov     x25, #'L'
    ldr     x0, =(USER_STACK_TOP - 16)
    ldtr    x1, [x0]                            /* EL0 stored 7 there */
    cmp     x1, #7
    b.ne    fail
    mov     x20, #0
    ldr     x0, =_start
    ldtr    x1, [x0]
    lsr     x2, x20, #26
    cmp     x2, #0x25
    b.ne    fail
    and     x2, x20, #0x3f
    cmp     x2, #0x0e                           /* EL0's permission fault, level 2 */
    b.ne    fail
    bl      putc

    mov     x25, #'\n'
    bl      putc
    mov     x3, #0
    b       exit
fail:
    mov     x3, #1
exit:
    adr     x1, exit_block
    str     x3, [x1, #8]
    mov     x0, #0x18
    hlt     #0xf000
    b       .

putc:
    str     w25, [x19]
    ret

    /* EL1 synchronous exceptions: record ESR/FAR, skip the instruction, or
     * return to x30 after an instruction abort. */
el1_sync:
    mrs     x20, esr_el1
    mrs     x21, far_el1
    lsr     x22, x20, #26
    cmp     x22, #0x21
    b.eq    1f
    mrs     x22, elr_el1
    add     x22, x22, #4
    msr     elr_el1, x22
    eret
1:  msr     elr_el1, x30
    eret

    /* From EL0: record ESR, go back to EL1h at x24 with interrupts masked. */
el0_sync:
    mrs     x20, esr_el1
    msr     elr_el1, x24
    mov     x22, #0x3c5
    msr     spsr_el1, x22
    eret

    .ltorg
    .balign 2048
vectors:
    .rept 4                                 /* current EL with SP_EL0 */
    b       fail
    .balign 128
    .endr
    b       el1_sync                        /* current EL with SP_ELx: synchronous */
    .balign 128
    .rept 3
    b       fail
    .balign 128
    .endr
    b       el0_sync                        /* lower EL, AArch64: synchronous */
    .balign 128
    .rept 7
    b       fail
    .balign 128
    .endr

    /* The user page (mapped at USER_CODE_VA). */
    .balign 4096
user_code:
    str     x0, [sp, #-16]!
    ldr     x1, [sp]
    svc     #0x42
    b       .
user_load:                                  /* USER_CODE_VA + 16 */
    ldr     x1, [x0]
    b       .
    .balign 4096

    .data
    .balign 16
exit_block:
    .quad   0x20026
    .quad   0
