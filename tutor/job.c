/*
 * A check in a child process (see job.h).  The child is prise itself, so a
 * crash in a check can never take the screens down, and the attempt is
 * recorded by the same code as on the command line.
 */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB_OUT_MAX (32 * 1024 * 1024)

int job_start(struct job *j, const char *exe, const char *const *opts, const char *exercise,
	      const char *file)
{
	memset(j, 0, sizeof *j);
	j->out_fd = j->prog_fd = j->err_fd = -1;
	int out[2], prog[2], err[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(prog, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		errno = e;
		return -1;
	}
	const char *argv[32];
	int n = 0;
	argv[n++] = exe;
	for (int i = 0; opts && opts[i] && n < 24; i++)
		argv[n++] = opts[i];
	argv[n++] = "check";
	argv[n++] = exercise;
	argv[n++] = file;
	argv[n++] = "--json";
	argv[n++] = "--progress-fd";
	argv[n++] = "3";
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out[0]), close(out[1]), close(prog[0]), close(prog[1]);
		close(err[0]), close(err[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		/* Its own process group: the tutor's Ctrl-C does not reach it. */
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		int src[3] = { out[1], err[1], prog[1] };
		for (int i = 0; i < 3; i++)
			src[i] = fcntl(src[i], F_DUPFD, 10);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(src[0], 1) < 0 ||
		    dup2(src[1], 2) < 0 || dup2(src[2], 3) < 0)
			_exit(3);
		char *const *av;
		memcpy(&av, &(const char *const *){ argv }, sizeof av);
		execv(exe, av);
		_exit(3);
	}
	close(out[1]);
	close(prog[1]);
	close(err[1]);
	j->pid = pid;
	j->out_fd = out[0];
	j->prog_fd = prog[0];
	j->err_fd = err[0];
	fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(j->prog_fd, F_SETFL, O_NONBLOCK);
	fcntl(j->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

int job_fds(const struct job *j, int *fds)
{
	int n = 0;
	if (j->out_fd >= 0)
		fds[n++] = j->out_fd;
	if (j->prog_fd >= 0)
		fds[n++] = j->prog_fd;
	if (j->err_fd >= 0)
		fds[n++] = j->err_fd;
	return n;
}

/* Reads fd into b until it would block; closes it at end of file. */
static void drain(int *fd, struct sbuf *b)
{
	char buf[8192];
	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		if (b->len < JOB_OUT_MAX)
			sbuf_add(b, buf, (size_t)n);
	}
}

/* Applies the complete progress lines, keeps a partial one. */
static void progress_lines(struct job *j)
{
	char *start = j->prog.buf;
	char *nl;
	while (start && (nl = memchr(start, '\n', j->prog.len - (size_t)(start - j->prog.buf)))) {
		*nl = '\0';
		int i, ok;
		if (sscanf(start, "start %d", &i) == 1 && i >= 0 && i < JOB_MAX_CHECKS)
			j->state[i] = JOB_RUNNING;
		else if (sscanf(start, "end %d %d", &i, &ok) == 2 && i >= 0 && i < JOB_MAX_CHECKS)
			j->state[i] = ok ? JOB_DONE_OK : JOB_DONE_FAIL;
		start = nl + 1;
	}
	if (start) {
		size_t rest = j->prog.len - (size_t)(start - j->prog.buf);
		memmove(j->prog.buf, start, rest);
		j->prog.len = rest;
	}
}

void job_read(struct job *j)
{
	if (j->done)
		return;
	drain(&j->out_fd, &j->out);
	drain(&j->prog_fd, &j->prog);
	drain(&j->err_fd, &j->err);
	progress_lines(j);
	if (j->out_fd >= 0 || j->prog_fd >= 0 || j->err_fd >= 0)
		return;
	int st;
	pid_t p;
	do
		p = waitpid(j->pid, &st, 0);
	while (p < 0 && errno == EINTR);
	j->done = 1;
	j->status = p == j->pid && WIFEXITED(st) ? WEXITSTATUS(st) : 3;
	char *err = NULL;
	if (j->out.len && json_parse(j->out.buf, j->out.len, &j->result, &err) == 0) {
		j->parsed_ok = 1;
	} else {
		/* The child's own words (e.g. an unreadable file) say more. */
		if (j->err.len)
			j->error = xstrndup(j->err.buf, j->err.len);
		else
			j->error = xasprintf("prise check ended with status %d%s%s", j->status,
					     err ? ": " : "", err ? err : "");
	}
	free(err);
}

void job_free(struct job *j)
{
	if (!j->done && j->pid > 0) {
		kill(-j->pid, SIGKILL);
		kill(j->pid, SIGKILL);
		while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	int fds[] = { j->out_fd, j->prog_fd, j->err_fd };
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sbuf_free(&j->out);
	sbuf_free(&j->prog);
	sbuf_free(&j->err);
	if (j->parsed_ok)
		jval_free(&j->result);
	free(j->error);
	memset(j, 0, sizeof *j);
	j->out_fd = j->prog_fd = j->err_fd = -1;
}
