/*
 * kernel.h - the tiny freestanding API shared by every Chimera guest test program.
 *
 * A program defines `int kmain(void)`; the platform layer calls it after setting
 * up a stack (and FP/SIMD), and passes its return value to kexit().
 * Platform layers provide kputc() and kexit(); common/printf.c and common/libc.c
 * provide everything else.
 */
#ifndef CHIMERA_KERNEL_H
#define CHIMERA_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Architecture name printed by hello.c and used to select per-arch expected files. */
#ifndef KERNEL_ARCH
#if defined(__aarch64__)
#define KERNEL_ARCH "arm64"
#elif defined(__x86_64__)
#define KERNEL_ARCH "x86_64"
#else
#error "unsupported architecture"
#endif
#endif

/* ---- provided by the platform layer (platform/<name>/platform.c) ---- */
void kputc(char c);
void kexit(int code) __attribute__((noreturn));

/* ---- provided by the program ---- */
int kmain(void);

/* ---- common/printf.c ---- */
void kputs(const char *s); /* writes s without adding a newline */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- common/libc.c (clang may emit calls to the mem* functions itself) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#define KARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
