/*
 * io-x86_64.S: IO_COUNT back-to-back port or memory accesses, for
 * `chimera-bench io` (issue 19). The same ELF runs on Chimera's pc-x86_64,
 * which enters e_entry (_start) in 64-bit mode with the low 4 GiB identity
 * mapped, and on `qemu-system-x86_64 -M pc -kernel`, which refuses 64-bit
 * ELFs for Multiboot: the Multiboot v1 header below carries its own load
 * addresses (flag 16, the "a.out kludge") and a 32-bit entry, mb_entry,
 * that switches to long mode and jumps to _start. Exactly one of these
 * selects the access:
 *   IO_IN_LSR    inb from COM1's line status register, port 0x3FD
 *   IO_OUT_SCR   outb to COM1's scratch register, port 0x3FF
 *   IO_RAM_LOAD  a byte load from this image's .data: the unit of comparison
 * Every kind runs the same three-instruction loop (access, dec, jnz).
 * Exit: isa-debug-exit at port 0xF4 with 42 when the last value looks right,
 * 1 otherwise; both engines report (value << 1) | 1, so 85 or 3.
 */
#ifndef IO_COUNT
#error "build with -DIO_COUNT=<number of accesses, 1 to 2^32-1>"
#endif

#define MB_MAGIC    0x1BADB002
#define MB_FLAGS    0x00010000      /* bit 16: the address fields are valid */

    .section .text.boot, "ax"
    .code64
    .global _start
    .type _start, @function
_start:
    cli
#if defined(IO_IN_LSR)
    movl    $0x3FD, %edx
#elif defined(IO_OUT_SCR)
    movl    $0x3FF, %edx
    movl    $0xA5, %eax
#elif defined(IO_RAM_LOAD)
    leaq    ram_byte(%rip), %rsi
#else
#error "define one of IO_IN_LSR, IO_OUT_SCR, IO_RAM_LOAD"
#endif
    movl    $IO_COUNT, %ecx
1:
#if defined(IO_IN_LSR)
    inb     %dx, %al
#elif defined(IO_OUT_SCR)
    outb    %al, %dx
#else
    movb    (%rsi), %al
#endif
    decl    %ecx
    jnz     1b

#if defined(IO_IN_LSR)
    andb    $0x60, %al              /* THRE and TEMT: the transmitter is idle */
    cmpb    $0x60, %al
#elif defined(IO_OUT_SCR)
    inb     %dx, %al                /* the scratch register keeps what was written */
    cmpb    $0xA5, %al
#else
    cmpb    $0x5A, %al
#endif
    movb    $1, %al
    jne     2f
    movb    $42, %al
2:  outb    %al, $0xF4
3:  cli
    hlt
    jmp     3b
    .size _start, . - _start

/* Multiboot v1 header: in the first 8 KiB of the file, 4-byte aligned. */
    .balign 4
mb_header:
    .long   MB_MAGIC
    .long   MB_FLAGS
    .long   -(MB_MAGIC + MB_FLAGS)
    .long   mb_header               /* header_addr */
    .long   __image_start           /* load_addr: file bytes from the segment start */
    .long   __load_end              /* load_end_addr */
    .long   __image_end             /* bss_end_addr */
    .long   mb_entry                /* entry_addr */

/* Entered by the Multiboot loader in 32-bit protected mode, paging off. */
    .code32
mb_entry:
    cli
    lgdt    gdt_pointer
    movl    %cr4, %eax
    orl     $(1 << 5), %eax         /* CR4.PAE */
    movl    %eax, %cr4
    movl    $pml4, %eax
    movl    %eax, %cr3
    movl    $0xC0000080, %ecx       /* IA32_EFER */
    rdmsr
    orl     $(1 << 8), %eax         /* EFER.LME */
    wrmsr
    movl    %cr0, %eax
    orl     $((1 << 31) | 1), %eax  /* CR0.PG, CR0.PE */
    movl    %eax, %cr0
    ljmp    $0x08, $long_entry
    .code64
long_entry:
    movl    $0x10, %eax
    movl    %eax, %ds
    movl    %eax, %es
    movl    %eax, %ss
    jmp     _start

    .data
    .balign 8
gdt:
    .quad   0
    .quad   0x00209A0000000000      /* 0x08: 64-bit code, present, ring 0 */
    .quad   0x0000920000000000      /* 0x10: data, present, writable */
gdt_end:
gdt_pointer:
    .word   gdt_end - gdt - 1
    .long   gdt
ram_byte:
    .byte   0x5A

/* Long-mode page tables: the low 4 GiB identity-mapped with 2 MiB pages. */
    .balign 4096
pml4:
    .quad   pdpt + 0x3              /* present, writable */
    .fill   511, 8, 0
pdpt:
    .quad   pd + 0x0000 + 0x3
    .quad   pd + 0x1000 + 0x3
    .quad   pd + 0x2000 + 0x3
    .quad   pd + 0x3000 + 0x3
    .fill   508, 8, 0
pd:
    .set    page, 0
    .rept   2048
    .quad   page + 0x83             /* present, writable, 2 MiB page */
    .set    page, page + 0x200000
    .endr
