/*
 * Quizzes: the questions of a quiz exercise (exercises/<id>/quiz.LANG) and
 * the grading of an answer file.  A quiz file is a list of questions:
 *
 *   == 1
 *   The question, on any number of lines
 *       (code indented as it should be shown).
 *   a) a choice, on one line
 *   *b) a right choice: a star before the letter
 *   -> The explanation shown after answering, any number of lines.
 *
 * Questions are numbered 1, 2, 3... in order; letters a, b, c... in order.
 * An answer file holds one answer a line, "N: letters" ("3: b", "4: a,c");
 * "N:" alone leaves question N unanswered; blank lines and lines starting
 * with '#' are skipped.
 */
#ifndef PRISE_QUIZ_H
#define PRISE_QUIZ_H

#include <stddef.h>

#define QUIZ_MAX_CHOICES 8

struct quiz_question {
	char *text;			/* the question, lines joined by '\n' */
	char *title;			/* its first line */
	char *choices[QUIZ_MAX_CHOICES];	/* without their "a) " */
	int nchoices;
	unsigned right;			/* bit i set: choice i is right */
	char *explain;
	int line;			/* of its "== N" */
};

struct quiz {
	struct quiz_question *q;
	size_t n;
};

/*
 * Parses a quiz file's text.  Returns 0, or -1 with a message
 * "PATH:LINE: what is wrong" in *err (caller frees).
 */
int quiz_parse(struct quiz *qz, const char *path, const char *text, char **err);
void quiz_free(struct quiz *qz);

/* The answers of an answer file: answers[i] has bit k set for letter k. */
struct quiz_answers {
	unsigned *answers;	/* one per question, 0 = not answered */
	size_t n;
};

/*
 * Parses an answer file for a quiz of nq questions.  Returns 0, or -1 with
 * "PATH:LINE: ..." in *err (a line that is not "N: letters", a question
 * number out of range, a letter beyond the question's choices, a question
 * answered twice).
 */
int quiz_answers_parse(const struct quiz *qz, const char *path, const char *text,
		       struct quiz_answers *a, char **err);
void quiz_answers_free(struct quiz_answers *a);

/* "a, c" for a set of letters; caller frees. */
char *quiz_letters(unsigned set);

#endif
