/*
 * Text for the terminal: display widths of UTF-8 text (columns, not bytes)
 * and word wrapping.  Plain C, shared by the command line and the screens.
 */
#ifndef PRISE_TEXT_H
#define PRISE_TEXT_H

#include <stddef.h>

/* Display columns of the first n bytes of UTF-8 text (invalid bytes: 1). */
int text_width(const char *s, size_t n);

/*
 * Wraps text at `width` columns, each line starting with `indent`.  A line
 * that starts with a space or a tab (code) is kept as it is; a word longer
 * than a line is cut.  Caller frees.
 */
char *text_wrap(const char *text, int width, const char *indent);

/* Columns of the terminal on standard output, or 80 when it is not one. */
int text_term_width(void);

#endif
