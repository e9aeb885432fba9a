/* Recording failures in the calling thread's last-error record. Every
 * function returns the code it was given, so callers write
 * `return hc_fail(HTTPC_E_X, "...")`. */
#ifndef HC_ERR_H
#define HC_ERR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define HC_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define HC_PRINTF(fmt_index, first_arg)
#endif

/* Sets code and message (printf-style; NULL fmt: the code's default). */
int hc_fail(int code, const char *fmt, ...) HC_PRINTF(2, 3);
/* As hc_fail, also recording an OS errno. */
int hc_fail_os(int code, int os_errno, const char *fmt, ...) HC_PRINTF(3, 4);
/* As hc_fail, also recording a TLS library error number. */
int hc_fail_tls(int code, int tls_error, const char *fmt, ...) HC_PRINTF(3, 4);
/* IncompleteRead: bytes read and bytes still expected (-1 unknown). */
int hc_fail_incomplete(int64_t partial, int64_t expected);
/* A bad status line (kept, truncated to 1 KiB, for BadStatusLine(line)). */
int hc_fail_line(int code, const char *line, size_t len, const char *fmt, ...) HC_PRINTF(4, 5);
void hc_err_clear(void);
/* Maps an errno from connect/send/recv to an httpc code. */
int hc_errno_code(int os_errno);

#endif
