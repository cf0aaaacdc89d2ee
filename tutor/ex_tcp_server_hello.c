/* Checks of tcp-server-hello: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_tcp_server_hello_checks[] = {
	{ NULL, NULL },
};
