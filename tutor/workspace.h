/*
 * The learner's workspace: WORKSPACE/ID/FILE for each exercise, made from
 * the starter the first time, and kept as a backup (never overwritten)
 * when the learner resets it.  Shared by the command line and the screens.
 */
#ifndef PRISE_WORKSPACE_H
#define PRISE_WORKSPACE_H

#include "catalog.h"

/* WORKSPACE/ID/FILE; caller frees. */
char *workspace_path(const char *workspace, const struct exercise *ex);

/* Copies the starter to path when it does not exist yet.  0, or -1 with errno. */
int workspace_ensure(const char *workspace, const struct exercise *ex, const char *path);

/*
 * Renames path to a backup name no file has yet (PATH.TIME.bak, then
 * PATH.TIME-N.bak).  0 with the name in *backup (caller frees), 0 with
 * *backup NULL when there was no file, -1 with errno.
 */
int workspace_backup(const char *path, char **backup);

#endif
