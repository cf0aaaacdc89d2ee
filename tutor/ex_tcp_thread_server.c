/* Checks of tcp-thread-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_tcp_thread_server_checks[] = {
	{ NULL, NULL },
};
