--- Patient streams: a YAML file of one or many documents (core.open), or
-- JSON: an array or one object a line (core.json_open), read one record at
-- a time by a C reader, each record
-- checked against the patient schema.  One record in is one patient or one
-- positioned error out; the reader resynchronises after a syntax error
-- (files, pipes, FIFOs and standard input alike).
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
-- "NAME:LINE:COL: message".  A record without a clinical field (an empty
-- or truncated record) is refused: it must never come out CLEAR.
function stream.check(name, value, positions, n)
  if type(value) ~= "table" or (value[1] ~= nil) then
    return nil, ("%srecord %d must be a mapping of patient fields, got %s")
      :format(util.where(name, positions[0]), n, kind_of(value))
  end
  -- a record read here is the caller's alone: kept as it is when it needs
  -- no cleaning (not copied; kb:screen's own check of it is one C pass)
  local clean, err, field = value, nil, nil
  if not patient.plain(value) then clean, err, field = patient.check(value) end
  if not clean then
    return nil, util.where(name, fault_position(positions, value, field, err)) .. err
  end
  if not patient.has_clinical(clean) then
    return nil, ("%srecord %d has no clinical fields (%s)"):format(
      util.where(name, positions[0]), n, table.concat(patient.CLINICAL, ", "))
  end
  return clean
end

-- an iterator that yields false, MESSAGE, 0 once
local function one_error(message)
  local sent = false
  return function()
    if sent then return nil end
    sent = true
    return false, message, 0
  end
end

--- stream.patients(path) -> iterator, nil, nil, reader: the iterator
-- yields patient, nil, n for a good record and false, message, n for a
-- bad one (false, so that a `for` loop goes on).  A file that cannot be
-- opened, or that holds no record, yields one error, with n = 0.  The
-- reader is the loop's closing value (Lua 5.4): a `break` closes the file.
function stream.patients(path)
  util.checktype(path, "string", 1, "patients")
  local name = path == "-" and "<stdin>" or path
  -- JSON (a roster array, or one object a line) goes to the JSON reader
  local reader, err = core.json_open(path, { positions = true })
  if reader == false then reader, err = core.open(path, { positions = true }) end
  if not reader then return one_error((err:gsub("^%-:", name .. ":"))) end
  local count = 0
  return function()
    local value, positions, n = reader:next()
    if value == nil then
      reader:close()
      if count ~= 0 then return nil end
      count = -1
      return false, name .. ":1:1: no records", 0
    end
    count = n
    -- a refused record is false and a message; a record that is the YAML
    -- value false comes with its positions table, and is refused below
    if value == false and type(positions) == "string" then
      return false, (positions:gsub("^%-:", name .. ":")), n
    end
    local clean, msg = stream.check(name, value, positions, n)
    if not clean then return false, msg, n end
    return clean, nil, n
  end, nil, nil, reader
end

return stream
