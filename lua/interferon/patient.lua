--- The patient schema: what `kb:screen` accepts, checked before any
-- matching.  Tables are read with rawget/next only, so a metatable (even
-- one whose metamethods raise) can neither fool nor crash the check.
local core = require("interferon.core")
local util = require("interferon.util")

local patient = {}

--- Limits on one patient, documented in the README.
patient.MAX_ITEMS = 1000        -- terms in one list field
patient.MAX_TERM = 1000         -- bytes in one term

local LIST = "list"
patient.FIELDS = {
  id = "string", sex = "string", age = "number",
  pregnant = "boolean", breastfeeding = "boolean",
  conditions = LIST, medications = LIST, supplements = LIST, symptoms = LIST,
}

--- The list fields, in the order they are screened and reported.
patient.LISTS = { "conditions", "medications", "supplements", "symptoms" }

--- The boolean flags that raise entries with a matching `patient_flag`.
patient.FLAGS = { "pregnant", "breastfeeding" }

--- The clinical fields: a record read from a file needs at least one.
patient.CLINICAL = { "conditions", "medications", "supplements", "symptoms",
  "pregnant", "breastfeeding" }

--- Whether the checked patient P has a clinical field (an empty list
-- counts: it says there is none; a null does not).
function patient.has_clinical(p)
  for _, k in ipairs(patient.CLINICAL) do
    if rawget(p, k) ~= nil then return true end
  end
  return false
end

local function describe(v)
  if type(v) == "string" then
    return ("string \"%s\""):format(#v > 40 and v:sub(1, 37) .. "..." or v)
  end
  return type(v)
end

-- a table whose fields may sit behind __index (or whose metatable is
-- hidden) cannot be read without running its metamethods: refused
local function hides_fields(t)
  local mt = getmetatable(t)
  return mt ~= nil and (type(mt) ~= "table" or rawget(mt, "__index") ~= nil)
end

--- Checks the terms of a list; returns the list, or nil, message.
function patient.check_list(name, list)
  if type(list) ~= "table" then
    return nil, ("field '%s' must be a list of strings, got %s"):format(name, describe(list))
  end
  if hides_fields(list) then
    return nil, ("field '%s' has a metatable with __index; pass a plain list"):format(name)
  end
  local n = 0
  local function bad_key(k) return type(k) ~= "number" or k < 1 or k % 1 ~= 0 end
  for k in next, list do
    if bad_key(k) then
      -- name the first bad key in an order every Lua version shares
      for _, first in ipairs(util.sorted_keys(list)) do
        if bad_key(first) then k = first break end
      end
      return nil, ("field '%s' must be a list of strings (it has the key %s)")
        :format(name, describe(k))
    end
    n = n + 1
    if n > patient.MAX_ITEMS then
      return nil, ("field '%s' has more than %d items"):format(name, patient.MAX_ITEMS)
    end
  end
  for i = 1, n do
    local v = rawget(list, i)
    if type(v) ~= "string" then
      return nil, ("%s[%d] must be a string, got %s"):format(name, i,
        v == nil and "a gap in the list" or describe(v))
    end
    if #v > patient.MAX_TERM then
      return nil, ("%s[%d] is %d bytes, longer than the limit of %d")
        :format(name, i, #v, patient.MAX_TERM)
    end
  end
  return list
end

local function check_field(k, v)
  local want = patient.FIELDS[k]
  if want == LIST then
    local ok, err = patient.check_list(k, v)
    return ok ~= nil, err
  end
  if type(v) ~= want then
    local expected = want == "boolean" and "true or false" or "a " .. want
    return false, ("field '%s' must be %s, got %s"):format(k, expected, describe(v))
  end
  if want == "string" and #v > patient.MAX_TERM then
    return false, ("field '%s' is %d bytes, longer than the limit of %d")
      :format(k, #v, patient.MAX_TERM)
  end
  if k == "age" and (v ~= v or v < 0 or v > 150) then
    return false, "field 'age' must be between 0 and 150"
  end
  return true
end

-- the message for field K with value V, or nil when it is fine
local function field_error(k, v)
  if type(k) ~= "string" or not patient.FIELDS[k] then
    if type(k) ~= "string" then
      return ("unknown field %s (field names are strings)"):format(
        type(k) == "number" and ("%.14g"):format(k) or "of type " .. type(k))
    end
    return ("unknown field '%s'%s"):format(k, util.did_you_mean(k, patient.FIELDS))
  end
  if v ~= core.null then
    local ok, err = check_field(k, v)
    if not ok then return err end
  end
end

--- Whether `patient.check` would accept P as it is, with nothing to drop:
-- a one-pass check in C (csrc/patient.c) for the common record.  False
-- means "run patient.check", which makes the clean copy or the message.
function patient.plain(p)
  return core.patient_plain(p, patient.FIELDS, patient.MAX_ITEMS, patient.MAX_TERM)
end

--- Checks a patient table.  Returns a clean plain copy (nulls from YAML
-- dropped), or nil, message, field (the field at fault, for positions).
function patient.check(p)
  local clean = {}
  if hides_fields(p) then
    return nil, "the patient has a metatable with __index; pass a plain table"
  end
  for k, v in next, p do
    if field_error(k, v) then
      -- report the first bad field by name: `next` order differs between
      -- Lua versions, and the message must not
      for _, bad in ipairs(util.sorted_keys(p)) do
        local err = field_error(bad, rawget(p, bad))
        if err then return nil, err, bad end
      end
    end
    if v ~= core.null then clean[k] = v end
  end
  return clean
end

return patient
