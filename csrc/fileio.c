/*
** fileio.c: where a report is written.
**
** core.output(path) opens the report's destination.  A regular file (or a
** path that does not exist yet) is written through a fresh temporary file
** in the same directory, created with O_EXCL and O_NOFOLLOW, given the
** old file's mode and owner, and renamed over it only when the report is
** whole; a symbolic link to a regular file has its target replaced, not
** the link.  Anything else (a device such as /dev/null or /dev/full, a
** pipe, a terminal, or the file standard output or error already is) is
** written in place: a rename would replace the device node, and a
** directory such as /dev is not writable by a normal user anyway.
**
** core.same_file(a, b) compares two paths or descriptors by device and
** inode, so that a report never overwrites the file it was made from;
** core.file_type(a) says what A is.
**
** core.catch_signals() makes SIGTERM and SIGHUP remove the temporary
** file before the process dies of the signal, and SIGINT remove it, say
** "interferon: interrupted" and exit with status 130.  This needs the one
** piece of process-wide mutable state in the core (see pending_path).
*/
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "fileio.h"

#define OUTPUT_MT "interferon.output"
#define PATH_BYTES 4096          /* the longest path handled, with its NUL */
#define TEMP_TRIES 100           /* fresh names tried before giving up */

enum { OUT_CLOSED, OUT_OPEN };

typedef struct Output {
  FILE *fp;
  int state;
  int replace;         /* 1: fp is temp, renamed over target on commit */
  int registered;      /* 1: temp is the path the signal handlers remove */
  char target[PATH_BYTES];
  char temp[PATH_BYTES];
} Output;

/* ---------------------------------------------------------------------
** Signals.  A signal handler cannot reach a lua_State, so the path of the
** temporary file being written lives here, process-wide: this is the one
** mutable static of the core.  Only an output that asks for it
** (core.output(path, { signals = true }), which the command does and a
** library must not, since the process is shared) writes it.  One
** temporary file at a time is covered; a second output opened while one
** is registered is not.  Outside SIGTERM, SIGHUP and SIGINT (SIGKILL, a
** crash, a power cut) a temporary file can still be left behind: its
** name, FILE.XXXXXXXX.tmp, says what it is.
** pending_set is raised only after pending_path is whole and lowered
** before it changes, so the handler never reads a half-written path.
*/
static volatile sig_atomic_t pending_set = 0;
static char pending_path[PATH_BYTES];

static void signal_unlink(void) {
  if (pending_set) unlink(pending_path);       /* async-signal-safe */
}

/* SIGINT: a clean message and status 130, as a shell reports ^C */
static void on_interrupt(int sig) {
  static const char msg[] = "interferon: interrupted\n";
  ssize_t r;
  (void)sig;
  signal_unlink();
  r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(130);
}

/* SIGTERM, SIGHUP: remove the temporary file, then die of the signal
** (SA_RESETHAND restored the default action; the raise is delivered when
** this handler returns) */
static void on_terminate(int sig) {
  signal_unlink();
  raise(sig);
}

static void catch_one(int sig, void (*handler)(int)) {
  struct sigaction sa, old;
  if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
    return;                 /* ignored by the parent (nohup, a background job) */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(sig, &sa, NULL);
}

/* core.catch_signals(): for the command only; a library must not */
static int core_catch_signals(lua_State *L) {
  (void)L;
  catch_one(SIGINT, on_interrupt);
  catch_one(SIGTERM, on_terminate);
  catch_one(SIGHUP, on_terminate);
  return 0;
}

static void output_register(Output *o) {
  if (pending_set) return;                     /* another output has it */
  memcpy(pending_path, o->temp, sizeof pending_path);
  pending_set = 1;
  o->registered = 1;
}

static void output_unregister(Output *o) {
  if (!o->registered) return;
  pending_set = 0;
  o->registered = 0;
}

/* ---------------------------------------------------------------------
** Same file
*/

/* stats argument IDX: an integer is a descriptor, a string a path */
static int stat_arg(lua_State *L, int idx, struct stat *st) {
  if (lua_type(L, idx) == LUA_TNUMBER)
    return fstat((int)lua_tonumber(L, idx), st);
  return stat(luaL_checkstring(L, idx), st);
}

/* core.same_file(a, b) -> whether paths or descriptors A and B are one
** file (device and inode); false when either cannot be stat'ed */
static int core_same_file(lua_State *L) {
  struct stat a, b;
  int same = stat_arg(L, 1, &a) == 0 && stat_arg(L, 2, &b) == 0 &&
             a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  lua_pushboolean(L, same);
  return 1;
}

/* core.file_type(path | fd) -> "file", "directory", "link" (never: stat
** follows links), "character device", "block device", "fifo", "socket"
** or "other" | nil, message */
static int core_file_type(lua_State *L) {
  struct stat st;
  const char *type = "other";
  if (stat_arg(L, 1, &st) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  if (S_ISREG(st.st_mode)) type = "file";
  else if (S_ISDIR(st.st_mode)) type = "directory";
  else if (S_ISCHR(st.st_mode)) type = "character device";
  else if (S_ISBLK(st.st_mode)) type = "block device";
  else if (S_ISFIFO(st.st_mode)) type = "fifo";
  else if (S_ISSOCK(st.st_mode)) type = "socket";
  lua_pushstring(L, type);
  return 1;
}

/* ---------------------------------------------------------------------
** Output
*/

static int fail_errno(lua_State *L, int err) {
  lua_pushnil(L);
  lua_pushstring(L, strerror(err));
  return 2;
}

/* whether ST is the file descriptor FD is open on */
static int is_fd(const struct stat *st, int fd) {
  struct stat f;
  return fstat(fd, &f) == 0 && f.st_dev == st->st_dev && f.st_ino == st->st_ino;
}

/* opens O->temp afresh beside O->target; ST is the target's, or NULL */
static int open_temp(Output *o, const struct stat *st) {
  struct timespec ts;
  unsigned long long seed;
  int i, fd = -1;
  clock_gettime(CLOCK_REALTIME, &ts);
  seed = (unsigned long long)getpid() * 2654435761ULL ^
         (unsigned long long)ts.tv_nsec ^ (unsigned long long)ts.tv_sec << 20;
  for (i = 0; i < TEMP_TRIES && fd < 0; i++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    if (snprintf(o->temp, sizeof o->temp, "%s.%08lx.tmp", o->target,
                 (unsigned long)(seed >> 32)) >= (int)sizeof o->temp) {
      errno = ENAMETOOLONG;
      return -1;
    }
    fd = open(o->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              st != NULL ? 0600 : 0666);
    if (fd < 0 && errno != EEXIST) return -1;
  }
  if (fd >= 0 && st != NULL) {
    if (fchown(fd, st->st_uid, st->st_gid) != 0) {
      /* not the owner's to give: the file becomes ours, as with cp */
    }
    if (fchmod(fd, st->st_mode & 07777) != 0) {
      int err = errno;
      close(fd);
      unlink(o->temp);
      errno = err;
      return -1;
    }
  }
  return fd;
}

/* opens the destination PATH of O: returns a descriptor or -1 (errno) */
static int output_start(Output *o, const char *path) {
  struct stat st;
  if (strlen(path) >= sizeof o->target) { errno = ENAMETOOLONG; return -1; }
  if (stat(path, &st) != 0) {
    if (errno != ENOENT) return -1;
    strcpy(o->target, path);             /* new, or a dangling link */
    o->replace = 1;
    return open_temp(o, NULL);
  }
  if (is_fd(&st, 1)) return dup(1);      /* /dev/stdout and the like */
  if (is_fd(&st, 2)) return dup(2);
  if (!S_ISREG(st.st_mode))
    return open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (realpath(path, o->target) == NULL) return -1;
  o->replace = 1;
  return open_temp(o, &st);
}

/* core.output(path [, { signals = true }]) -> output | nil, message */
static int core_output(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int signals = 0, fd;
  Output *o;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "signals");
    signals = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  o = (Output *)ifn_newuserdata(L, sizeof(Output));
  o->fp = NULL;
  o->state = OUT_CLOSED;
  o->replace = o->registered = 0;
  o->target[0] = o->temp[0] = '\0';
  luaL_getmetatable(L, OUTPUT_MT);
  lua_setmetatable(L, -2);
  fd = output_start(o, path);
  if (fd < 0) return fail_errno(L, errno);
  o->fp = fdopen(fd, "wb");
  if (o->fp == NULL) {
    int err = errno;
    close(fd);
    if (o->replace) unlink(o->temp);
    return fail_errno(L, err);
  }
  o->state = OUT_OPEN;
  if (signals && o->replace) output_register(o);
  return 1;
}

static Output *check_open(lua_State *L) {
  Output *o = (Output *)luaL_checkudata(L, 1, OUTPUT_MT);
  if (o->state != OUT_OPEN) luaL_error(L, "attempt to use a closed output");
  return o;
}

/* out:write(s) -> true | nil, message */
static int output_write(lua_State *L) {
  Output *o = check_open(L);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  if (n > 0 && fwrite(s, 1, n, o->fp) != n) return fail_errno(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

/* out:commit() -> true | nil, message: the report is whole; the file is
** closed and, when it replaces one, flushed to disk and renamed over it */
static int output_commit(lua_State *L) {
  Output *o = check_open(L);
  int err = 0;
  if (fflush(o->fp) != 0) err = errno;
  if (!err && o->replace && fsync(fileno(o->fp)) != 0 && errno != EINVAL)
    err = errno;
  if (fclose(o->fp) != 0 && !err) err = errno;
  o->fp = NULL;
  o->state = OUT_CLOSED;
  if (o->replace) {
    if (!err && rename(o->temp, o->target) != 0) err = errno;
    if (err) unlink(o->temp);
    output_unregister(o);
  }
  if (err) return fail_errno(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

/* out:abort(), __gc, __close: an output not committed is dropped (its
** temporary file removed); idempotent */
static int output_abort(lua_State *L) {
  Output *o = (Output *)luaL_checkudata(L, 1, OUTPUT_MT);
  if (o->state != OUT_OPEN) return 0;
  fclose(o->fp);
  o->fp = NULL;
  o->state = OUT_CLOSED;
  if (o->replace) unlink(o->temp);
  output_unregister(o);
  return 0;
}

static const luaL_Reg output_methods[] = {
  {"write", output_write},
  {"commit", output_commit},
  {"abort", output_abort},
  {NULL, NULL}
};

static const luaL_Reg output_meta[] = {
  {"__gc", output_abort},
  {"__close", output_abort},
  {NULL, NULL}
};

static const luaL_Reg fileio_funcs[] = {
  {"output", core_output},
  {"same_file", core_same_file},
  {"file_type", core_file_type},
  {"catch_signals", core_catch_signals},
  {NULL, NULL}
};

void fileio_open(lua_State *L) {
  ifn_newclass(L, OUTPUT_MT, output_meta, output_methods);
  ifn_setfuncs(L, fileio_funcs, 0);
}
