/* Checks of select-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_select_server_checks[] = {
	{ NULL, NULL },
};
