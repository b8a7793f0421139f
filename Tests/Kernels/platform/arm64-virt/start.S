/* arm64-virt start code: entered at EL1 (QEMU virt, MMU off) at _start. */
    .section .text.boot, "ax"
    .global _start
    .type _start, %function
_start:
    /* Stack: top of the 64 KiB .bss stack below (16-byte aligned). */
    adrp    x0, __stack_top
    add     x0, x0, :lo12:__stack_top
    mov     sp, x0
    /* Enable FP/SIMD at EL1 and EL0: CPACR_EL1.FPEN (bits 21:20) = 0b11. */
    mrs     x0, cpacr_el1
    orr     x0, x0, #(3 << 20)
    msr     cpacr_el1, x0
    isb
    /* Zero .bss (bounds are 16-byte aligned by link.ld). */
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:  bl      kmain
    bl      kexit           /* w0 already holds kmain's return value */
3:  wfi
    b       3b
    .size _start, . - _start

    .section .kstack, "aw", %nobits
    .balign 16
__stack_bottom:
    .space  0x10000
    .global __stack_top
__stack_top:
