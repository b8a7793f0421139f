/*
 * x86_64-pc start code: entered at _start already in 64-bit long mode with the
 * low 4 GiB identity-mapped, flat segments, interrupts off and RSP undefined.
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
1:  cli
    hlt
    jmp     1b
    .size _start, . - _start

    .section .kstack, "aw", @nobits
    .balign 16
__stack_bottom:
    .space  0x10000
    .global __stack_top
__stack_top:
