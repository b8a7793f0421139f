/*
 * x86-system/smp.S - two-core test kernel. The bootstrap core enables its local APIC,
 * wakes the second core (APIC ID 1) with INIT and a startup IPI whose vector names the
 * 4 KiB page of a trampoline copied below 1 MiB (0x8000), as on real hardware; Chimera
 * starts application processors there in 64-bit mode, and the trampoline jumps to `ap_entry`;
 * sends it a fixed IPI (vector 0x50) and waits with HLT for the answer (vector 0x51).
 */
    .set APIC, 0xFEE00000
    .text
    .code64
    .global _start
_start:
    cli
    mov     $APIC, %r15d                  /* local APIC base (r15 is never clobbered) */
    lea     bsp_stack(%rip), %rsp
    call    setup_idt
    movl    $0x1FF, 0xF0(%r15)
    /* INIT, then SIPI to APIC ID 1 */
    movl    $0x01000000, 0x310(%r15)
    movl    $0x00004500, 0x300(%r15)
    lea     trampoline(%rip), %rsi
    mov     $0x8000, %edi
    mov     $trampoline_end - trampoline, %ecx
    cld
    rep movsb
    mov     $0x4608, %eax                 /* startup IPI, vector 0x08 -> 0x8000 */
    movl    $0x01000000, 0x310(%r15)
    movl    %eax, 0x300(%r15)
1:  pause
    cmpq    $0, ap_alive(%rip)
    je      1b
    /* fixed IPI, vector 0x50, to core 1 */
    movl    $0x01000000, 0x310(%r15)
    movl    $0x00004050, 0x300(%r15)
    sti
2:  hlt
    cmpq    $0, bsp_got_ipi(%rip)
    je      2b
    mov     $0x20, %al
    out     %al, $0xF4
3:  hlt
    jmp     3b

setup_idt:
    lea     idt(%rip), %r8
    lea     h_ap(%rip), %rsi
    mov     $0x50, %edi
    call    gate
    lea     h_bsp(%rip), %rsi
    mov     $0x51, %edi
    call    gate
    lidt    idtr(%rip)
    ret
gate:
    lea     idt(%rip), %r8
    shl     $4, %rdi
    add     %rdi, %r8
    mov     %rsi, %rax
    mov     %ax, (%r8)
    movw    $0x08, 2(%r8)
    movb    $0, 4(%r8)
    movb    $0x8E, 5(%r8)
    shr     $16, %rax
    mov     %ax, 6(%r8)
    shr     $16, %rax
    mov     %eax, 8(%r8)
    movl    $0, 12(%r8)
    ret

h_ap:
    movq    $1, ap_got_ipi(%rip)
    movl    $0, 0xB0(%r15)
    /* answer: vector 0x51 to APIC ID 0 */
    movl    $0x00000000, 0x310(%r15)
    movl    $0x00004051, 0x300(%r15)
    iretq
h_bsp:
    movq    $1, bsp_got_ipi(%rip)
    movl    $0, 0xB0(%r15)
    iretq

trampoline:
    movabs  $ap_entry, %rax
    jmp     *%rax
trampoline_end:

ap_entry:
    mov     $APIC, %r15d
    lea     ap_stack(%rip), %rsp
    lidt    idtr(%rip)
    movl    $0x1FF, 0xF0(%r15)
    mov     0x20(%r15), %eax
    shr     $24, %eax
    mov     %rax, ap_apic_id(%rip)
    movq    $1, ap_alive(%rip)
    sti
4:  hlt
    jmp     4b

    .data
    .balign 16
idtr:
    .word   256 * 16 - 1
    .quad   idt
    .global ap_alive, ap_got_ipi, bsp_got_ipi, ap_apic_id
ap_alive:    .quad 0
ap_got_ipi:  .quad 0
bsp_got_ipi: .quad 0
ap_apic_id:  .quad 0xFF

    .bss
    .balign 4096
idt:    .space 4096
        .space 8192
bsp_stack:
        .space 8192
ap_stack:
