/*
 * Small helpers every module uses: checked allocation, a growable string
 * buffer, whole-file reading and monotonic time.
 */
#ifndef PRISE_UTIL_H
#define PRISE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Allocation that never returns NULL: on exhaustion it prints and exits 3. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated byte buffer. */
struct sbuf {
	char *buf;
	size_t len, cap;
};
void sbuf_add(struct sbuf *b, const void *data, size_t n);
void sbuf_adds(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Returns the content (caller frees) and leaves the buffer empty. */
char *sbuf_take(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* Reads a whole file; returns NULL with errno set.  *len may be NULL. */
char *file_read(const char *path, size_t *len);
/* Writes a whole file (mode for creation); returns 0 or -1 with errno. */
int file_write(const char *path, const void *data, size_t len, int mode);
int file_exists(const char *path);
/* mkdir -p; returns 0 or -1 with errno. */
int mkdir_p(const char *path, int mode);
/* rm -rf of a scratch directory; best effort. */
void rm_rf(const char *path);

/* Milliseconds on the monotonic clock. */
long now_ms(void);
long now_us(void);

#endif
