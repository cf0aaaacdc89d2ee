/* Checks of chat-server: to be written. */
#include "check.h"
#include "exercises.h"

const struct check_def ex_chat_server_checks[] = {
	{ NULL, NULL },
};
