/* Checks of udp-iterative-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_udp_iterative_server_checks[] = {
	{ NULL, NULL },
};
