--- The shape of a knowledge-base file, as data/README.md documents it.
-- The loader checks every entry against these tables; nothing here is a
-- clinical fact, only what keys each kind of entry may carry.
local schema = {}

-- table.unpack from 5.2 on, the global unpack in 5.1 and LuaJIT
local unpack = rawget(table, "unpack") or rawget(_G, "unpack")

schema.FORMAT = "interferon-kb/1"

--- Severity levels, most severe first; the rank sorts findings.
schema.SEVERITIES = { "critical", "high", "moderate", "low", "info" }
schema.RANK = {}
for i, level in ipairs(schema.SEVERITIES) do schema.RANK[level] = i end

--- The kinds, in the order their bits are given in the term index.
schema.KINDS = {
  "reference", "interferon_type", "indication", "mechanism",
  "treatment_setting", "route", "side_effect", "side_effect_course",
  "warning", "condition", "drug_class", "drug", "supplement", "advice",
}
schema.KIND_BIT = {}
do  -- by doubling, not 2 ^ n, so that the bits are integers on 5.3 and 5.4
  local bit = 1
  for _, kind in ipairs(schema.KINDS) do
    schema.KIND_BIT[kind] = bit
    bit = bit * 2
  end
end

-- whether S is a string with a byte that is not a space (one above
-- space is not one: the test that is enough for almost every string)
local function nonblank(s)
  return type(s) == "string" and ((s:byte(1) or 0) > 32 or s:find("%S") ~= nil)
end

-- value checkers: each returns true, or false and what was expected
local function string_value(v)
  return nonblank(v), "a non-empty string"
end
local function boolean_value(v) return type(v) == "boolean", "true or false" end
local function string_list(v)
  if type(v) ~= "table" then return false, "a list of strings" end
  local n = #v
  for k in next, v do                 -- a mapping is not a list
    if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then
      return false, "a list of strings"
    end
  end
  for i = 1, n do
    if not nonblank(v[i]) then return false, "a list of non-empty strings" end
  end
  return true
end
-- the shape core.check_shape knows each checker by (shape.c): a number,
-- or for one_of the set of values allowed
local SHAPE_OF = {}
local function one_of(...)
  local allowed, list = {}, { ... }
  for _, v in ipairs(list) do allowed[v] = true end
  local expected = "one of '" .. table.concat(list, "', '") .. "'"
  local check = function(v) return allowed[v] == true, expected end
  SHAPE_OF[check] = allowed
  return check
end
local function year_value(v)
  return type(v) == "string" or (type(v) == "number" and v % 1 == 0),
    "a year or \"n.d.\""
end

--- Every key an entry may have, with its checker.
schema.KEYS = {
  id = string_value, kind = string_value, name = string_value,
  sources = string_list, summary = string_value, synonyms = string_list,
  codes = string_list, severity = one_of(unpack(schema.SEVERITIES)),
  action = string_value, frequency = one_of("common", "less_common"),
  class = string_list, implies = string_list, patient_flag = one_of("pregnant", "breastfeeding"),
  type = one_of("vitamin", "mineral", "herbal", "other"),
  used_for_leukemia = boolean_value, usual = boolean_value,
  evidence = one_of("article", "label", "regulator", "literature", "classification"),
  basis = one_of("contraindication", "risk_to_life", "boxed_warning",
    "regulator_advice", "warning", "precaution", "special_concern",
    "interaction", "side_effect", "advice"),
  note = string_value, author = string_value, title = string_value,
  publisher = string_value, url = string_value, retrieved = string_value,
  year = year_value,
}

--- The same as shapes for core.check_shape, which accepts only what
-- these checkers accept (and 'sources' only when not empty).
SHAPE_OF[string_value], SHAPE_OF[string_list] = 1, 2
SHAPE_OF[boolean_value], SHAPE_OF[year_value] = 4, 5
schema.SHAPES = {}
for key, check in pairs(schema.KEYS) do schema.SHAPES[key] = SHAPE_OF[check] end
schema.SHAPES.sources = 3

local COMMON = { "id", "kind", "name", "sources", "summary", "synonyms",
  "evidence", "note" }
local CONCERN = { "severity", "action", "basis" }

local function keys(...)
  local set = {}
  for _, group in ipairs({ ... }) do
    for _, k in ipairs(group) do set[k] = true end
  end
  return set
end

--- The keys each kind allows (beyond none), and the ones it requires.
schema.ALLOWED = {
  reference = keys({ "id", "kind", "name", "sources", "summary", "evidence",
    "note", "author", "title", "publisher", "url", "retrieved", "year" }),
  interferon_type = keys(COMMON, { "codes", "used_for_leukemia" }),
  indication = keys(COMMON, { "codes" }),
  mechanism = keys(COMMON),
  treatment_setting = keys(COMMON),
  route = keys(COMMON, { "usual" }),
  side_effect = keys(COMMON, CONCERN, { "frequency" }),
  side_effect_course = keys(COMMON),
  warning = keys(COMMON, CONCERN, { "codes" }),
  condition = keys(COMMON, CONCERN, { "codes", "patient_flag" }),
  drug_class = keys(COMMON, CONCERN, { "codes" }),
  drug = keys(COMMON, CONCERN, { "codes", "class", "implies" }),
  supplement = keys(COMMON, { "type", "class" }),
  advice = keys(COMMON, CONCERN),
}

schema.REQUIRED = {
  reference = { "title" },
  side_effect = { "frequency" },
  supplement = { "class" },
}

--- What an `extends:` entry may add or change.
schema.EXTENDABLE = keys({ "synonyms", "codes", "sources", "class",
  "severity", "action", "note" })
schema.LIST_KEYS = keys({ "synonyms", "codes", "sources", "class" })

--- The text an `extends:` may only add to on a critical entry.
schema.TEXT_KEYS = keys({ "summary", "action", "note" })

--- The kinds a `class` list may point to.
schema.CLASS_KINDS = { drug_class = true, advice = true }

--- The kinds whose names are medication-like (dose words dropped).
schema.MEDICATION_KINDS = { drug = true, drug_class = true, supplement = true }

--- Which kinds each patient field is matched against.
schema.FIELD_KINDS = {
  conditions = { "condition", "indication", "warning" },
  medications = { "drug", "drug_class", "supplement" },
  supplements = { "drug", "drug_class", "supplement" },
  symptoms = { "side_effect", "warning", "condition" },
}

return schema
