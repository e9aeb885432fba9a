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
/* INCOMPLETE_READ as above; for a code of the IncompleteRead family
 * (INVALID_CHUNK) the recorded message stays and partial/expected are set. */
int hc_fail_incomplete_code(int code, int64_t partial, int64_t expected);
/* A bad status line (kept, truncated to 1 KiB, for BadStatusLine(line)). */
int hc_fail_line(int code, const char *line, size_t len, const char *fmt, ...) HC_PRINTF(4, 5);
void hc_err_clear(void);

/* Peer and caller bytes in messages: shown as Python's repr shows them, so a
 * message stays one printable line whatever the bytes were. */
enum hc_show_style { HC_SHOW_BYTES /* b'...' */, HC_SHOW_STR /* '...' */ };
enum { HC_SHOWN_MAX = 160 };
/* Writes data as repr does (quotes chosen as Python chooses them), every
 * control and non-ASCII byte escaped (\r, \n, \t, \xhh), into out
 * (NUL-terminated; cut short with "..." after the closing quote when it does
 * not fit). Returns out, to be passed as a "%s" argument. */
const char *hc_show(char *out, size_t cap, const void *data, size_t len, enum hc_show_style style);
/* The quote repr picks: ' unless the data holds ' and no ". */
char hc_repr_quote(const void *data, size_t len);
/* repr's escape of one byte inside `quote`s, into esc; returns its length
 * (1: the byte as is). */
size_t hc_repr_escape_byte(unsigned char c, char quote, char esc[4]);
/* Maps an errno from connect/send/recv to an httpc code. */
int hc_errno_code(int os_errno);

#endif
