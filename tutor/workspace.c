/*
 * The learner's workspace (see workspace.h).  Nothing here ever deletes or
 * overwrites a learner's file.
 */
#include "workspace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

char *workspace_path(const char *workspace, const struct exercise *ex)
{
	return xasprintf("%s/%s/%s", workspace, ex->id, ex->file);
}

int workspace_ensure(const char *workspace, const struct exercise *ex, const char *path)
{
	if (file_exists(path))
		return 0;
	char *dir = xasprintf("%s/%s", workspace, ex->id);
	char *starter = xasprintf("%s/%s", ex->dir, ex->file);
	size_t len;
	char *text = file_read(starter, &len);
	int ret = -1;
	if (text && mkdir_p(dir, 0755) == 0 && file_write(path, text, len, 0644) == 0)
		ret = 0;
	int e = errno;
	free(text);
	free(starter);
	free(dir);
	errno = e;
	return ret;
}

int workspace_backup(const char *path, char **backup)
{
	*backup = NULL;
	if (!file_exists(path))
		return 0;
	long t = (long)time(NULL);
	char *name = xasprintf("%s.%ld.bak", path, t);
	for (int n = 1; file_exists(name); n++) {
		free(name);
		name = xasprintf("%s.%ld-%d.bak", path, t, n);
	}
	if (rename(path, name) < 0) {
		int e = errno;
		free(name);
		errno = e;
		return -1;
	}
	*backup = name;
	return 0;
}
