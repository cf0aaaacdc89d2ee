/* Checks of tcp-fork-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_tcp_fork_server_checks[] = {
	{ NULL, NULL },
};
