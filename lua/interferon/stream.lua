--- Patient streams: a YAML file of one or many documents (core.open), or
-- JSON: an array or one object a line (core.json_open), read one record at
-- a time by a C reader, each record
-- checked against the patient schema.  One record in is one patient or one
-- positioned error out; the reader resynchronises after a syntax error.
local core = require("interferon.core")
local patient = require("interferon.patient")
local util = require("interferon.util")

local stream = {}

local function kind_of(v)
  if v == core.null then return "null" end
  if type(v) == "table" then return "a list" end
  return ("a %s"):format(type(v))
end

-- the packed position of the value at fault in record P, for the error
-- patient.check reported on FIELD ("medications[2] must be ..." points at
-- that item)
local function fault_position(positions, p, field, message)
  local item = message:match("^[%w_]+%[(%d+)%]")
  local list = rawget(p, field)
  if item and type(list) == "table" and positions[list] then
    local pos = positions[list][tonumber(item)]
    if pos then return pos end
  end
  local keys = positions[p]
  return keys and (keys[field] or keys[0]) or positions[0]
end

--- Checks one value read from NAME; returns the clean patient, or nil and
-- "NAME:LINE:COL: message".
function stream.check(name, value, positions, n)
  if type(value) ~= "table" or (value[1] ~= nil) then
    return nil, ("%srecord %d must be a mapping of patient fields, got %s")
      :format(util.where(name, positions[0]), n, kind_of(value))
  end
  local clean, err, field = patient.check(value)
  if not clean then
    return nil, util.where(name, fault_position(positions, value, field, err)) .. err
  end
  return clean
end

--- stream.patients(path) -> iterator yielding patient, nil, n for a good
-- record and false, message, n for a bad one (false, so that a `for` loop
-- goes on).  A file that cannot be opened yields one error, with n = 0.
function stream.patients(path)
  util.checktype(path, "string", 1, "patients")
  local name = path == "-" and "<stdin>" or path
  -- JSON (a roster array, or one object a line) goes to the JSON reader
  local reader, err = core.json_open(path, { positions = true })
  if reader == false then reader, err = core.open(path, { positions = true }) end
  if not reader then
    local sent = false
    return function()
      if sent then return nil end
      sent = true
      return false, (err:gsub("^%-:", name .. ":")), 0
    end
  end
  return function()
    local value, positions, n = reader:next()
    if value == nil then
      reader:close()
      return nil
    end
    -- a refused record is false and a message; a record that is the YAML
    -- value false comes with its positions table, and is checked below
    if value == false and type(positions) == "string" then
      return false, (positions:gsub("^%-:", name .. ":")), n
    end
    local clean, msg = stream.check(name, value, positions, n)
    if not clean then return false, msg, n end
    return clean, nil, n
  end
end

return stream
