/* A tiny arm64 Linux-style Image: the 64-byte header of the arm64 boot
 * protocol (Documentation/arch/arm64/booting.rst), then start code that
 * keeps X0-X3 for kmain. Linked as a raw binary by link.ld. */
    .section .text.boot, "ax"
    .global _start
_start:
    b       entry                   /* code0 */
    .long   0                       /* code1 */
    .quad   0                       /* text_offset */
    .quad   __image_size            /* image_size: through the stack in .bss */
    .quad   0xA                     /* flags: little-endian, 4K pages, base anywhere */
    .quad   0, 0, 0                 /* res2-res4 */
    .ascii  "ARM\x64"               /* magic */
    .long   0                       /* res5 */
entry:
    adrp    x9, __stack_top
    add     x9, x9, :lo12:__stack_top
    mov     sp, x9
    bl      kmain
1:  wfi
    b       1b

    .section .bss.stack, "aw", %nobits
    .balign 16
    .space  16384
    .global __stack_top
__stack_top:
