/*
 * prise: a terminal tutor for socket programming.  main() alone lives here
 * so that every other object links into the test runner.
 */
#include <locale.h>

#include "cli.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return cli_main(argc, argv);
}
