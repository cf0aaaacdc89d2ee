/*
 * The check tables of the exercises, one per tutor/ex_<id>.c, each ended by
 * an entry whose id is NULL.
 */
#ifndef PRISE_EXERCISES_H
#define PRISE_EXERCISES_H

#include "check.h"

extern const struct check_def ex_fill_addr_checks[];
extern const struct check_def ex_bind_port_checks[];
extern const struct check_def ex_tcp_server_hello_checks[];
extern const struct check_def ex_tcp_client_hello_checks[];
extern const struct check_def ex_send_all_checks[];
extern const struct check_def ex_tcp_sum_client_checks[];
extern const struct check_def ex_chat_server_checks[];
extern const struct check_def ex_select_server_checks[];
extern const struct check_def ex_tcp_thread_server_checks[];
extern const struct check_def ex_tcp_fork_server_checks[];
extern const struct check_def ex_tcp_iterative_server_checks[];
extern const struct check_def ex_udp_iterative_server_checks[];
extern const struct check_def ex_udp_retry_checks[];
extern const struct check_def ex_udp_sender_checks[];
extern const struct check_def ex_udp_receiver_checks[];
extern const struct check_def ex_framing_checks[];

#endif
