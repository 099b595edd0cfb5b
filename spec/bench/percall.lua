--- Instructions per call of screening and look-up, on the bundled
-- knowledge base: a process that loads it, then makes N = 2000 calls, less
-- the same process making none, divided by N (garbage collection
-- included).  Run under `setarch -R` (no address randomisation), so that
-- Lua's string hashes, and so the counts, repeat closely.
--   lua percall.lua            prints the three measures
--   lua percall.lua WHAT N     the workload itself: WHAT is typical, known
--                              or lookup
-- Run from the checkout with the environment `make bench` sets (LUA_PATH
-- with spec/bench, LUA_CPATH with build/bench for probe).
local gen = require("gen")

local N = 2000

local function names_of_bundled()
  local names = {}
  local p = io.popen("ls data/kb/*.yaml")
  for path in p:lines() do
    local f = assert(io.open(path, "rb"))
    for name in f:read("a"):gmatch('\n    name: "([^"]+)"') do names[#names + 1] = name end
    f:close()
  end
  p:close()
  return names
end

if arg[1] then
  local kb = require("interferon").default()
  local what, n = arg[1], tonumber(arg[2])
  if what == "lookup" then
    local terms = gen.unknown(N, names_of_bundled())   -- made whatever N is
    kb:lookup(terms[1])
    for i = 1, n do kb:lookup(terms[i]) end
  else
    local p = assert(({ typical = gen.PATIENT, known = gen.KNOWN_PATIENT })[what], what)
    kb:screen(p)
    for _ = 1, n do kb:screen(p) end
  end
  return
end

local measure = require("measure")
local LUA = os.getenv("BENCH_LUA") or "lua5.4"
local function count(what, n)
  return measure.instructions("", ("%s spec/bench/percall.lua %s %d"):format(LUA, what, n),
    nil, "setarch -R")
end
for _, m in ipairs({
  { "typical", "`kb:screen`, the bench's typical patient" },
  { "known", "`kb:screen`, the bench's all-known patient" },
  { "lookup", "`kb:lookup` of an unknown term (gen.unknown: half two edits from a name)" },
}) do
  local per = (count(m[1], N) - count(m[1], 0)) / N
  print(("| %s | %.1f k |"):format(m[2], per / 1e3))
end
