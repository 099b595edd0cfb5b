--- `make bench`: one table, every row a ratio measured in this run.
-- Times are CPU seconds (os.clock), the best of several interleaved runs;
-- decode rows add callgrind instruction counts (stable across machines).
-- `lua bench.lua --quick` is the smoke run of `make test`: tiny inputs,
-- no callgrind, no verdicts, only that every row still works.
local interferon = require("interferon")
local core = require("interferon.core")
local gen = require("gen")
local plain = require("plain")

local QUICK = arg[1] == "--quick"
local DIR = os.getenv("BENCH_DIR") or "build/bench"
local FLOOR = DIR .. "/floor"
local LUA = os.getenv("BENCH_LUA") or "lua5.4"
local MB = QUICK and 20000 or 1000000

local rows = {}
local function row(t) rows[#rows + 1] = t end

local measure = require("measure")
local write_file = measure.write_file

-- the best CPU time of REPS runs of each function of FNS, interleaved
local function best_of(reps, fns)
  local best = {}
  for _ = 1, reps do
    for name, fn in pairs(fns) do
      local t = os.clock()
      fn()
      local dt = os.clock() - t
      if not best[name] or dt < best[name] then best[name] = dt end
    end
  end
  return best
end

local function ms(s) return ("%.2f ms"):format(s * 1e3) end
local function us(s) return ("%.1f µs"):format(s * 1e6) end
local function x(r) return ("%.2fx"):format(r) end
local function verdict(ok) return QUICK and "-" or ok and "met" or "MISSED" end

-- instructions callgrind counts inside FUNCTION (in the whole run when
-- FUNCTION is nil) while CMD runs
local function instructions(fn_name, cmd)
  if QUICK then return nil end
  return measure.instructions(fn_name and "--toggle-collect=" .. fn_name or "", cmd)
end

---------------------------------------------------------------------------
-- 1. YAML decode
local floor = require("floor")
local lyaml = require("lyaml")

local seen = {}
local shards = {}                       -- generated lexicon, 1 MB each
local function shard(i)
  if not shards[i] then
    local path = ("%s/kb-%d.yaml"):format(DIR, i)
    write_file(path, (gen.kb(MB, i, seen)))
    shards[i] = path
  end
  return shards[i]
end
shard(1)

local lexicons = {}                     -- the lexicon of row 3: 256 kB a shard
local lex_seen = {}
local function lexicon(i)
  if not lexicons[i] then
    local path = ("%s/lexicon-%d.yaml"):format(DIR, i)
    write_file(path, (gen.kb(QUICK and 20000 or 256000, i, lex_seen)))
    lexicons[i] = path
  end
  return lexicons[i]
end

local bundled, bundled_paths, bundled_bytes = {}, {}, 0
for i, f in ipairs(core.bundled()) do
  bundled[i] = f.text
  bundled_bytes = bundled_bytes + #f.text
  bundled_paths[i] = ("%s/bundled-%02d.yaml"):format(DIR, i)
  write_file(bundled_paths[i], f.text)
end

local function decode_rows(label, texts, paths, bytes, reps)
  local function each(fn) return function() for _, t in ipairs(texts) do fn(t) end end end
  for _, t in ipairs(texts) do           -- same values, and warm caches
    assert(core.decode(t, "x"))
    assert(floor.parse(t))
  end
  local best = best_of(reps, {
    floor = each(floor.parse),
    decode = each(function(t) core.decode(t, "x") end),
    positions = each(function(t) core.decode(t, "x", { positions = true }) end),
    lyaml = each(function(t) lyaml.load(t, { all = true }) end),
  })
  local files = table.concat(paths, " ")
  local fi = instructions("floor_parse", FLOOR .. " " .. files)
  local di = instructions("core_decode", LUA .. " spec/bench/count.lua decode " .. files)
  local pi = instructions("core_decode", LUA .. " spec/bench/count.lua positions " .. files)
  local mbs = bytes / 1e6
  local function ir(n) return n and ("%.0f instr/B"):format(n / bytes) or "" end
  row({ "1", label .. ": core.decode vs libyaml event loop (floor)",
    ("%s, %s (%.0f MB/s)"):format(ms(best.decode), ir(di), mbs / best.decode),
    ("%s, %s (%.0f MB/s)"):format(ms(best.floor), ir(fi), mbs / best.floor),
    fi and ("%s instr, %s time"):format(x(di / fi), x(best.decode / best.floor))
      or x(best.decode / best.floor) .. " time",
    "<= 1.3x instr", verdict(fi and di / fi <= 1.3) })
  row({ "1", label .. ": core.decode { positions = true } vs floor",
    ("%s, %s"):format(ms(best.positions), ir(pi)), ms(best.floor),
    fi and ("%s instr, %s time"):format(x(pi / fi), x(best.positions / best.floor))
      or x(best.positions / best.floor) .. " time",
    "(shown)", "" })
  -- against lyaml, time (the target) and, as the figure that does not
  -- drift, instructions: whole runs less a baseline run, so the decode with
  -- its collection and freeing on both sides
  local count = LUA .. " spec/bench/count.lua %s " .. files
  local base = instructions(nil, count:format("baseline"))
  local dl = base and instructions(nil, count:format("decode")) - base
  local ll = base and instructions(nil, count:format("lyaml")) - base
  row({ "1", label .. ": core.decode vs lyaml.load",
    ("%s%s"):format(ms(best.decode), dl and (", %s"):format(ir(dl)) or ""),
    ("%s%s"):format(ms(best.lyaml), ll and (", %s"):format(ir(ll)) or ""),
    ll and ("%s fewer instr, %s faster"):format(x(ll / dl), x(best.lyaml / best.decode))
      or x(best.lyaml / best.decode) .. " faster",
    ">= 15x", verdict(best.lyaml / best.decode >= 15) })
end

do
  local f = assert(io.open(shard(1), "rb"))
  local text = f:read("a")
  f:close()
  decode_rows(("generated KB file, %.2f MB"):format(#text / 1e6), { text }, { shard(1) },
    #text, QUICK and 1 or 5)
  decode_rows(("bundled KB, %d files, %.0f kB"):format(#bundled, bundled_bytes / 1e3),
    bundled, bundled_paths, bundled_bytes, QUICK and 1 or 10)
end

---------------------------------------------------------------------------
-- 2. Screening: kb:screen vs the same screening in plain Lua

-- whether A and B hold the same values (tables compared deeply)
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false, k end end
  for k in pairs(b) do if a[k] == nil then return false, k end end
  return true
end

local kb = interferon.default()
local lua_kb = plain.new(kb)
for _, case in ipairs({ { "a typical patient", gen.PATIENT },
    { "a patient whose terms are all known", gen.KNOWN_PATIENT } }) do
  local p = case[2]
  local ours, theirs = assert(kb:screen(p)), assert(lua_kb:screen(p))
  local ok, key = same(ours, theirs)
  assert(ok, "plain.lua does not give kb:screen's result (differs at " .. tostring(key) .. ")")
  local n = QUICK and 10 or 2000
  local best = best_of(QUICK and 1 or 5, {
    ours = function() for _ = 1, n do kb:screen(p) end end,
    plain = function() for _ = 1, n do lua_kb:screen(p) end end,
  })
  row({ "2", ("screening %s (%d terms, %d findings, %d unrecognised)"):format(case[1],
      #p.conditions + #p.medications + #p.supplements, #ours.findings, #ours.unrecognized),
    us(best.ours / n), us(best.plain / n) .. " plain Lua (spec/bench/plain.lua)",
    x(best.plain / best.ours) .. " faster", ">= 3x", verdict(best.plain / best.ours >= 3) })
end

---------------------------------------------------------------------------
-- 3. Unknown terms: suggestions, as the lexicon grows

do
  local names = {}
  for name in io.open(lexicon(1)):read("a"):gmatch('\n    name: "([^"]+)"') do
    names[#names + 1] = name
  end
  local terms = gen.unknown(QUICK and 200 or 100000, names)
  local base
  for _, scale in ipairs(QUICK and { 1, 2 } or { 1, 4, 16 }) do
    local files = {}
    for i = 1, scale do files[i] = lexicon(i) end
    local t = os.clock()
    local lkb = assert(interferon.load(files, { bundled = false }))
    lkb:lookup("zzqqxxyyww")              -- the deletion index is made on first use
    local build = os.clock() - t          -- decode, checks, term and deletion index
    local found, suggested = 0, 0
    t = os.clock()
    for _, term in ipairs(terms) do
      local e, sugg = lkb:lookup(term)
      if e then found = found + 1 elseif #sugg > 0 then suggested = suggested + 1 end
    end
    local per = (os.clock() - t) / #terms
    base = base or per
    local entries = #lkb:list()
    local growth = per / base
    row({ "3", ("%d unknown terms, lexicon %dx (%d entries)"):format(#terms, scale, entries),
      ("%s/term (%d approx., %d with suggestions); loaded and indexed in %s")
        :format(us(per), found, suggested, ms(build)),
      scale == 1 and "" or "the 1x lexicon",
      scale == 1 and "1.00x" or ("%s cost for %dx terms"):format(x(growth), scale),
      "sub-linear", scale == 1 and "" or verdict(growth < scale / 2) })
    lkb = nil                             -- luacheck: ignore 311
    collectgarbage()
  end
end

---------------------------------------------------------------------------
-- 4. Reports: the json report vs lua-cjson on the same result

do
  local result = assert(kb:screen(gen.PATIENT))
  local ok_report = interferon.report and pcall(interferon.report, result, "json")
  if not ok_report then
    row({ "4", "json report vs lua-cjson", "not available yet", "", "", "<= 1.5x", "" })
  else
    local cjson = require("cjson")
    local n = QUICK and 10 or 2000
    local best = best_of(QUICK and 1 or 5, {
      ours = function() for _ = 1, n do interferon.report(result, "json") end end,
      cjson = function() for _ = 1, n do cjson.encode(result) end end,
    })
    row({ "4", ("json report of the typical result (%d bytes; sorted keys)")
        :format(#interferon.report(result, "json")),
      us(best.ours / n), us(best.cjson / n) .. " cjson.encode (unsorted)",
      x(best.ours / best.cjson) .. " the time", "<= 1.5x",
      verdict(best.ours / best.cjson <= 1.5) })
  end
end

---------------------------------------------------------------------------
-- 5. Rosters: a generated roster through interferon.patients + screen

do
  local count = tonumber(os.getenv("BENCH_PATIENTS")) or (QUICK and 50 or 50000)
  local names = { conditions = {}, medications = {}, supplements = {} }
  for _, e in ipairs(kb:list("condition")) do names.conditions[#names.conditions + 1] = e.name end
  for _, e in ipairs(kb:list("drug")) do
    names.medications[#names.medications + 1] = e.synonyms and e.synonyms[1] or e.name
  end
  for _, e in ipairs(kb:list("supplement")) do
    names.supplements[#names.supplements + 1] = e.name
  end
  local path = DIR .. "/roster.yaml"
  gen.roster(path, count, names)
  local p = io.popen(LUA .. " spec/bench/roster.lua " .. path)
  local r = load(p:read("a"))()
  p:close()
  assert(r.count == count and r.screened == count, "the roster was not read whole")
  local above = r.rss_peak and (r.rss_peak - r.rss_start) / 1024
  row({ "5", ("roster of %d patients (%.0f MB) through %s + screen")
      :format(count, io.open(path):seek("end") / 1e6, r.api),
    ("%.0f patients/s; peak RSS %s above start"):format(count / r.screen,
      above and ("%.1f MB"):format(above) or "?"),
    ("%.0f patients/s decode only"):format(count / r.decode),
    x(r.decode / r.screen) .. " the speed", ">= 0.5x speed, < 32 MB",
    verdict(r.decode / r.screen >= 0.5 and above ~= nil and above < 32) })
end

---------------------------------------------------------------------------

local head = { "#", "benchmark", "ours", "compared with", "ratio", "target", "" }
print("| " .. table.concat(head, " | ") .. " |")
print("|" .. ("---|"):rep(#head))
for _, r in ipairs(rows) do print("| " .. table.concat(r, " | ") .. " |") end
