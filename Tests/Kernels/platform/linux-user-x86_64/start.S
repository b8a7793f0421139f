/* linux-user (x86_64): a static Linux process used to produce reference output. */
    .text
    .global _start
    .type _start, @function
_start:
    xorl    %ebp, %ebp
    andq    $-16, %rsp
    call    kmain
    movl    %eax, %edi
    call    kexit
    hlt
    .size _start, . - _start
