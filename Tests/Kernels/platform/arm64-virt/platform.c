/* arm64-virt platform: PL011 UART console and semihosting exit on QEMU virt. */
#include "kernel.h"

#define UART0_BASE 0x09000000ul
#define UART_DR (*(volatile uint32_t *)(UART0_BASE + 0x00))
#define UART_FR (*(volatile uint32_t *)(UART0_BASE + 0x18))
#define UART_FR_TXFF (1u << 5)

void kputc(char c) {
    while (UART_FR & UART_FR_TXFF) {
    }
    UART_DR = (uint32_t)(unsigned char)c;
}

void kexit(int code) {
    /* Semihosting SYS_EXIT (0x18) with an AArch64 parameter block. */
    volatile uint64_t block[2] = {0x20026 /* ADP_Stopped_ApplicationExit */, (uint64_t)(int64_t)code};
    register uint64_t x0 __asm__("x0") = 0x18;
    register volatile uint64_t *x1 __asm__("x1") = block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    for (;;) __asm__ volatile("wfi");
}
