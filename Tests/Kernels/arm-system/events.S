/*
 * events.S - WFE wake-up events (EL1, MMU off, two cores).
 * Core 0 starts core 1 with PSCI CPU_ON. Core 1 waits for a flag the way
 * Linux's spinlocks do (LDXR, then WFE until the value changes); core 0
 * sets the flag with a plain store and no SEV, so only the clearing of
 * core 1's exclusive monitor can wake it ('M'). Core 1 then turns on the
 * generic timer's event stream and waits in WFE three times with no other
 * source of events ('E'). Expected UART output: "ME\n"; semihosting exit 0.
 */
    .equ UART, 0x09000000
    .equ FLAGS, 0x40300000          /* +0 flag, +64 ack (another granule) */
    .equ EXIT_BLOCK, FLAGS + 128      /* semihosting exit parameters (finish.inc) */

    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x20, =UART
    ldr     x21, =FLAGS
    str     xzr, [x21]
    str     xzr, [x21, #64]
    ldr     x0, =0xC4000003         /* CPU_ON core 1 at waiter */
    mov     x1, #1
    adr     x2, waiter
    mov     x3, #0
    hvc     #0
    cbnz    x0, fail
    /* Give core 1 time to fall asleep, then set the flag without SEV. */
    mov     x1, #20000
1:  subs    x1, x1, #1
    b.ne    1b
    mov     w1, #1
    str     w1, [x21]
2:  ldr     x1, [x21, #64]
    cmp     x1, #2
    b.ne    2b
    b       pass

waiter:
    ldr     x20, =UART
    ldr     x21, =FLAGS
    sevl
    wfe                             /* consumes the local event */
4:  ldxr    w1, [x21]
    cbnz    w1, 5f
    wfe
    b       4b
5:  mov     w1, #'M'
    strb    w1, [x20]
    mov     x1, #1
    str     x1, [x21, #64]
    /* Event stream on, trigger bit 4 of the counter (an event every 32 ticks). */
    mov     x1, #((4 << 4) | (1 << 2))
    msr     cntkctl_el1, x1
    isb
    mrs     x5, cntvct_el0
    wfe
    wfe
    wfe
    mrs     x6, cntvct_el0
    sub     x6, x6, x5
    cmp     x6, #32                 /* at least one full period passed */
    b.lo    fail
    mov     w1, #'E'
    strb    w1, [x20]
    mov     x1, #2
    str     x1, [x21, #64]
    ldr     x0, =0x84000002         /* CPU_OFF */
    hvc     #0
6:  b       6b
