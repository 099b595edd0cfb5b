--- Fuzz harness: the JSON parser (core.json_decode, from_fhir) and the
-- JSON roster reader (core.json_open).  Any input gives a value or nil
-- and a positioned message, never an error; from_fhir gives a patient or
-- nil and a message; the reader always ends, numbers its records in
-- order, positions every refusal, and, when the whole input is one valid
-- JSON array, yields exactly its elements, equal to what json_decode read
-- (records in = results + errors out, nothing read that was not there).
local core = require("interferon.core")
local interferon = require("interferon")

local kb = interferon.default()
local path = os.tmpname() .. ".json"
local OPTS = { positions = true, max_nodes = 20000, max_depth = 40 }

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then
    return a == b or (a ~= a and b ~= b)
  end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function positioned(err, name)
  return type(err) == "string" and err:find("^" .. name:gsub("%p", "%%%0") .. ":%d+:%d+: ") ~= nil
end

local function read_roster(text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local reader = core.json_open(path, OPTS)
  if reader == false then return nil end
  if not reader then error("json_open refused a readable file") end
  local out = {}
  while true do
    local value, err, n = reader:next()
    if value == nil then break end
    out[#out + 1] = value
    if #out > #text + 10 then error("the reader does not end") end
    if n ~= #out then error("record numbers out of order") end
    if value == false and type(err) == "string" then
      if not positioned(err, path) then error("unpositioned refusal: " .. tostring(err)) end
      out[#out] = core.null                -- a refusal stands for a record
    elseif type(err) ~= "table" then
      error("a record without its positions")
    elseif type(value) == "table" then
      local result, msg = kb:screen(value)
      if result == nil and type(msg) ~= "string" then error("screen gave no message") end
    end
  end
  reader:close()
  if reader:next() ~= nil then error("a closed reader yields") end
  return out
end

return function(text)
  local value, err = core.json_decode(text, "f.json", OPTS)
  if value == nil then
    if not positioned(err, "f.json") then error("unpositioned refusal: " .. tostring(err)) end
  elseif type(err) ~= "table" or type(err[0]) ~= "number" then
    error("no positions")
  end
  local p, msg = interferon.from_fhir(text, { name = "f.json" })
  if p == nil and not positioned(msg, "f.json") then error("from_fhir: " .. tostring(msg)) end
  local records = read_roster(text)
  local first = text:match("^[ \t\r\n]*(.)")
  if records == nil and (first == "[" or first == "{") then error("JSON not read as JSON") end
  if value ~= nil and first == "[" and type(value) == "table" then
    if #records ~= #value then error("records in ~= records out") end
    for i, v in ipairs(value) do
      if not same(v, records[i]) then error("record " .. i .. " read differently") end
    end
  end
end, function() os.remove(path) end
