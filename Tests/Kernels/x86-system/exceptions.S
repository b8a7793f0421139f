/*
 * x86-system/exceptions.S - system-level test kernel for the Chimera x86-64 core.
 * Entered in 64-bit mode at CPL 0 (boot identity map, interrupts off). Loads its own GDT
 * (with a 64-bit TSS whose IST1 stack serves #PF), an IDT, then takes in turn:
 *   #UD (ud2), #PF on an unmapped address (handler reads CR2, runs on IST1), #DE (div by 0),
 *   INT3 (a trap: the saved RIP is the next instruction), a local-APIC timer interrupt
 *   (one-shot, vector 0x40, waited for with HLT), and a SYSCALL round trip from CPL 3
 *   (SYSRETQ into user code, which issues SYSCALL back into the kernel).
 * Results are stored in the `results` block; the kernel exits through port 0xF4.
 */
    .set APIC, 0xFEE00000
    .text
    .code64
    .global _start
_start:
    cli
    mov     $APIC, %r15d                  /* local APIC base (r15 is never clobbered) */
    lea     stack_top(%rip), %rsp
    /* TSS descriptor base fields. */
    lea     tss(%rip), %rax
    mov     %ax, gdt_tss+2(%rip)
    shr     $16, %rax
    mov     %al, gdt_tss+4(%rip)
    mov     %ah, gdt_tss+7(%rip)
    shr     $16, %rax
    mov     %eax, gdt_tss+8(%rip)
    lea     ist1_top(%rip), %rax
    mov     %rax, tss+36(%rip)            /* IST1 */
    lea     stack_top(%rip), %rax
    mov     %rax, tss+4(%rip)             /* RSP0 */
    lgdt    gdtr(%rip)
    mov     $0x28, %ax
    ltr     %ax
    /* IDT gates. */
    mov     $0, %edi;  lea h_de(%rip), %rsi;  xor %edx, %edx; call set_gate
    mov     $3, %edi;  lea h_bp(%rip), %rsi;  xor %edx, %edx; call set_gate
    mov     $6, %edi;  lea h_ud(%rip), %rsi;  xor %edx, %edx; call set_gate
    mov     $14, %edi; lea h_pf(%rip), %rsi;  mov $1, %edx;   call set_gate
    mov     $0x40, %edi; lea h_timer(%rip), %rsi; xor %edx, %edx; call set_gate
    lidt    idtr(%rip)

    /* 1. #UD */
    ud2
    /* 2. #PF at 5 GiB (not mapped by the boot tables) */
    movabs  $0x140000123, %rax
    mov     (%rax), %rbx
    /* 3. #DE */
    xor     %ecx, %ecx
    mov     $7, %eax
    xor     %edx, %edx
    div     %rcx
    /* 4. INT3 */
    int3
    .global after_int3_site
after_int3_site:
    movq    $1, after_int3(%rip)
    /* 5. APIC timer: enable, one-shot vector 0x40, divide by 1, 1000 ticks. */
    movl    $0x1FF, 0xF0(%r15)
    movl    $0x0B, 0x3E0(%r15)
    movl    $0x40, 0x320(%r15)
    movl    $1000, 0x380(%r15)
    sti
1:  hlt
    cmpq    $0, timer_ticks(%rip)
    je      1b
    cli
    /* 6. SYSCALL round trip: EFER.SCE, STAR, LSTAR, SFMASK; SYSRETQ to user code. */
    mov     $0xC0000080, %ecx
    rdmsr
    or      $1, %eax
    wrmsr
    mov     $0xC0000081, %ecx
    xor     %eax, %eax
    mov     $0x00100008, %edx             /* STAR: SYSRET base 0x10, SYSCALL CS 0x08 */
    wrmsr
    mov     $0xC0000082, %ecx
    lea     syscall_entry(%rip), %rax
    mov     %rax, %rdx
    shr     $32, %rdx
    wrmsr
    mov     $0xC0000084, %ecx
    mov     $0x200, %eax                  /* clear IF on entry */
    xor     %edx, %edx
    wrmsr
    lea     user_code(%rip), %rcx
    mov     $0x202, %r11
    lea     user_stack_top(%rip), %rsp
    sysretq

user_code:
    mov     $42, %eax
    mov     $7, %edi
    syscall
    /* not reached: the kernel exits from the system call */
2:  jmp     2b

syscall_entry:
    lea     stack_top(%rip), %rsp
    mov     %rax, syscall_number(%rip)
    mov     %rcx, syscall_rcx(%rip)
    mov     %cs, %rax
    mov     %rax, syscall_cs(%rip)
    /* exit: value 0x10 -> exit code 0x21 */
    mov     $0x10, %al
    out     %al, $0xF4
3:  hlt
    jmp     3b

/* set_gate(edi = vector, rsi = handler, edx = IST): 64-bit interrupt gate, DPL 0. */
set_gate:
    lea     idt(%rip), %r8
    shl     $4, %rdi
    add     %rdi, %r8
    mov     %rsi, %rax
    mov     %ax, (%r8)
    movw    $0x08, 2(%r8)
    mov     %dl, 4(%r8)
    movb    $0x8E, 5(%r8)
    shr     $16, %rax
    mov     %ax, 6(%r8)
    shr     $16, %rax
    mov     %eax, 8(%r8)
    movl    $0, 12(%r8)
    ret

h_ud:
    incq    ud_count(%rip)
    addq    $2, (%rsp)                    /* skip ud2 */
    iretq
h_pf:
    mov     %cr2, %rax
    mov     %rax, pf_cr2(%rip)
    pop     %rax
    mov     %rax, pf_error(%rip)
    mov     %rsp, pf_rsp(%rip)
    addq    $3, (%rsp)                    /* skip mov (%rax), %rbx */
    iretq
h_de:
    incq    de_count(%rip)
    addq    $3, (%rsp)                    /* skip div %rcx */
    iretq
h_bp:
    mov     (%rsp), %rax
    mov     %rax, bp_rip(%rip)
    iretq
h_timer:
    push    %rax
    incq    timer_ticks(%rip)
    movl    $0, 0xB0(%r15)                 /* EOI */
    pop     %rax
    iretq

    .data
    .balign 16
gdt:
    .quad   0
    .quad   0x00AF9A000000FFFF            /* 0x08 kernel code, 64-bit */
    .quad   0x00CF92000000FFFF            /* 0x10 kernel data */
    .quad   0x00CFF2000000FFFF            /* 0x18 user data */
    .quad   0x00AFFA000000FFFF            /* 0x20 user code, 64-bit */
gdt_tss:
    .quad   0x0000890000000067            /* 0x28 TSS (base filled in) */
    .quad   0
gdt_end:
gdtr:
    .word   gdt_end - gdt - 1
    .quad   gdt
    .balign 16
idtr:
    .word   256 * 16 - 1
    .quad   idt
    .balign 16
    .global results
results:
ud_count:       .quad 0
pf_cr2:         .quad 0
pf_error:       .quad 0
pf_rsp:         .quad 0
de_count:       .quad 0
bp_rip:         .quad 0
after_int3:     .quad 0
timer_ticks:    .quad 0
syscall_number: .quad 0
syscall_rcx:    .quad 0
syscall_cs:     .quad 0

    .bss
    .balign 4096
idt:    .space 4096
tss:    .space 104
    .balign 16
        .space 4096
ist1_top:
        .space 8192
stack_top:
        .space 4096
user_stack_top:
