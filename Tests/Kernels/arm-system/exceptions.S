/*
 * exceptions.S - AArch64 system-level test kernel (EL1, MMU off).
 * Installs VBAR_EL1, then takes in turn: an SVC, an undefined instruction,
 * a data abort on an unmapped address, a generic-timer IRQ through the
 * GICv2, and brings up core 1 with PSCI CPU_ON (HVC). Each handler prints
 * one letter to the UART at 0x09000000; the expected output is "SUDT2\n".
 * Exits with semihosting SYS_EXIT (status 0), or status 1 on a check failure.
 */
    .equ UART, 0x09000000
    .equ GICD, 0x08000000
    .equ GICC, 0x08010000
    .equ FLAGS, 0x40300000
    .equ EXIT_BLOCK, FLAGS + 64      /* semihosting exit parameters (finish.inc) */

    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =0x40200000
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    isb
    ldr     x20, =UART
    ldr     x21, =FLAGS
    str     xzr, [x21]
    str     xzr, [x21, #8]

    /* 1. SVC #0x42: the handler checks EC = 0x15 and ISS = 0x42. */
    svc     #0x42
    /* 2. An UNDEFINED instruction (EC 0). */
    .inst   0x00000000
    /* 3. Data abort: load from unmapped 0x10000000 (EC 0x25, FAR checked). */
    ldr     x2, =0x10000000
    ldr     x1, [x2]

    /* 4. Timer IRQ: GIC on, PPI 30 enabled, physical timer fires in 1000 ticks. */
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
    mov     x1, #1000
    msr     cntp_tval_el0, x1
    mov     x1, #1
    msr     cntp_ctl_el0, x1
    msr     daifclr, #2
1:  wfi
    ldr     x1, [x21]
    cbz     x1, 1b
    msr     daifset, #2

    /* 5. PSCI CPU_ON of core 1 (MPIDR 1) at secondary with context 0x55. */
    ldr     x0, =0xC4000003
    mov     x1, #1
    adr     x2, secondary
    mov     x3, #0x55
    hvc     #0
    cbnz    x0, fail
2:  ldr     x1, [x21, #8]
    cmp     x1, #0x55
    b.ne    2b
    b       pass

secondary:
    ldr     x20, =UART
    ldr     x21, =FLAGS
    mov     w1, #'2'
    strb    w1, [x20]
    str     x0, [x21, #8]
    ldr     x0, =0x84000002        /* CPU_OFF */
    hvc     #0
4:  b       4b

sync_handler:
    mrs     x9, esr_el1
    lsr     x10, x9, #26
    cmp     x10, #0x15
    b.eq    on_svc
    cmp     x10, #0x00
    b.eq    on_undef
    cmp     x10, #0x25
    b.eq    on_abort
    b       fail
on_svc:
    and     x11, x9, #0xffff
    cmp     x11, #0x42
    b.ne    fail
    mov     w11, #'S'
    strb    w11, [x20]
    eret
on_undef:
    mov     w11, #'U'
    strb    w11, [x20]
    b       skip
on_abort:
    mrs     x11, far_el1
    cmp     x11, x2
    b.ne    fail
    mov     w11, #'D'
    strb    w11, [x20]
skip:
    mrs     x11, elr_el1
    add     x11, x11, #4
    msr     elr_el1, x11
    eret

irq_handler:
    ldr     x9, =GICC
    ldr     w10, [x9, #0x0c]        /* GICC_IAR */
    cmp     w10, #30
    b.ne    fail
    msr     cntp_ctl_el0, xzr       /* timer off: the line drops */
    mov     w11, #'T'
    strb    w11, [x20]
    mov     x11, #1
    str     x11, [x21]
    str     w10, [x9, #0x10]        /* GICC_EOIR */
    eret

    .balign 0x800
vectors:
    .balign 0x80
    b       fail                    /* current EL, SP0: synchronous */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .balign 0x80
    b       sync_handler            /* current EL, SPx: synchronous (0x200) */
    .balign 0x80
    b       irq_handler             /* current EL, SPx: IRQ (0x280) */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .ltorg
