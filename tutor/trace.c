/*
 * Parsing and rendering of trace records (see trace.h).  A record is
 * "PHASE PID TIME CALL key=value..." or "R PID TIME free text".  Unknown keys
 * are ignored so the stub can grow without breaking older graders.
 */
#define _GNU_SOURCE
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void set_field(struct trace_ev *ev, const char *key, size_t klen, const char *val)
{
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
	if (KEY("fd"))
		ev->fd = atoi(val);
	else if (KEY("tid"))
		ev->tid = atol(val);
	else if (KEY("ret"))
		ev->ret = atol(val);
	else if (KEY("err"))
		ev->err = atoi(val);
	else if (KEY("len"))
		ev->len = atol(val);
	else if (KEY("arg") || KEY("type"))
		ev->arg = atol(val);
	else if (KEY("timed"))
		ev->timed = atoi(val);
	else if (KEY("addr"))
		snprintf(ev->addr, sizeof ev->addr, "%.63s", val);
	else if (KEY("inj"))
		snprintf(ev->inj, sizeof ev->inj, "%.7s", val);
	else if (KEY("data")) {
		int n = 0;
		for (const char *p = val; p[0] && p[1] && n < TRACE_DATA_MAX; p += 2) {
			int hi = hexval(p[0]), lo = hexval(p[1]);
			if (hi < 0 || lo < 0)
				break;
			ev->data[n++] = (unsigned char)(hi << 4 | lo);
		}
		ev->datalen = n;
	}
#undef KEY
}

int trace_parse(const char *line, struct trace_ev *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->fd = -1;
	ev->len = -1;
	ev->arg = -1;
	char phase;
	long pid, t;
	int off = 0;
	if (sscanf(line, "%c %ld %ld %n", &phase, &pid, &t, &off) < 3 || off == 0)
		return -1;
	if (phase != 'E' && phase != 'X' && phase != 'R')
		return -1;
	ev->phase = phase;
	ev->pid = pid;
	ev->tid = pid;
	ev->t_us = t;
	const char *p = line + off;
	if (phase == 'R') {
		ev->text = strdup(p);
		snprintf(ev->call, sizeof ev->call, "result");
		return ev->text ? 0 : -1;
	}
	size_t n = strcspn(p, " ");
	if (n == 0 || n >= sizeof ev->call)
		return -1;
	memcpy(ev->call, p, n);
	ev->call[n] = '\0';
	p += n;
	while (*p == ' ')
		p++;
	while (*p) {
		size_t tok = strcspn(p, " ");
		const char *eq = memchr(p, '=', tok);
		if (eq) {
			char val[160];
			size_t vlen = tok - (size_t)(eq + 1 - p);
			if (vlen >= sizeof val)
				vlen = sizeof val - 1;
			memcpy(val, eq + 1, vlen);
			val[vlen] = '\0';
			set_field(ev, p, (size_t)(eq - p), val);
		}
		p += tok;
		while (*p == ' ')
			p++;
	}
	return 0;
}

void trace_ev_free(struct trace_ev *ev)
{
	free(ev->text);
	ev->text = NULL;
}

int trace_addr_split(const char *addr, char *ip, size_t iplen, int *port)
{
	const char *colon = strrchr(addr, ':');
	if (!colon || colon == addr)
		return -1;
	size_t n = (size_t)(colon - addr);
	if (n >= iplen)
		return -1;
	memcpy(ip, addr, n);
	ip[n] = '\0';
	*port = atoi(colon + 1);
	return 0;
}

int trace_is_send(const char *call)
{
	return !strcmp(call, "send") || !strcmp(call, "write") || !strcmp(call, "sendto");
}

int trace_is_recv(const char *call)
{
	return !strcmp(call, "recv") || !strcmp(call, "read") || !strcmp(call, "recvfrom");
}

void trace_ev_json(struct json *j, const struct trace_ev *ev)
{
	json_obj_begin(j);
	json_kstr(j, "side", ev->side == SIDE_PEER ? "peer" : "program");
	json_kint(j, "pid", ev->pid);
	json_kint(j, "t_us", ev->t_us);
	json_kstr(j, "call", ev->call);
	if (ev->phase == 'R') {
		json_kstr(j, "result", ev->text ? ev->text : "");
		json_obj_end(j);
		return;
	}
	json_kstr(j, "phase", ev->phase == 'E' ? "enter" : "return");
	if (ev->fd >= 0)
		json_kint(j, "fd", ev->fd);
	if (ev->phase == 'X') {
		json_kint(j, "ret", ev->ret);
		if (ev->ret < 0)
			json_kint(j, "errno", ev->err);
	}
	if (ev->len >= 0)
		json_kint(j, "len", ev->len);
	if (ev->addr[0])
		json_kstr(j, "addr", ev->addr);
	if (ev->inj[0])
		json_kstr(j, "injected", ev->inj);
	if (ev->datalen > 0) {
		struct sbuf b = { 0 };
		for (int i = 0; i < ev->datalen; i++) {
			unsigned char c = ev->data[i];
			if (c >= 0x20 && c < 0x7f && c != '\\')
				sbuf_add(&b, &c, 1);
			else
				sbuf_addf(&b, "\\x%02x", c);
		}
		json_kstr(j, "data", b.buf);
		sbuf_free(&b);
	}
	json_obj_end(j);
}
