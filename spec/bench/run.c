/*
** run.c: one run of a command, measured from outside, for the start table
** of `make bench` (spec/bench/start.lua).
**
**   run [VAR=VALUE...] CMD [ARG...]
**
** runs CMD (found on PATH, no shell; VARs set in its environment) with its output thrown away and
** prints "WALL_US MAXRSS_KB CPU_US STATUS": the wall time from fork to
** the child's exit, the child's peak resident set (ru_maxrss from wait4),
** its user + system CPU time, and its exit status.  A shell, as
** io.popen would start, costs ~1 ms: that is why the timing is here.
*/
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long run_us(const struct timeval *t) {
  return (long)t->tv_sec * 1000000L + (long)t->tv_usec;
}

int main(int argc, char **argv) {
  struct timespec t0, t1;
  struct rusage ru;
  int status, cmd = 1;
  pid_t pid;
  while (cmd < argc && strchr(argv[cmd], '=') != NULL) cmd++;
  if (cmd >= argc) {
    fprintf(stderr, "usage: run [VAR=VALUE...] CMD [ARG...]\n");
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  if (pid < 0) { perror("fork"); return 2; }
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    int i;
    if (null >= 0) { dup2(null, 1); dup2(null, 2); }
    for (i = 1; i < cmd; i++) putenv(argv[i]);
    execvp(argv[cmd], argv + cmd);
    _exit(127);
  }
  if (wait4(pid, &status, 0, &ru) != pid) { perror("wait4"); return 2; }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%ld %ld %ld %d\n",
    (long)(t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000L,
    (long)ru.ru_maxrss, run_us(&ru.ru_utime) + run_us(&ru.ru_stime),
    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
