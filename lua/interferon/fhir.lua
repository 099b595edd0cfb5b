--- FHIR in: a FHIR R4 Bundle of a patient's record (JSON) read into the
-- patient table `screen` takes.  The mappings are documented in the README,
-- "Interoperability"; the output side (CDS Hooks, FHIR DetectedIssue) is
-- interop.lua.
local core = require("interferon.core")
local interop = require("interferon.interop")
local patient = require("interferon.patient")
local util = require("interferon.util")

local fhir = {}

-- answers to LOINC 82810-3: SNOMED CT findings and LOINC answer codes
local PREGNANCY_ANSWER = {
  [interop.SNOMED] = { ["77386006"] = true, ["60001007"] = false },
  [interop.LOINC] = { ["LA15173-0"] = true, ["LA26683-5"] = false },
}

local null = core.null

-- a reader of one decoded bundle: positioned messages
local Reader = {}
Reader.__index = Reader

function Reader:fail(t, key, fmt, ...)
  local keys = t and self.pos[t]
  local p = keys and (key ~= nil and keys[key] or keys[0]) or self.pos[0]
  util.fail(util.where(self.name, p) .. fmt:format(...))
end

local function is_list(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end
local function is_object(v) return type(v) == "table" and (next(v) == nil or v[1] == nil) end

-- T[KEY] when it is a list (absent or null: an empty one)
function Reader:list(t, key, what)
  local v = t[key]
  if v == nil or v == null then return {} end
  if not is_list(v) then self:fail(t, key, "'%s' of %s must be a JSON array", key, what) end
  return v
end

-- T[KEY] when it is an object, or nil
function Reader:object(t, key, what)
  local v = t[key]
  if v == nil or v == null then return nil end
  if not is_object(v) then self:fail(t, key, "'%s' of %s must be a JSON object", key, what) end
  return v
end

-- T[KEY] when it is a non-blank string, or nil
function Reader:string(t, key, what)
  local v = t[key]
  if v == nil or v == null then return nil end
  if type(v) ~= "string" then self:fail(t, key, "'%s' of %s must be a string", key, what) end
  return v:match("%S") and v or nil
end

-- the codings of a CodeableConcept, checked
function Reader:codings(cc, what)
  local out = {}
  for i, c in ipairs(self:list(cc, "coding", what)) do
    if not is_object(c) then self:fail(cc.coding, i, "a coding of %s must be an object", what) end
    out[i] = { system = self:string(c, "system", what), code = self:string(c, "code", what),
      display = self:string(c, "display", what) }
  end
  return out
end

-- the term for a CodeableConcept: a code of SYSTEM first, then the text,
-- then a display of a coding of one of the DISPLAY_SYSTEMS, then any display
function Reader:term(cc, what, system, display_systems)
  local codings = self:codings(cc, what)
  for _, c in ipairs(codings) do
    if c.system == system and c.code then return c.code end
  end
  local text = self:string(cc, "text", what)
  if text then return text end
  for _, want in ipairs(display_systems) do
    for _, c in ipairs(codings) do
      if c.system == want and c.display then return c.display end
    end
  end
  for _, c in ipairs(codings) do
    if c.display then return c.display end
  end
  return nil
end

-- whether the resource's status (or verificationStatus code) is one that
-- says the record is not true of the patient
local function status_code(r, key)
  local v = r[key]
  if type(v) == "string" then return v end
  if is_object(v) and is_list(v.coding) then
    for _, c in ipairs(v.coding) do
      if type(c) == "table" and type(c.code) == "string" then return c.code end
    end
  end
  return nil
end

local SKIP = {
  Condition = { key = "verificationStatus", ["entered-in-error"] = true, refuted = true },
  MedicationStatement = { key = "status", ["entered-in-error"] = true, ["not-taken"] = true },
  MedicationRequest = { key = "status", ["entered-in-error"] = true, cancelled = true },
  Observation = { key = "status", ["entered-in-error"] = true, cancelled = true },
}

local function skipped(r)
  local rule = SKIP[r.resourceType]
  return rule ~= nil and rule[status_code(r, rule.key) or ""] == true
end

local function add_term(p, field, term)
  local list = p[field] or {}
  p[field] = list
  for _, t in ipairs(list) do
    if t == term then return end
  end
  list[#list + 1] = term
end

local function age_on(birth, as_of)
  local by, bm, bd = birth:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not by then return nil end
  local y, m, d = as_of:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  local age = tonumber(y) - tonumber(by)
  if tonumber(m) * 100 + tonumber(d) < tonumber(bm) * 100 + tonumber(bd) then age = age - 1 end
  return age
end

function Reader:patient(r, p, opts)
  if self.seen_patient then
    self:fail(r, nil, "the bundle has more than one Patient; one patient a bundle is expected")
  end
  self.seen_patient = true
  local ids = self:list(r, "identifier", "Patient")
  local first = ids[1]
  p.id = (is_object(first) and self:string(first, "value", "Patient.identifier")) or
    self:string(r, "id", "Patient")
  local gender = self:string(r, "gender", "Patient")
  if gender and gender ~= "unknown" then p.sex = gender end
  local birth = self:string(r, "birthDate", "Patient")
  if birth and opts.as_of then
    local age = age_on(birth, opts.as_of)
    if age and age < 0 then
      self:fail(r, "birthDate", "birthDate %s is after the as_of date %s", birth, opts.as_of)
    end
    p.age = age
  end
end

function Reader:condition(r, p)
  local cc = self:object(r, "code", "Condition")
  local term = cc and self:term(cc, "Condition.code", interop.ICD10CM, {})
  if not term then
    self:fail(r, cc and "code" or nil, "a Condition has no ICD-10-CM code, text or display")
  end
  add_term(p, "conditions", term)
end

-- the Medication resource a reference points to: contained, or in the bundle
function Reader:medication_ref(r, ref)
  local target = self:string(ref, "reference", "medicationReference")
  if target and target:sub(1, 1) == "#" then
    for _, c in ipairs(self:list(r, "contained", r.resourceType)) do
      if is_object(c) and c.id == target:sub(2) then return c end
    end
  elseif target then
    return self.by_url[target]
  end
  return nil
end

function Reader:medication(r, p)
  local what = r.resourceType .. ".medicationCodeableConcept"
  local cc = self:object(r, "medicationCodeableConcept", r.resourceType)
  local term = cc and self:term(cc, what, interop.ATC, { interop.RXNORM })
  local ref = not term and self:object(r, "medicationReference", r.resourceType)
  if ref then
    local med = self:medication_ref(r, ref)
    local code = med and self:object(med, "code", "Medication")
    term = code and self:term(code, "Medication.code", interop.ATC, { interop.RXNORM }) or
      self:string(ref, "display", "medicationReference")
  end
  if not term then
    self:fail(r, cc and "medicationCodeableConcept" or ref and "medicationReference" or nil,
      "a %s names no medication (no ATC code, text, display or resolvable reference)",
      r.resourceType)
  end
  add_term(p, "medications", term)
end

-- the answer of a pregnancy status Observation: true, false or nil
function Reader:pregnancy_answer(r)
  local v = self:object(r, "valueCodeableConcept", "Observation")
  for _, c in ipairs(v and self:codings(v, "Observation.valueCodeableConcept") or {}) do
    local answers = PREGNANCY_ANSWER[c.system]
    if answers and answers[c.code] ~= nil then return answers[c.code] end
  end
  return nil
end

-- days from 1970-01-01 to the civil date Y-M-D (proleptic Gregorian; Lua
-- 5.1 has no integer division, hence floor)
local function days_from_civil(y, m, d)
  local floor = math.floor
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local doy = floor((153 * (m + (m > 2 and -3 or 9)) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy - 719468
end

local DAY = 86400

-- A FHIR dateTime or instant as the span of UTC seconds it names: an
-- instant is one second (its offset applied), a date is that day (UTC), a
-- month or a year all of it.  Nil when S is none of these.
local function time_span(s)
  local y, m, d, rest = s:match("^(%d%d%d%d)%-?(%d?%d?)%-?(%d?%d?)(.*)$")
  if not y or (m == "" and (d ~= "" or s ~= y)) or (#m == 1 or #d == 1) then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if (m and (m < 1 or m > 12)) or (d and (d < 1 or d > 31)) then return nil end
  if not m then return days_from_civil(y, 1, 1) * DAY, days_from_civil(y + 1, 1, 1) * DAY - 1 end
  if not d then
    local ny, nm = m == 12 and y + 1 or y, m == 12 and 1 or m + 1
    return days_from_civil(y, m, 1) * DAY, days_from_civil(ny, nm, 1) * DAY - 1
  end
  local day = days_from_civil(y, m, d) * DAY
  if rest == "" then return day, day + DAY - 1 end
  local hh, mi, ss, zone = rest:match("^T(%d%d):(%d%d):(%d%d)%.?%d*(.*)$")
  if not hh or tonumber(hh) > 23 or tonumber(mi) > 59 or tonumber(ss) > 60 then return nil end
  local at = day + tonumber(hh) * 3600 + tonumber(mi) * 60 + tonumber(ss)
  if zone == "Z" then return at, at end
  local sign, zh, zm = zone:match("^([+-])(%d%d):(%d%d)$")
  if not sign then return nil end
  local offset = (tonumber(zh) * 3600 + tonumber(zm) * 60) * (sign == "+" and 1 or -1)
  return at - offset, at - offset
end

function Reader:observation(r)
  local cc = self:object(r, "code", "Observation")
  local is_pregnancy = false
  for _, c in ipairs(cc and self:codings(cc, "Observation.code") or {}) do
    if c.system == interop.LOINC and c.code == interop.PREGNANCY_STATUS then is_pregnancy = true end
  end
  if not is_pregnancy then return end
  local answer = self:pregnancy_answer(r)
  if answer == nil then return end
  local key = r.effectiveDateTime ~= nil and r.effectiveDateTime ~= null and "effectiveDateTime"
  local when = key and self:string(r, key, "Observation")
  if not key and is_object(r.effectivePeriod) then
    key, when = "effectivePeriod", self:string(r.effectivePeriod, "start", "Observation")
  end
  if not when then key, when = "issued", self:string(r, "issued", "Observation") end
  local lo, hi
  if when then
    lo, hi = time_span(when)
    if not lo then self:fail(r, key, "%s '%s' is not a FHIR dateTime", key, when) end
  end
  self.pregnancy[#self.pregnancy + 1] = { when = when, lo = lo, hi = hi, answer = answer, r = r }
end

-- The latest dated pregnancy status: the observations that may be the
-- latest (their span reaches the latest start) must agree, else an
-- error.  An undated "pregnant" is never overridden: pregnant = true and
-- a note when a dated or undated observation says otherwise.
function Reader:pregnant()
  local latest, undated = -math.huge, {}
  for _, o in ipairs(self.pregnancy) do
    if o.lo then latest = math.max(latest, o.lo) else undated[#undated + 1] = o end
  end
  local dated
  for _, o in ipairs(self.pregnancy) do
    if o.lo and o.hi >= latest then
      if dated ~= nil and dated.answer ~= o.answer then
        self:fail(o.r, nil, "pregnancy status observations of the same time disagree " ..
          "('%s' and '%s')", dated.when, o.when)
      end
      dated = dated or o
    end
  end
  local answer = dated and dated.answer
  local yes, no
  for _, o in ipairs(undated) do
    if o.answer then yes = yes or o else no = no or o end
  end
  if yes and (answer == false or (answer == nil and no)) then
    local keys = self.pos[yes.r]
    self.notes[#self.notes + 1] = util.where(self.name, keys and keys[0]) .. (answer == false
      and ("an undated pregnancy status observation says pregnant and a dated one "
        .. "('%s') says not: pregnant is assumed"):format(dated.when)
      or "undated pregnancy status observations disagree: pregnant is assumed")
    return true
  end
  if answer == nil and yes then return true end
  if answer == nil and no then return false end
  return answer
end

local HANDLERS = {
  Patient = Reader.patient, Condition = Reader.condition,
  MedicationStatement = Reader.medication, MedicationRequest = Reader.medication,
  Observation = Reader.observation,
}

function Reader:bundle(doc, opts)
  if not is_object(doc) or doc.resourceType ~= "Bundle" then
    self:fail(is_object(doc) and doc or nil, "resourceType",
      "a FHIR Bundle expected (resourceType is %s)",
      is_object(doc) and type(doc.resourceType) == "string" and
        ("'" .. doc.resourceType .. "'") or "missing")
  end
  local entries = self:list(doc, "entry", "Bundle")
  local resources = {}
  self.by_url = {}
  for i, e in ipairs(entries) do
    local r = is_object(e) and self:object(e, "resource", "a Bundle entry")
    if not r or type(r.resourceType) ~= "string" then
      self:fail(is_object(e) and e or entries, is_object(e) and nil or i,
        "entry %d has no resource with a resourceType", i)
    end
    resources[i] = r
    local url = self:string(e, "fullUrl", "a Bundle entry")
    if url then self.by_url[url] = r end
    local id = type(r.id) == "string" and r.id
    if id then self.by_url[r.resourceType .. "/" .. id] = r end
  end
  local p = {}
  self.pregnancy = {}
  for _, r in ipairs(resources) do
    local handle = HANDLERS[r.resourceType]
    if handle and not skipped(r) then handle(self, r, p, opts) end
  end
  self.notes = {}
  p.pregnant = self:pregnant()
  -- the rule of every record read from a file (stream.check): a record
  -- with nothing clinical in it is refused, never screened CLEAR
  if not patient.has_clinical(p) then
    self:fail(doc, nil, "the bundle has no clinical resource to screen (a Condition, " ..
      "MedicationStatement, MedicationRequest or pregnancy status Observation)")
  end
  return p, self.notes[1] and self.notes or nil
end

--- fhir.from_fhir(text [, opts]) -> patient [, notes] | nil, message.
-- TEXT is a FHIR R4 Bundle in JSON (strict RFC 8259, core.json_decode);
-- NOTES, when present, lists positioned messages on conflicts resolved to
-- the safe side (an undated "pregnant").  opts.name names it in messages (default
-- "bundle"); opts.as_of ("YYYY-MM-DD") turns Patient.birthDate into an age.
function fhir.from_fhir(text, opts)
  if type(text) ~= "string" then
    error(("bad argument #1 to 'from_fhir' (string expected, got %s)"):format(type(text)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'from_fhir' (table expected, got %s)"):format(type(opts)), 2)
  end
  opts = opts or {}
  local name = opts.name or "bundle"
  if type(name) ~= "string" then
    error("bad argument #2 to 'from_fhir' (opts.name must be a string)", 2)
  end
  if opts.as_of ~= nil and (type(opts.as_of) ~= "string" or
      not opts.as_of:match("^%d%d%d%d%-%d%d%-%d%d$")) then
    error("bad argument #2 to 'from_fhir' (opts.as_of must be a date 'YYYY-MM-DD')", 2)
  end
  local doc, pos = core.json_decode(text, name, { positions = true })
  if doc == nil then return nil, pos end
  local reader = setmetatable({ name = name, pos = pos }, Reader)
  local ok, p, notes = pcall(reader.bundle, reader, doc, opts)
  if not ok then
    if util.failure(p) then return nil, (util.failure(p)) end
    error(p, 0)
  end
  return p, notes
end

return fhir
