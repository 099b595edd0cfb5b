--- Small helpers shared by the Lua modules: positions, "did you mean",
-- argument checks, the one shape of an internal failure, read-only views.
local core = require("interferon.core")

local util = {}

local POS_LINE = core.POS_LINE

--- Raises "bad argument #N to 'FNAME' (WHAT)", as luaL_argerror does.
-- LEVEL counts from the API function that checks: 1 (the default) blames
-- its caller, as `error(msg, 2)` written in that function would.
function util.argerror(n, fname, what, level)
  error(("bad argument #%d to '%s' (%s)"):format(n, fname, what), (level or 1) + 2)
end

--- Raises "bad argument #N to 'FNAME' (WANT expected, got TYPE)" unless V
-- is of type WANT (LEVEL as for argerror).
function util.checktype(v, want, n, fname, level)
  if type(v) ~= want then
    util.argerror(n, fname, ("%s expected, got %s"):format(want, type(v)), (level or 1) + 1)
  end
end

-- A failure in bad data, carried by error() to the pcall of the function
-- that returns it as nil, message: the knowledge-base compiler, the FHIR
-- reader and the command use this one shape.
local Failure = { __tostring = function(f) return f.message end }

--- Raises a failure carrying MESSAGE (no position added: MESSAGE has its
-- own) and, for the command, a HINT printed after it ("Try ... --help").
function util.fail(message, hint)
  error(setmetatable({ message = message, hint = hint }, Failure), 0)
end

--- The message and hint of E when E is a failure util.fail raised, else nil.
function util.failure(e)
  if getmetatable(e) ~= Failure then return nil end
  return e.message, e.hint
end

--- "FILE:LINE:COL: " for a position packed by the decoder (or line 1).
function util.where(file, pos)
  if type(pos) ~= "number" then return file .. ":1:1: " end
  return ("%s:%d:%d: "):format(file, math.floor(pos / POS_LINE), pos % POS_LINE)
end

-- edit distance, for suggestions among a few words (keys, kinds, ids)
local function distance(a, b)
  local prev, cur = {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    cur[0] = i
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev, cur = cur, prev
  end
  return prev[#b]
end

--- The candidate closest to WORD, if it is close enough to be a likely typo.
-- CANDIDATES is a list or a set (keys).
function util.suggest(word, candidates)
  if type(word) ~= "string" then return nil end
  local best, best_d
  local limit = math.max(2, math.floor(#word / 3))
  local function consider(c)
    if type(c) ~= "string" then return end
    local d = distance(word, c)
    if #word >= 4 and c:sub(1, 4) == word:sub(1, 4) then d = math.min(d, limit) end
    if d <= limit and (not best_d or d < best_d or (d == best_d and c < best)) then
      best, best_d = c, d
    end
  end
  if candidates[1] ~= nil then
    for _, c in ipairs(candidates) do consider(c) end
  else
    for c in pairs(candidates) do consider(c) end
  end
  return best
end

-- keys in an order every Lua version shares: numbers, then strings, each
-- by value, then the rest by their text
local TYPE_ORDER = { number = 1, string = 2 }
local function key_before(a, b)
  local ta, tb = TYPE_ORDER[type(a)] or 3, TYPE_ORDER[type(b)] or 3
  if ta ~= tb then return ta < tb end
  if ta < 3 then return a < b end
  return tostring(a) < tostring(b)
end

--- The keys of T (read raw), in an order that is the same on every Lua
-- version, unlike `pairs`: by POS[key] (a decoder position, so file order)
-- where POS has one, then by value.  Used wherever the first of several
-- problems is reported, so that the message does not depend on the Lua.
function util.sorted_keys(t, pos)
  local keys = {}
  for k in next, t do keys[#keys + 1] = k end
  pos = type(pos) == "table" and pos or {}
  table.sort(keys, function(a, b)
    local pa, pb = pos[a], pos[b]
    if pa and pb then
      if pa ~= pb then return pa < pb end
    elseif pa or pb then
      return pa ~= nil
    end
    return key_before(a, b)
  end)
  return keys
end

--- " (did you mean 'x'?)" or "".
function util.did_you_mean(word, candidates)
  local s = util.suggest(word, candidates)
  return s and (" (did you mean '%s'?)"):format(s) or ""
end

local function refuse(_, key)
  error(("attempt to modify a read-only knowledge base (field '%s')")
    :format(tostring(key)), 2)
end

-- Lua 5.1 and LuaJIT ignore __len, __pairs and __ipairs on tables, and a
-- table whose items are stored in it cannot refuse an assignment to them.
-- There a view is a userdata (newproxy), which honours __len and refuses
-- every assignment; util.pairs and util.ipairs iterate it.  From 5.2 on a
-- view is a table, and the builtin #, pairs and ipairs work on it too.
local newproxy = rawget(_G, "newproxy")
local TABLE_LEN = #setmetatable({}, { __len = function() return 1 end }) == 1
local stores = setmetatable({}, { __mode = "k" })  -- view -> its items

local function new_view()
  if TABLE_LEN or not newproxy then
    local mt = {}
    return setmetatable({}, mt), mt
  end
  local proxy = newproxy(true)
  return proxy, getmetatable(proxy)
end

--- A read-only view of T and of every table reachable from it.  The view
-- supports indexing, #, util.pairs and util.ipairs (and, from Lua 5.2 on,
-- the builtin pairs and ipairs); assignment raises.
function util.readonly(t, seen)
  seen = seen or {}
  if seen[t] then return seen[t] end
  local store = {}
  local proxy, mt = new_view()
  seen[t] = proxy
  for k, v in pairs(t) do
    store[k] = type(v) == "table" and util.readonly(v, seen) or v
  end
  mt.__index = store
  mt.__newindex = refuse
  mt.__len = function() return #store end
  mt.__pairs = function() return next, store, nil end
  mt.__ipairs = function() return ipairs(store) end
  mt.__metatable = "read-only"
  stores[proxy] = store
  return proxy
end

--- pairs that also walks a read-only view, on every Lua version.
function util.pairs(v)
  local store = stores[v]
  if store then return next, store, nil end
  return pairs(v)
end

--- ipairs that also walks a read-only view, on every Lua version.
function util.ipairs(v)
  return ipairs(stores[v] or v)
end

--- A plain copy of a (possibly read-only) value, for callers that want to
-- change it.
function util.copy(v)
  if type(v) ~= "table" and not stores[v] then return v end
  local out = {}
  for k, x in util.pairs(v) do out[k] = util.copy(x) end
  return out
end

return util
