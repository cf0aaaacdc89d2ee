/* Checks of udp-retry: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_udp_retry_checks[] = {
	{ NULL, NULL },
};
