/*
 * x86_64-lockstep start code: entered at _start in 64-bit mode under a bare CPU
 * emulator (no devices). The SSE enable writes to CR0/CR4 are harmless there.
 */
    .section .text.boot, "ax"
    .code64
    .global _start
    .type _start, @function
_start:
    cli
    movabsq $__stack_top, %rsp      /* 64 KiB stack at the end of .bss */
    xorl    %ebp, %ebp
    /* Enable SSE: CR0.EM (bit 2) = 0, CR0.MP (bit 1) = 1; CR4.OSFXSR (9) and OSXMMEXCPT (10). */
    movq    %cr0, %rax
    andq    $~(1 << 2), %rax
    orq     $(1 << 1), %rax
    movq    %rax, %cr0
    movq    %cr4, %rax
    orq     $((1 << 9) | (1 << 10)), %rax
    movq    %rax, %cr4
    /* Zero .bss with a plain loop (no REP string op; bounds are 16-byte aligned). */
    cld
    movabsq $__bss_start, %rdi
    movabsq $__bss_end, %rcx
    xorl    %eax, %eax
2:  cmpq    %rcx, %rdi
    jae     3f
    movq    %rax, (%rdi)
    movq    %rax, 8(%rdi)
    addq    $16, %rdi
    jmp     2b
3:
    call    kmain                   /* RSP is 16-byte aligned at the call */
    movl    %eax, %edi
    call    kexit
1:  jmp     lockstep_halt
    .size _start, . - _start

    .section .kstack, "aw", @nobits
    .balign 16
__stack_bottom:
    .space  0x10000
    .global __stack_top
__stack_top:

    /* The lockstep harness stops when RIP reaches this self-loop. */
    .section .text, "ax"
    .global lockstep_halt
    .type lockstep_halt, @function
lockstep_halt:
    jmp     lockstep_halt
    .size lockstep_halt, . - lockstep_halt
