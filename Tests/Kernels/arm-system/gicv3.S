/*
 * gicv3.S - GICv3 bring-up on virt-arm64 with gic-version=3 and 2 cores
 * (EL1, MMU off). Core 0 checks the distributor's identity, wakes its
 * redistributor (GICR_WAKER), takes two generic-timer interrupts (PPI 30)
 * through ICC_IAR1_EL1/ICC_EOIR1_EL1, starts core 1 with PSCI CPU_ON, and
 * sends it SGI 1 by target list and SGI 2 by IRM broadcast through
 * ICC_SGI1R_EL1. Letters on the PL011 at 0x09000000:
 *   G  distributor: PIDR2.ArchRev 3, TYPER.IDbits 9, ID_AA64PFR0_EL1.GIC 1, ICC_SRE_EL1.SRE 1
 *   W  core 0's redistributor awake (ProcessorSleep and ChildrenAsleep clear), TYPER affinity 0, not Last
 *   T  each timer interrupt (IAR1 = 30, RPR = 0xA0 while active, a second IAR1 = 1023)
 *   R  core 1 running: its redistributor is frame 1, affinity 1, Last
 *   S  core 1 took SGI 1;  B  core 1 took SGI 2
 * The expected output is "GWTTRSB\n"; x25 holds the letter of the check
 * that failed. Exits with semihosting SYS_EXIT (status 0), 1 on a failure.
 */
    .equ UART, 0x09000000
    .equ GICD, 0x08000000
    .equ GICR, 0x080A0000
    .equ SGI_BASE, 0x10000
    .equ FLAGS, 0x40300000          /* +0 timer count, +8 core 1 ready, +16 SGIs taken */
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
    stp     xzr, xzr, [x21]
    str     xzr, [x21, #16]

    /* G: identity of the GICv3 and its CPU interface. */
    mov     x25, #'G'
    mrs     x0, id_aa64pfr0_el1
    ubfx    x0, x0, #24, #4
    cmp     x0, #1
    b.ne    fail
    mrs     x0, S3_0_C12_C12_5      /* ICC_SRE_EL1 */
    tbz     x0, #0, fail
    ldr     x10, =GICD
    add     x1, x10, #0xF000
    ldr     w0, [x1, #0xFE8]        /* GICD_PIDR2 */
    ubfx    w0, w0, #4, #4
    cmp     w0, #3
    b.ne    fail
    ldr     w0, [x10, #4]           /* GICD_TYPER */
    ubfx    w0, w0, #19, #5
    cmp     w0, #9
    b.ne    fail
    mov     w0, #0x12               /* GICD_CTLR: ARE, EnableGrp1 */
    str     w0, [x10]
    ldr     w0, [x10]
    mov     w1, #0x52               /* DS reads as one */
    and     w0, w0, w1
    cmp     w0, w1
    b.ne    fail
    mov     w0, #'G'
    strb    w0, [x20]

    /* W: wake redistributor 0. */
    mov     x25, #'W'
    ldr     x11, =GICR
    ldr     x0, [x11, #8]           /* GICR_TYPER, 64-bit */
    lsr     x1, x0, #32
    cbnz    x1, fail                /* affinity 0.0.0.0 */
    tbnz    x0, #4, fail            /* not the last of two */
    ldr     w0, [x11, #0x14]
    tbz     w0, #1, fail            /* asleep out of reset */
    bic     w0, w0, #2
    str     w0, [x11, #0x14]        /* clear ProcessorSleep */
1:  ldr     w0, [x11, #0x14]
    tbnz    w0, #2, 1b              /* wait for ChildrenAsleep to clear */
    mov     w0, #'W'
    strb    w0, [x20]

    /* T: PPI 30 in Group 1 at priority 0xA0, CPU interface on, timer twice. */
    mov     x25, #'T'
    add     x12, x11, #SGI_BASE
    mov     w0, #-1
    str     w0, [x12, #0x80]        /* GICR_IGROUPR0: all Group 1 */
    mov     w0, #0xA0
    strb    w0, [x12, #0x400 + 30]  /* GICR_IPRIORITYR7, byte of INTID 30 */
    mov     w0, #(1 << 30)
    str     w0, [x12, #0x100]       /* GICR_ISENABLER0 */
    mov     x0, #0xF0
    msr     S3_0_C4_C6_0, x0        /* ICC_PMR_EL1 */
    msr     S3_0_C12_C12_3, xzr     /* ICC_BPR1_EL1 */
    msr     S3_0_C12_C12_4, xzr     /* ICC_CTLR_EL1: EOImode 0 */
    mov     x0, #1
    msr     S3_0_C12_C12_7, x0      /* ICC_IGRPEN1_EL1 */
    isb
    mov     x1, #1000
    msr     cntp_tval_el0, x1
    mov     x1, #1
    msr     cntp_ctl_el0, x1
    msr     daifclr, #2
2:  wfi
    ldr     x1, [x21]
    cmp     x1, #2
    b.lo    2b
    msr     daifset, #2

    /* R, S, B: core 1 up, then SGI 1 to affinity 0.0.0.1 and SGI 2 to all but self. */
    mov     x25, #'R'
    ldr     x0, =0xC4000003         /* CPU_ON */
    mov     x1, #1
    adr     x2, secondary
    mov     x3, #0
    hvc     #0
    cbnz    x0, fail
3:  ldr     x1, [x21, #8]
    cbz     x1, 3b
    mov     x25, #'S'
    ldr     x0, =(1 << 24 | 1 << 1) /* INTID 1, Aff3.Aff2.Aff1 = 0, target list bit 1 */
    msr     S3_0_C12_C11_5, x0      /* ICC_SGI1R_EL1 */
    isb
4:  ldr     x1, [x21, #16]
    cmp     x1, #1
    b.lo    4b
    mov     x25, #'B'
    mov     x0, #(2 << 24)
    orr     x0, x0, #(1 << 40)      /* IRM: every core but this one */
    msr     S3_0_C12_C11_5, x0
    isb
5:  ldr     x1, [x21, #16]
    cmp     x1, #2
    b.lo    5b
    b       pass

secondary:
    ldr     x0, =0x40100000
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    isb
    ldr     x20, =UART
    ldr     x21, =FLAGS
    mov     x25, #'R'
    ldr     x11, =GICR + 0x20000    /* redistributor frame 1 */
    ldr     x0, [x11, #8]
    lsr     x1, x0, #32
    cmp     x1, #1
    b.ne    fail
    tbz     x0, #4, fail            /* Last */
    ubfx    x1, x0, #8, #16
    cmp     x1, #1                  /* Processor_Number */
    b.ne    fail
    str     wzr, [x11, #0x14]
7:  ldr     w0, [x11, #0x14]
    tbnz    w0, #2, 7b
    add     x12, x11, #SGI_BASE
    mov     w0, #-1
    str     w0, [x12, #0x80]        /* all Group 1 */
    mov     w0, #0x80
    strb    w0, [x12, #0x400 + 1]   /* SGIs 1 and 2 at priority 0x80 */
    strb    w0, [x12, #0x400 + 2]
    ldr     w0, [x12, #0x400]
    ldr     w1, =0x00808000
    cmp     w0, w1
    b.ne    fail
    mov     w0, #0x6
    str     w0, [x12, #0x100]       /* enable SGIs 1 and 2 */
    mov     x0, #0xF0
    msr     S3_0_C4_C6_0, x0
    mov     x0, #1
    msr     S3_0_C12_C12_7, x0
    isb
    mov     w0, #'R'
    strb    w0, [x20]
    msr     daifclr, #2
    mov     x0, #1
    str     x0, [x21, #8]
8:  wfi
    b       8b

irq_handler:
    mrs     x9, S3_0_C12_C12_0      /* ICC_IAR1_EL1 */
    cmp     x9, #30
    b.eq    on_timer
    cmp     x9, #1
    b.eq    on_sgi1
    cmp     x9, #2
    b.eq    on_sgi2
    b       fail
on_timer:
    mrs     x10, S3_0_C12_C11_3     /* ICC_RPR_EL1: the timer's priority while it is active */
    cmp     x10, #0xA0
    b.ne    fail
    mrs     x10, S3_0_C12_C12_0     /* nothing else to acknowledge */
    cmp     x10, #1023
    b.ne    fail
    ldr     x10, [x21]
    add     x10, x10, #1
    str     x10, [x21]
    mov     x11, #1000
    msr     cntp_tval_el0, x11      /* re-arm: the line drops until the next expiry */
    cmp     x10, #2
    b.lo    1f
    msr     cntp_ctl_el0, xzr       /* the second one: timer off */
1:  mov     w11, #'T'
    strb    w11, [x20]
    b       eoi
on_sgi1:
    mov     w11, #'S'
    b       sgi_taken
on_sgi2:
    mov     w11, #'B'
sgi_taken:
    strb    w11, [x20]
    ldr     x10, [x21, #16]
    add     x10, x10, #1
    str     x10, [x21, #16]
eoi:
    msr     S3_0_C12_C12_1, x9      /* ICC_EOIR1_EL1: drop priority and deactivate */
    isb
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
    b       fail                    /* current EL, SPx: synchronous (0x200) */
    .balign 0x80
    b       irq_handler             /* current EL, SPx: IRQ (0x280) */
    .balign 0x80
    b       fail
    .balign 0x80
    b       fail
    .ltorg
