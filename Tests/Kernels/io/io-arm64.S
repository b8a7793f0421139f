/*
 * io-arm64.S: IO_COUNT back-to-back 32-bit loads from one address, for
 * `chimera-bench io` (issue 19). Runs unchanged on Chimera's virt-arm64 and
 * on QEMU `-M virt -cpu cortex-a53 -semihosting`: entered at EL1, MMU off,
 * exits with semihosting SYS_EXIT. Exactly one of these selects the address:
 *   IO_PL011_FR    PL011 UARTFR at 0x09000018 (reading it has no side effect)
 *   IO_GICD_TYPER  GICv2 GICD_TYPER at 0x08000004 (read-only, no side effect)
 *   IO_RAM_LOAD    a word of this image's .data: the unit of comparison
 * Every kind runs the same three-instruction loop (load, subs, b.ne), so the
 * only difference between them is where the load goes.
 * Exit value: 42 when the last value read looks right, 1 otherwise.
 */
#ifndef IO_COUNT
#error "build with -DIO_COUNT=<number of accesses, at least 1>"
#endif

    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
#if defined(IO_PL011_FR)
    ldr     x1, =0x09000018
#elif defined(IO_GICD_TYPER)
    ldr     x1, =0x08000004
#elif defined(IO_RAM_LOAD)
    adrp    x1, ram_word
    add     x1, x1, :lo12:ram_word
#else
#error "define one of IO_PL011_FR, IO_GICD_TYPER, IO_RAM_LOAD"
#endif
    ldr     x2, =IO_COUNT
1:  ldr     w0, [x1]
    subs    x2, x2, #1
    b.ne    1b

    mov     x3, #1                  /* failure unless the check below passes */
#if defined(IO_PL011_FR)
    tbz     w0, #4, 2f              /* RXFE: nothing was typed */
#elif defined(IO_GICD_TYPER)
    cbz     w0, 2f                  /* ITLinesNumber is nonzero with > 32 IRQs */
#else
    ldr     w4, =0x5a5aa5a5
    cmp     w0, w4
    b.ne    2f
#endif
    mov     x3, #42

    /* Semihosting SYS_EXIT (0x18), x1 -> {ADP_Stopped_ApplicationExit, code}. */
2:  adrp    x1, exit_block
    add     x1, x1, :lo12:exit_block
    str     x3, [x1, #8]
    mov     x0, #0x18
    hlt     #0xf000
3:  wfi
    b       3b
    .size _start, . - _start
    .ltorg

    .data
    .balign 16
exit_block:
    .quad   0x20026
    .quad   0
ram_word:
    .word   0x5a5aa5a5
