/*
 * gdb-target.c - the program the gdb-multiarch sessions of Tests/GDBTests
 * debug (built with -O0 -g, for every platform). It prints one line per
 * round, keeps a running total in a global the sessions watch, and exits
 * with the total: 1 + 2 + 5 + 10 + 17 = 35 (the sessions check the code).
 */
#include "kernel.h"

volatile uint64_t watched_total;

static uint64_t square(uint64_t x) {
    uint64_t result = x * x;
    return result;
}

uint64_t accumulate(uint64_t round) {
    uint64_t step = square(round) + 1;
    watched_total += step;
    return step;
}

int kmain(void) {
    uint64_t sum = 0;
    for (uint64_t round = 0; round < 5; round++) {
        sum += accumulate(round);
        kprintf("round %u total %u\n", (unsigned)round, (unsigned)watched_total);
    }
    return (int)(sum & 0xff);
}
