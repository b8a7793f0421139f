/* x86_64-pc platform: COM1 16550 UART console and isa-debug-exit style exit. */
#include "kernel.h"

#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE (1u << 5)
#define DEBUG_EXIT_PORT 0xF4

static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
    return v;
}

void kputc(char c) {
    while ((inb(COM1_LSR) & LSR_THRE) == 0) {
    }
    outb(COM1, (uint8_t)c);
}

void kexit(int code) {
    /* QEMU isa-debug-exit: the host exit status becomes (code << 1) | 1. */
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    for (;;) __asm__ volatile("cli; hlt");
}
