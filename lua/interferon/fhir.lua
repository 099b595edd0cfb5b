--- FHIR in: a FHIR R4 Bundle of a patient's record (JSON) read into the
-- patient table `screen` takes.  The mappings are documented in the README,
-- "Interoperability"; the output side (CDS Hooks, FHIR DetectedIssue) is
-- interop.lua.
local core = require("interferon.core")
local interop = require("interferon.interop")
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
  error({ message = util.where(self.name, p) .. fmt:format(...) }, 0)
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

function Reader:observation(r)
  local cc = self:object(r, "code", "Observation")
  local is_pregnancy = false
  for _, c in ipairs(cc and self:codings(cc, "Observation.code") or {}) do
    if c.system == interop.LOINC and c.code == interop.PREGNANCY_STATUS then is_pregnancy = true end
  end
  if not is_pregnancy then return end
  local answer = self:pregnancy_answer(r)
  if answer == nil then return end
  local when = self:string(r, "effectiveDateTime", "Observation") or
    (is_object(r.effectivePeriod) and self:string(r.effectivePeriod, "start", "Observation")) or
    self:string(r, "issued", "Observation") or ""
  self.pregnancy[#self.pregnancy + 1] = { when = when, answer = answer, r = r }
end

-- the latest pregnancy status; two latest at the same time that disagree
-- are an error, not a guess
function Reader:pregnant()
  local list = self.pregnancy
  if #list == 0 then return nil end
  table.sort(list, function(a, b) return a.when > b.when end)
  if list[2] and list[2].when == list[1].when and list[2].answer ~= list[1].answer then
    self:fail(list[2].r, nil, "pregnancy status observations of the same time disagree")
  end
  return list[1].answer
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
  p.pregnant = self:pregnant()
  return p
end

--- fhir.from_fhir(text [, opts]) -> patient | nil, message.  TEXT is a
-- FHIR R4 Bundle in JSON.  opts.name names it in messages (default
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
  local ok, p = pcall(reader.bundle, reader, doc, opts)
  if not ok then
    if type(p) == "table" and p.message then return nil, p.message end
    error(p, 0)
  end
  return p
end

return fhir
