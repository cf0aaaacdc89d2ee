/*
 * The table of every exercise's checks: one line per exercise, each pointing
 * at the table (ended by an empty entry) its tutor/ex_<id>.c exports.
 */
#include <string.h>

#include "check.h"
#include "exercises.h"

static const struct {
	const char *exercise;
	const struct check_def *defs;
} all[] = {
	{ "fill-addr", ex_fill_addr_checks },
	{ "bind-port", ex_bind_port_checks },
	{ "tcp-server-hello", ex_tcp_server_hello_checks },
	{ "tcp-client-hello", ex_tcp_client_hello_checks },
	{ "send-all", ex_send_all_checks },
	{ "tcp-sum-client", ex_tcp_sum_client_checks },
	{ "framing", ex_framing_checks },
	{ "udp-receiver", ex_udp_receiver_checks },
	{ "udp-sender", ex_udp_sender_checks },
	{ "udp-retry", ex_udp_retry_checks },
	{ "udp-iterative-server", ex_udp_iterative_server_checks },
	{ "tcp-iterative-server", ex_tcp_iterative_server_checks },
	{ "tcp-fork-server", ex_tcp_fork_server_checks },
	{ "tcp-thread-server", ex_tcp_thread_server_checks },
	{ "select-server", ex_select_server_checks },
	{ "chat-server", ex_chat_server_checks },
};

check_fn checks_find(const char *exercise, const char *check)
{
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (strcmp(all[i].exercise, exercise))
			continue;
		for (const struct check_def *d = all[i].defs; d->id; d++)
			if (!strcmp(d->id, check))
				return d->run;
	}
	return NULL;
}
