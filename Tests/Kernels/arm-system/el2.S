/*
 * el2.S - AArch64 EL2 test kernel (cores reset at EL2: reset-el 2, GICv2).
 * Each step prints one letter to the UART at 0x09000000; the expected
 * output is "ELVHCSIvM2\n":
 *   E  reset at EL2, ID_AA64PFR0_EL1.EL2 = 1
 *   L  ERET from EL2 to EL1h on SP_EL1 (set from EL2 through MSR SP_EL1)
 *   V  MIDR_EL1 at EL1 reads VPIDR_EL2
 *   H  HVC #0x77 from EL1 reaches VBAR_EL2 + 0x400 with EC 0x16, ELR = next
 *   C  MRS CNTPCT_EL0 at EL1 with CNTHCTL_EL2.EL1PCTEN = 0 traps (EC 0x18)
 *   S  SMC at EL1 with HCR_EL2.TSC traps (EC 0x17, ELR = the SMC)
 *   I  HCR_EL2.IMO: the timer IRQ goes to EL2 though EL1 masks it
 *   v  HCR_EL2.VI: a virtual IRQ is taken at EL1 once EL1 unmasks it
 *   M  EL2 stage 1 (TTBR0_EL2/TCR_EL2/MAIR_EL2): an alias reads the same
 *      RAM, AT S1E2R gives its PA, a write to its read-only block aborts
 *      at EL2 with EC 0x25, DFSC 0x0D, FAR_EL2
 *   2  PSCI CPU_ON over SMC brings core 1 up at EL2; it leaves with CPU_OFF
 * Exits with semihosting SYS_EXIT (status 0), or status 1 on a failed check
 * (x25 holds the letter of the step).
 */
    .equ UART, 0x09000000
    .equ GICD, 0x08000000
    .equ GICC, 0x08010000
    .equ TABLES, 0x40100000
    .equ FLAGS, 0x40300000
    .equ EXIT_BLOCK, FLAGS + 64      /* semihosting exit parameters (finish.inc) */
    .equ ALIAS, 0x80000000          /* EL2 VA of a read-only alias of RAM at 0x40000000 */
    .equ HCR_RW, (1 << 31)

    .macro  step letter
    mov     x25, #\letter
    .endm
    .macro  print letter
    mov     w11, #\letter
    strb    w11, [x20]
    .endm

    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x20, =UART
    ldr     x21, =FLAGS
    stp     xzr, xzr, [x21]
    stp     xzr, xzr, [x21, #16]
    step    'E'
    mrs     x0, CurrentEL
    cmp     x0, #8
    b.ne    fail
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #8, #4
    cmp     x0, #1
    b.ne    fail
    print   'E'

    /* EL2 set-up: stack, vectors, HCR (AArch64 EL1, nothing routed), the
       physical counter trapped, a VPIDR EL1 must see. */
    ldr     x0, =0x40280000
    mov     sp, x0
    adr     x0, vectors_el2
    msr     vbar_el2, x0
    mov     x0, #HCR_RW
    msr     hcr_el2, x0
    mov     x0, #2                  /* EL1PCEN only: CNTPCT traps */
    msr     cnthctl_el2, x0
    ldr     x0, =0x12345678
    msr     vpidr_el2, x0
    adr     x0, vectors_el1
    msr     vbar_el1, x0
    ldr     x0, =0x40200000
    msr     sp_el1, x0
    mov     x0, #0x3c5              /* EL1h, DAIF masked */
    msr     spsr_el2, x0
    adr     x0, at_el1
    msr     elr_el2, x0
    eret

at_el1:
    step    'L'
    mrs     x0, CurrentEL
    cmp     x0, #4
    b.ne    fail
    mov     x1, sp
    ldr     x0, =0x40200000
    cmp     x0, x1
    b.ne    fail
    print   'L'

    step    'V'
    mrs     x0, midr_el1
    ldr     x1, =0x12345678
    cmp     x0, x1
    b.ne    fail
    print   'V'

    step    'H'
    hvc     #0x77
after_hello:

    step    'C'
    mov     x0, #0
    mrs     x0, cntpct_el0          /* the EL2 handler answers 0x1234 */
    mov     x1, #0x1234
    cmp     x0, x1
    b.ne    fail

    step    'S'
    hvc     #1                      /* HCR_EL2.TSC on */
smc_at:
    smc     #5
    mov     x0, #0

    /* I: IRQs routed to EL2 (HCR_EL2.IMO), EL1 may use the physical timer;
       the timer fires while EL1 has IRQs masked. */
    step    'I'
    hvc     #2
    ldr     x0, =GICD
    mov     w1, #1
    str     w1, [x0]                /* GICD_CTLR */
    mov     w1, #(1 << 30)
    str     w1, [x0, #0x100]        /* GICD_ISENABLER0: PPI 30 */
    ldr     x0, =GICC
    mov     w1, #0xff
    str     w1, [x0, #4]            /* GICC_PMR */
    mov     w1, #1
    str     w1, [x0]                /* GICC_CTLR */
    msr     daifset, #2
    mov     x1, #100
    msr     cntp_tval_el0, x1
    mov     x1, #1
    msr     cntp_ctl_el0, x1
1:  ldr     x1, [x21]
    cbz     x1, 1b

    /* v: a virtual IRQ (HCR_EL2.VI) waits for EL1 to unmask, then EL1 takes it. */
    step    'v'
    hvc     #3
    isb
    ldr     x1, [x21, #16]
    cbnz    x1, fail
    msr     daifclr, #2
2:  ldr     x1, [x21, #16]
    cbz     x1, 2b
    msr     daifset, #2

    step    'M'
    hvc     #5

    /* 2: PSCI CPU_ON over SMC (TSC off again); core 1 must start at EL2. */
    step    '2'
    hvc     #6
    ldr     x0, =0xC4000003
    mov     x1, #1
    adr     x2, secondary
    mov     x3, #0x55
    smc     #0
    cbnz    x0, fail
3:  ldr     x1, [x21, #8]
    cmp     x1, #0x55
    b.ne    3b
    b       pass

secondary:
    ldr     x20, =UART
    ldr     x21, =FLAGS
    mrs     x1, CurrentEL
    cmp     x1, #8
    b.ne    fail
    print   '2'
    str     x0, [x21, #8]
    ldr     x0, =0x84000002         /* CPU_OFF */
    smc     #0
5:  b       5b

/* ---- EL2 handlers (x9-x15 are theirs; EL1 code keeps out of them) ---- */

el2_sync_lower:
    mrs     x9, esr_el2
    lsr     x10, x9, #26
    cmp     x10, #0x16
    b.eq    on_hvc
    cmp     x10, #0x18
    b.eq    on_sysreg
    cmp     x10, #0x17
    b.eq    on_smc
    b       fail

on_hvc:
    and     x11, x9, #0xffff
    cmp     x11, #0x77
    b.eq    hvc_hello
    cmp     x11, #1
    b.eq    hvc_tsc
    cmp     x11, #2
    b.eq    hvc_route
    cmp     x11, #3
    b.eq    hvc_virq_on
    cmp     x11, #4
    b.eq    hvc_virq_off
    cmp     x11, #5
    b.eq    hvc_mmu
    cmp     x11, #6
    b.eq    hvc_plain
    b       fail
hvc_hello:
    mrs     x11, elr_el2
    adr     x12, after_hello
    cmp     x11, x12
    b.ne    fail
    print   'H'
    eret
hvc_tsc:
    ldr     x11, =(HCR_RW | (1 << 19))
    msr     hcr_el2, x11
    eret
hvc_route:
    ldr     x11, =(HCR_RW | (1 << 4))
    msr     hcr_el2, x11
    mov     x11, #3
    msr     cnthctl_el2, x11
    eret
hvc_virq_on:
    ldr     x11, =(HCR_RW | (1 << 4) | (1 << 7))
    msr     hcr_el2, x11
    eret
hvc_virq_off:
    ldr     x11, =(HCR_RW | (1 << 4))
    msr     hcr_el2, x11
    eret
hvc_plain:
    mov     x11, #HCR_RW
    msr     hcr_el2, x11
    eret

on_sysreg:
    /* MRS X0, CNTPCT_EL0: Op0 3, Op2 1, Op1 3, CRn 14, Rt 0, CRm 0, read. */
    and     x11, x9, #0x1ffffff
    ldr     x12, =0x32f801
    cmp     x11, x12
    b.ne    fail
    mov     x0, #0x1234
    print   'C'
    b       skip_el2

on_smc:
    and     x11, x9, #0xffff
    cmp     x11, #5
    b.ne    fail
    mrs     x11, elr_el2
    adr     x12, smc_at
    cmp     x11, x12
    b.ne    fail
    print   'S'
skip_el2:
    mrs     x11, elr_el2
    add     x11, x11, #4
    msr     elr_el2, x11
    eret

el2_irq:
    mrs     x11, spsr_el2
    tbz     x11, #7, fail           /* EL1 had IRQs masked */
    ldr     x9, =GICC
    ldr     w10, [x9, #0x0c]        /* GICC_IAR */
    cmp     w10, #30
    b.ne    fail
    msr     cntp_ctl_el0, xzr       /* timer off: the line drops */
    str     w10, [x9, #0x10]        /* GICC_EOIR */
    print   'I'
    mov     x11, #1
    str     x11, [x21]
    eret

el1_irq:
    print   'v'
    mov     x11, #1
    str     x11, [x21, #16]
    hvc     #4                      /* VI off */
    eret

/* M, at EL2 from HVC #5: identity map for devices (1 GiB at 0) and RAM
   (1 GiB at 0x40000000), and a read-only, execute-never alias of RAM at
   ALIAS; 39-bit VAs, 4 KiB granule, so the walk starts at level 1. */
hvc_mmu:
    mrs     x13, elr_el2            /* the abort below reuses ELR/SPSR_EL2 */
    mrs     x14, spsr_el2
    ldr     x9, =TABLES
    mov     x10, #0x401             /* block, AF, AttrIndx 0 (Device) */
    str     x10, [x9]
    ldr     x10, =0x40000705        /* block, AF, inner shareable, AttrIndx 1 (Normal) */
    str     x10, [x9, #8]
    ldr     x10, =0x40000785 | (1 << 54)    /* ... plus AP[2] read-only and XN */
    str     x10, [x9, #16]
    ldr     x10, =0x5eed
    str     x10, [x21, #24]
    mov     x10, #0xff00
    msr     mair_el2, x10
    ldr     x10, =25 | (1 << 8) | (1 << 10) | (3 << 12) | (2 << 16) | (1 << 23) | (1 << 31)
    msr     tcr_el2, x10
    msr     ttbr0_el2, x9
    isb
    tlbi    alle2
    dsb     sy
    mrs     x10, sctlr_el2
    orr     x10, x10, #1
    msr     sctlr_el2, x10
    isb
    /* The alias reads what the identity map wrote. */
    ldr     x12, =ALIAS + (FLAGS - 0x40000000) + 24
    ldr     x10, [x12]
    ldr     x11, =0x5eed
    cmp     x10, x11
    b.ne    fail
    /* AT S1E2R: PAR_EL1 holds the physical page. */
    at      s1e2r, x12
    isb
    mrs     x10, par_el1
    tbnz    x10, #0, fail
    ubfx    x10, x10, #12, #36
    ldr     x11, =FLAGS >> 12
    cmp     x10, x11
    b.ne    fail
    /* A store through the read-only alias: a permission fault at EL2. */
    str     x10, [x12]
    ldr     x10, [x21, #32]
    cmp     x10, #1
    b.ne    fail
    mrs     x10, sctlr_el2
    bic     x10, x10, #1
    msr     sctlr_el2, x10
    isb
    print   'M'
    msr     elr_el2, x13
    msr     spsr_el2, x14
    eret

el2_sync_same:
    mrs     x9, esr_el2
    lsr     x10, x9, #26
    cmp     x10, #0x25
    b.ne    fail
    and     x10, x9, #0x7f          /* WnR and DFSC */
    cmp     x10, #0x4d              /* write, permission fault, level 1 */
    b.ne    fail
    mrs     x10, far_el2
    cmp     x10, x12
    b.ne    fail
    mov     x10, #1
    str     x10, [x21, #32]
    b       skip_el2

    .balign 0x800
vectors_el2:
    .balign 0x80
    b       fail                    /* current EL, SP0 */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       el2_sync_same           /* current EL, SPx: synchronous (0x200) */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       el2_sync_lower          /* lower EL, AArch64: synchronous (0x400) */
    .balign 0x80
    b       el2_irq                 /* lower EL, AArch64: IRQ (0x480) */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail

    .balign 0x800
vectors_el1:
    .balign 0x80
    b       fail                    /* current EL, SP0 */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail                    /* current EL, SPx: synchronous */
    .balign 0x80
    b       el1_irq                 /* current EL, SPx: IRQ (0x280) */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .ltorg
