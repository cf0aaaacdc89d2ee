/*
 * Prints the cc command that `prise check` runs for an exercise, so that the
 * benchmark can time the compiler alone with the very same command.
 * usage: ccline EX SRC OUT
 */
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"
#include "compile.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: ccline EX SRC OUT\n");
		return 2;
	}
	struct catalog c;
	if (catalog_load(&c) < 0) {
		perror("catalog");
		return 3;
	}
	const struct exercise *ex = catalog_find(&c, argv[1]);
	if (!ex) {
		fprintf(stderr, "ccline: unknown exercise %s\n", argv[1]);
		return 2;
	}
	char *cmd = compile_command(&c, ex, argv[2], argv[3], 1);
	puts(cmd);
	free(cmd);
	catalog_free(&c);
	return 0;
}
