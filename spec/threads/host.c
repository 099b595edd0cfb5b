/*
** host.c: the thread test (make check-threads).  Several threads, each
** with its own lua_State, load the bundled knowledge base, screen a
** patient, read a roster and write a report at the same time; built with
** ThreadSanitizer, any data race in the core fails the run.  Each thread
** also compares its answers with those of the others: the same inputs
** must give the same bytes.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"

#define THREADS 4
#define ROUNDS 3

/* what each thread runs; returns a summary of what it saw */
static const char work[] =
  "local interferon = require('interferon')\n"
  "local root = os.getenv('INTERFERON_ROOT') or '.'\n"
  "local out = {}\n"
  "for _ = 1, ... do\n"
  "  local kb = assert(interferon.load())\n"
  "  local small = assert(interferon.load({ root .. '/spec/oom/kb.yaml',\n"
  "    root .. '/spec/oom/site.yaml' }, { bundled = false }))\n"
  "  local result = assert(kb:screen({ id = 'T', age = 50, pregnant = true,\n"
  "    conditions = { 'depression', 'F32.A', 'diabetes' },\n"
  "    medications = { 'Ativan 1 mg', 'Benadryl', 'lorazapam', 'x/y' },\n"
  "    supplements = { \"St. John's wort\" }, symptoms = { 'nausea' } }))\n"
  "  out[#out + 1] = kb.checksum .. ' ' .. #result.findings .. ' ' ..\n"
  "    #result.unrecognized\n"
  "  out[#out + 1] = interferon.report(result, 'json', { kb = kb })\n"
  "  for p, err, n in interferon.patients(root .. '/spec/oom/roster.yaml') do\n"
  "    out[#out + 1] = p and ('%d %s %d'):format(n, p.id,\n"
  "      #assert(small:screen(p)).findings) or err\n"
  "  end\n"
  "  out[#out + 1] = select(2, kb:lookup('Atvian'))\n"
  "end\n"
  "return table.concat(out, '\\n')\n";

typedef struct Job {
  pthread_t thread;
  char *summary;        /* malloc'd copy of the result, or NULL */
  char error[256];
} Job;

static void *job_run(void *arg) {
  Job *job = (Job *)arg;
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    snprintf(job->error, sizeof job->error, "cannot create a state");
    return NULL;
  }
  host_prepare(L);
  if (luaL_loadbuffer(L, work, sizeof work - 1, "=work") != LUA_OK) {
    snprintf(job->error, sizeof job->error, "%s", lua_tostring(L, -1));
  } else {
    lua_pushinteger(L, ROUNDS);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_isstring(L, -1)) {
      snprintf(job->error, sizeof job->error, "%s", lua_tostring(L, -1));
    } else {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      job->summary = (char *)malloc(n + 1);
      if (job->summary != NULL) memcpy(job->summary, s, n + 1);
    }
  }
  lua_close(L);
  return NULL;
}

int main(void) {
  Job jobs[THREADS];
  int i, bad = 0;
  memset(jobs, 0, sizeof jobs);
  for (i = 0; i < THREADS; i++)
    if (pthread_create(&jobs[i].thread, NULL, job_run, &jobs[i]) != 0) {
      fprintf(stderr, "cannot start thread %d\n", i);
      return 1;
    }
  for (i = 0; i < THREADS; i++) pthread_join(jobs[i].thread, NULL);
  for (i = 0; i < THREADS; i++) {
    if (jobs[i].summary == NULL) {
      fprintf(stderr, "thread %d failed: %s\n", i, jobs[i].error);
      bad = 1;
    } else if (strcmp(jobs[i].summary, jobs[0].summary != NULL
                      ? jobs[0].summary : "") != 0) {
      fprintf(stderr, "thread %d saw something else than thread 0\n", i);
      bad = 1;
    }
  }
  if (!bad)
    printf("threads: %d threads x %d rounds of load + screen + roster + "
           "report, same answers, no race reported\n", THREADS, ROUNDS);
  for (i = 0; i < THREADS; i++) free(jobs[i].summary);
  return bad;
}
