/*
 * The command line of prise (SPEC §2).
 */
#ifndef PRISE_CLI_H
#define PRISE_CLI_H

/* Runs prise with these arguments; returns the exit status. */
int cli_main(int argc, char **argv);

#endif
