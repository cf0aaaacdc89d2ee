/* Checks of framing: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_framing_checks[] = {
	{ NULL, NULL },
};
