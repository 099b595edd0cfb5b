--- Large overlays over the bundled knowledge base (issue 15, item 15):
-- loads N-entry site files of two shapes and prints the CPU time and the
-- Lua heap after the load (the term and deletion index are userdata, so
-- they are counted), to show that both grow linearly with N.
--   lua5.4 spec/bench/overlay.lua [N...]      (default 1000 2000 4000 8000)
-- Run from the checkout with LUA_PATH and LUA_CPATH as `make bench` sets
-- them.  "long" is the shape that took 63 s and 2.4 GB at 8,000 entries
-- (3.4 MB): every entry with six 46-byte terms, the longest the approximate
-- matcher indexes, so ~1,080 deletions a term.  "drugs" is drugs with
-- names and brands of ordinary length.
local interferon = require("interferon")

-- a deterministic generator (Park and Miller: exact in doubles, so every
-- Lua runs it the same)
local function rng(seed)
  local x = seed
  return function(n)
    x = x * 16807 % 2147483647
    return math.floor(x / 65536) % n + 1
  end
end

local function word(r, len)
  local s = {}
  for k = 1, len do s[k] = string.char(96 + r(26)) end
  return table.concat(s)
end

local SHAPES = {
  long = function(r, i)
    local t = {}
    for k = 1, 6 do t[k] = word(r, 46) end
    return ("  - id: condition.site_%d\n    kind: condition\n    name: \"%s\"\n"
      .. "    severity: low\n    synonyms: [\"%s\", \"%s\", \"%s\", \"%s\", \"%s\"]\n"
      .. "    sources: [reference.article]\n"):format(i, t[1], t[2], t[3], t[4], t[5], t[6])
  end,
  drugs = function(r, i)
    -- "site" as a first word keeps every term two edits or more from the
    -- bundled names (one file may hold near names; two may not)
    return ("  - id: drug.site_%d\n    kind: drug\n    name: \"site %s\"\n"
      .. "    synonyms: [\"site %s\", \"site %s\"]\n    class: [drug_class.sedatives]\n"
      .. "    note: \"A generated drug for the overlay benchmark; no clinical meaning.\"\n"
      .. "    sources: [reference.article]\n"):format(i, word(r, 6 + r(6)),
        word(r, 5 + r(8)), word(r, 4 + r(10)))
  end,
}

local function overlay(shape, n)
  local r, out = rng(42), { "format: interferon-kb/1\nversion: \"bench\"\nentries:\n" }
  for i = 1, n do out[#out + 1] = SHAPES[shape](r, i) end
  return table.concat(out)
end

local sizes = {}
for i, a in ipairs(arg) do sizes[i] = assert(tonumber(a), "usage: overlay.lua [N...]") end
if #sizes == 0 then sizes = { 1000, 2000, 4000, 8000 } end

local path = os.tmpname()
print(("%-6s %7s %9s %9s %10s"):format("shape", "entries", "bytes", "cpu s", "heap MB"))
-- heap MB: the Lua heap just after the load, garbage included
for _, shape in ipairs({ "drugs", "long" }) do
  for _, n in ipairs(sizes) do
    local text = overlay(shape, n)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
    collectgarbage()
    collectgarbage()
    local t = os.clock()
    local kb = assert(interferon.load({ path }))
    local cpu = os.clock() - t
    assert(#kb:list() > n)
    print(("%-6s %7d %9d %9.2f %10.0f"):format(shape, n, #text, cpu,
      collectgarbage("count") / 1024))
  end
end
os.remove(path)
