/* Checks of fill-addr: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_fill_addr_checks[] = {
	{ NULL, NULL },
};
