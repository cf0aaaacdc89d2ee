/*
 * The exercise catalogue: every folder of exercises/ with a manifest, in
 * course order, with its texts in each language.  Plain data; it knows
 * nothing of grading or screens.
 */
#ifndef PRISE_CATALOG_H
#define PRISE_CATALOG_H

#include <stddef.h>

#include "kv.h"
#include "quiz.h"

enum lang { LANG_EN, LANG_FR, LANG_COUNT };
enum ex_kind { KIND_PROGRAM, KIND_FUNCTION, KIND_QUIZ };

struct ex_check {
	char *id;
	int required;
	int line;		/* manifest line, for messages */
};

struct exercise {
	char *id;
	char *dir;		/* absolute folder */
	char *manifest;		/* path of the manifest */
	int chapter, order;
	enum ex_kind kind;
	char *file;		/* the learner's file name in the workspace */
	char *args;		/* "IP PORT", for usage text */
	char *cflags;		/* extra compiler flags, may be "" */
	struct ex_check *checks;
	size_t nchecks;
	struct kv text[LANG_COUNT];	/* text.en, text.fr */
	struct quiz quiz[LANG_COUNT];	/* quizzes: quiz.en, quiz.fr (a copy of en if missing) */
};

struct catalog {
	struct exercise *ex;	/* sorted by chapter, then order */
	size_t n;
	char *datadir;		/* holds exercises/ and solutions/ */
	char *libdir;		/* holds stub.o and drivers/ */
	struct kv common[LANG_COUNT];	/* exercises/messages.en, .fr */
	char **errors;		/* "FILE:LINE: problem", one per bad exercise */
	size_t nerrors;
};

/*
 * Finds the data: $PRISE_DATA, else the source tree around the executable,
 * else the installed share folder.  Loads every exercise; a malformed one is
 * skipped and described in c->errors.  Returns 0, or -1 when no exercises
 * folder could be found (errno set).
 */
int catalog_load(struct catalog *c);
/* Loads from an explicit data folder and lib folder (for tests). */
int catalog_load_from(struct catalog *c, const char *datadir, const char *libdir);
void catalog_free(struct catalog *c);

const struct exercise *catalog_find(const struct catalog *c, const char *id);

/* "program", "function" or "quiz". */
const char *catalog_kind_name(enum ex_kind k);

/*
 * Learner text for key: the exercise's text in lang, else in English, else
 * the common messages in lang, else in English, else the key itself.  ex may
 * be NULL for common messages.
 */
const char *catalog_text(const struct catalog *c, const struct exercise *ex,
			 enum lang lang, const char *key);

/* Reads exercises/<id>/<name>.<lang> (falls back to English); caller frees. */
char *catalog_read_lang(const struct exercise *ex, const char *name, enum lang lang);

/*
 * The hints of an exercise in lang (hints.LANG, blocks separated by lines
 * holding only "---"; blank blocks skipped), NULL-terminated, *n of them.
 * Caller frees each and the array.
 */
char **catalog_hints(const struct exercise *ex, enum lang lang, int *n);

/* Path of the model solution; caller frees.  NULL if there is none. */
char *catalog_solution_path(const struct catalog *c, const struct exercise *ex);

/* Replaces {1}..{9} in tmpl by args[0..n-1]; caller frees. */
char *catalog_format(const char *tmpl, const char *const *args, int n);

/* "en" or "fr", and the language chosen from --lang / env / locale. */
const char *lang_code(enum lang l);
int lang_parse(const char *s, enum lang *out);
enum lang lang_from_env(void);

#endif
