/* linux-user (aarch64): a static Linux process used to produce reference output. */
    .text
    .global _start
    .type _start, %function
_start:
    mov     x29, #0
    mov     x30, #0
    bl      kmain
    bl      kexit
1:  b       1b
    .size _start, . - _start
