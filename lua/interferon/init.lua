--- interferon: a knowledge base about interferon therapy for leukemia, and
-- the screening built on it.  This module is the public API; the C core
-- (interferon.core) does the decoding, matching and screening.
-- @module interferon
local core = require("interferon.core")
local KB = require("interferon.kb")
local util = require("interferon.util")
local report = require("interferon.report")
local stream = require("interferon.stream")

local interferon = {}

interferon._VERSION = "interferon 0.1.0"

--- The value a YAML null decodes to.
interferon.null = core.null

--- The notice every result and report carries.
interferon.NOTICE = KB.NOTICE

--- pairs that also walks knowledge-base entries and their lists, on every
-- Lua version.  On Lua 5.1 and LuaJIT an entry is a read-only userdata,
-- which the builtin pairs refuses; from 5.2 on the builtin works too.
-- @function pairs
-- @param t an entry, a list in it, or any table
-- @return the iterator triple of the builtin pairs
interferon.pairs = util.pairs

--- ipairs that also walks knowledge-base entries and their lists, on every
-- Lua version (see `pairs`).
-- @function ipairs
-- @param t an entry, a list in it, or any table
-- @return the iterator triple of the builtin ipairs
interferon.ipairs = util.ipairs

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then
    return nil, ("%s:1:1: cannot read file: %s"):format(path,
      tostring(err):gsub("^" .. path:gsub("%p", "%%%0") .. ": ", ""))
  end
  local text, rerr = f:read("*a")
  f:close()
  if not text then return nil, ("%s:1:1: cannot read file: %s"):format(path, tostring(rerr)) end
  return text
end

--- Loads a knowledge base: the bundled one, then each file of FILES on
-- top.  `opts.bundled = false` loads only FILES.
-- @return kb, or nil and "FILE:LINE:COL: message"
function interferon.load(files, opts)
  if files ~= nil and type(files) ~= "table" then
    error(("bad argument #1 to 'load' (table expected, got %s)"):format(type(files)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'load' (table expected, got %s)"):format(type(opts)), 2)
  end
  local list = {}
  if not (opts and opts.bundled == false) then
    for _, f in ipairs(core.bundled()) do list[#list + 1] = f end
  end
  for i, path in ipairs(files or {}) do
    if type(path) ~= "string" then
      error(("bad argument #1 to 'load' (file %d is a %s, not a path)"):format(i, type(path)), 2)
    end
    local text, err = read_file(path)
    if not text then return nil, err end
    list[#list + 1] = { name = path, text = text }
  end
  if #list == 0 then
    return nil, "no knowledge-base files to load"
  end
  return KB.new(list)
end

local default_kb

--- The bundled knowledge base, loaded once and cached.
function interferon.default()
  if not default_kb then
    default_kb = assert(interferon.load())
  end
  return default_kb
end

--- interferon.screen(patient): kb:screen on the default knowledge base.
function interferon.screen(patient)
  if type(patient) ~= "table" then
    error(("bad argument #1 to 'screen' (table expected, got %s)"):format(type(patient)), 2)
  end
  return interferon.default():screen(patient)
end

--- interferon.check_symptoms(list): kb:check_symptoms on the default KB.
function interferon.check_symptoms(list)
  if type(list) ~= "table" then
    error(("bad argument #1 to 'check_symptoms' (table expected, got %s)"):format(type(list)), 2)
  end
  return interferon.default():check_symptoms(list)
end

--- interferon.lookup(term): kb:lookup on the default knowledge base.
function interferon.lookup(term)
  if type(term) ~= "string" then
    error(("bad argument #1 to 'lookup' (string expected, got %s)"):format(type(term)), 2)
  end
  return interferon.default():lookup(term)
end

--- interferon.patients(path): iterates over the patients of a YAML or JSON
-- file ("-" for standard input), one record at a time.  Yields patient,
-- nil, n for a good record and false, "FILE:LINE:COL: message", n for a bad
-- one; reading goes on after a bad record.
interferon.patients = stream.patients

--- interferon.report(result, format [, opts]) -> string: "text",
-- "markdown", "json" or "html" (see interferon.report).  Sources are cited
-- from opts.kb, or from the bundled knowledge base when the result came
-- from it.
function interferon.report(result, format, opts)
  if type(result) == "table" and type(result.kb) == "table" and
      (opts == nil or (type(opts) == "table" and opts.kb == nil)) and
      result.kb.checksum == interferon.default().checksum then
    local with = { kb = interferon.default() }
    for k, v in pairs(opts or {}) do with[k] = v end
    opts = with
  end
  return report.render(result, format, opts)
end

return interferon
