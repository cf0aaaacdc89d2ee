/* Checks of tcp-iterative-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_tcp_iterative_server_checks[] = {
	{ NULL, NULL },
};
