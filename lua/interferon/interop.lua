--- Interoperability: a screening or symptom result as a CDS Hooks response
-- or a FHIR R4 Bundle of DetectedIssue resources, and a FHIR Bundle of a
-- patient's record read into the patient table `screen` takes.  The
-- mappings are documented in the README, "Interoperability".
--
-- Output is built as Lua tables and written by core.json_encode (keys
-- sorted), and every id is a hash of the content, so the same result
-- always gives the same bytes.  Nothing here reads a clock.
local core = require("interferon.core")
local KB = require("interferon.kb")
local txt = require("interferon.text")
local util = require("interferon.util")

local interop = {}

--- The code systems and codes used, as the README lists them.
interop.ACTCODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
interop.ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
interop.ATC = "http://www.whocc.no/atc"
interop.RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
interop.LOINC = "http://loinc.org"
interop.SNOMED = "http://snomed.info/sct"
interop.PREGNANCY_STATUS = "82810-3"           -- LOINC: Pregnancy status

--- Our severity as a CDS Hooks card indicator and a DetectedIssue severity.
interop.INDICATOR = { critical = "critical", high = "warning", moderate = "warning",
  low = "info", info = "info" }
interop.FHIR_SEVERITY = { critical = "high", high = "high", moderate = "moderate",
  low = "low", info = "low" }

-- v3 ActCode issue types (display texts as the code system gives them)
local ISSUE = {
  COND = "Condition Alert", PREG = "Pregnancy Alert", LACT = "Lactation Alert",
  DRG = "Drug Interaction Alert", NHP = "Natural Health Product Alert",
}
local FLAG_CODE = { pregnant = "PREG", breastfeeding = "LACT" }

-- answers to LOINC 82810-3: SNOMED CT findings and LOINC answer codes
local PREGNANCY_ANSWER = {
  [interop.SNOMED] = { ["77386006"] = true, ["60001007"] = false },
  [interop.LOINC] = { ["LA15173-0"] = true, ["LA26683-5"] = false },
}

local SUMMARY_MAX = 139                        -- CDS Hooks: fewer than 140

---------------------------------------------------------------------------
-- text helpers
---------------------------------------------------------------------------

local show, md = txt.show, txt.md

--- S (valid UTF-8, as text_clean makes it) cut to at most MAX characters,
-- at a character boundary, with an ellipsis when cut.
function interop.truncate(s, max)
  local n, cut = 0, nil
  for pos in s:gmatch("()[^\128-\191][\128-\191]*") do
    n = n + 1
    if n == max then cut = pos end
    if n > max then return s:sub(1, cut - 1) .. "\226\128\166" end
  end
  return s
end

-- a hex digest as a UUID: version 8 (RFC 9562, custom: here SHA-256)
local function uuid(hex)
  local variant = ("%x"):format(8 + tonumber(hex:sub(17, 17), 16) % 4)
  return ("%s-%s-8%s-%s%s-%s"):format(hex:sub(1, 8), hex:sub(9, 12), hex:sub(14, 16),
    variant, hex:sub(18, 20), hex:sub(21, 32))
end

---------------------------------------------------------------------------
-- the knowledge base behind a result
---------------------------------------------------------------------------

-- opts.kb when given (it must be the result's KB), else the KB that made
-- the result, else nil: then ids stand for names
local function result_kb(result, opts, level)
  if opts.kb ~= nil then
    if type(opts.kb) ~= "table" and type(opts.kb) ~= "userdata" or
        opts.kb.checksum ~= result.kb.checksum then
      error("bad argument #3 to 'report' (opts.kb is not the knowledge base " ..
        "the result came from)", level + 1)
    end
    return opts.kb
  end
  return KB.of(result)
end

local function name_of(kb, id)
  local e = kb and kb:get(id)
  return e and e.name or id
end

local function citation(kb, id)
  local r = kb and kb:get(id)
  if not r then return id, nil end
  return txt.citation(r)
end

-- how the patient's term was matched, in words
local function matched_text(kb, f)
  local name = name_of(kb, f.matched)
  if f.match == "approximate" then
    return ("matched approximately to %s: confirm this is what was meant"):format(name)
  end
  return ("matched to %s (%s)"):format(name, f.match)
end

local function is_flag(field) return FLAG_CODE[field] ~= nil end

---------------------------------------------------------------------------
-- CDS Hooks
---------------------------------------------------------------------------

-- findings grouped by concern id, in the result's order (severity, id)
local function group_findings(findings)
  local groups, by_id = {}, {}
  for _, f in ipairs(findings) do
    local g = by_id[f.id]
    if not g then
      g = { id = f.id, first = f, items = {} }
      by_id[f.id] = g
      groups[#groups + 1] = g
    end
    g.items[#g.items + 1] = f
  end
  return groups
end

local function source_lines(kb, sources)
  local out = {}
  for _, id in ipairs(sources or {}) do
    local cite, url = citation(kb, id)
    local line = "- " .. md(cite)
    if url and url:match("^https?://[^%s<>]+$") then line = line .. " <" .. url .. ">" end
    out[#out + 1] = line
  end
  return out
end

local function footer(result)
  return ("*Knowledge base %s, checksum %s. %s*"):format(md(result.kb.version),
    md(result.kb.checksum), md(result.notice or require("interferon.kb").NOTICE))
end

local function finding_card(result, kb, g)
  local f = g.first
  local terms = {}
  for _, x in ipairs(g.items) do terms[#terms + 1] = show(x.input) end
  local summary = ("Interferon: %s \226\128\148 %s"):format(show(f.title),
    table.concat(terms, ", "))
  local out = { ("**%s.** %s"):format(md(f.severity:gsub("^%l", string.upper)),
    md(f.message or f.title)) }
  if f.action then out[#out + 1] = "**Action:** " .. md(f.action) end
  if f.frequency then out[#out + 1] = "**Frequency:** " .. md(f.frequency:gsub("_", " ")) end
  local lines = { "**Patient's terms:**", "" }
  for _, x in ipairs(g.items) do
    lines[#lines + 1] = is_flag(x.field) and ("- %s"):format(md(x.input)) or
      ("- %s: %s \226\128\148 %s"):format(md(x.field), md(x.input), md(matched_text(kb, x)))
  end
  out[#out + 1] = table.concat(lines, "\n")
  if f.sources and #f.sources > 0 then
    out[#out + 1] = "**Sources:**\n\n" .. table.concat(source_lines(kb, f.sources), "\n")
  end
  out[#out + 1] = footer(result)
  return { summary = interop.truncate(summary, SUMMARY_MAX),
    indicator = interop.INDICATOR[f.severity] or "info",
    detail = table.concat(out, "\n\n") }
end

local UNRECOGNIZED_ADVICE = {
  screening = "These terms were not screened: correct the spelling or check each one " ..
    "by hand. A term the knowledge base does not recognise is not known to be safe " ..
    "with interferon.",
  symptoms = "The knowledge base does not list these symptoms. A symptom it does not " ..
    "list is not known to be harmless: report every new or worsening symptom to the " ..
    "care team.",
}

local function unrecognized_card(result)
  local list = result.unrecognized
  local terms, lines = {}, {}
  for i, u in ipairs(list) do
    terms[i] = show(u.input)
    local sugg = {}
    for j, s in ipairs(u.suggestions or {}) do sugg[j] = md(s) end
    local term = (u.term and u.term ~= u.input) and (" (the part " .. md(u.term) .. ")") or ""
    lines[i] = ("- %s: %s%s%s"):format(md(u.field), md(u.input), term,
      #sugg > 0 and (" \226\128\148 did you mean " .. table.concat(sugg, ", ") .. "?") or "")
  end
  local what = result.type == "symptoms" and "symptom" or "term"
  local summary = ("Interferon: %d %s%s not recognised \226\128\148 %s"):format(#list, what,
    #list == 1 and "" or "s", table.concat(terms, ", "))
  local detail = table.concat({
    UNRECOGNIZED_ADVICE[result.type] or UNRECOGNIZED_ADVICE.screening,
    table.concat(lines, "\n"), footer(result) }, "\n\n")
  return { summary = interop.truncate(summary, SUMMARY_MAX), indicator = "info",
    detail = detail }
end

--- The CDS Hooks response for RESULT, as a Lua table: one card per concern
-- (finding id) listing every input that raised it, then one info card for
-- the terms not recognised.  A result with neither has no cards.
function interop.cds_hooks(result, opts)
  opts = opts or {}
  local kb = result_kb(result, opts, 2)
  local label = ("interferon knowledge base %s"):format(show(result.kb.version))
  local cards = {}
  for _, g in ipairs(group_findings(result.findings)) do
    cards[#cards + 1] = finding_card(result, kb, g)
  end
  if #result.unrecognized > 0 then cards[#cards + 1] = unrecognized_card(result) end
  for _, c in ipairs(cards) do c.source = { label = label } end
  local base = core.sha256("cds-hooks\0", core.json_encode(cards), "\0",
    core.json_encode(result.patient or {}))
  for i, c in ipairs(cards) do c.uuid = uuid(core.sha256(base, "\0", tostring(i))) end
  return { cards = cards }
end

---------------------------------------------------------------------------
-- FHIR R4
---------------------------------------------------------------------------

local function codeable(system, code, display)
  return { coding = { { system = system, code = code, display = display } } }
end

-- the ActCode issue type of a finding, or nil (a reported symptom)
local function issue_code(kb, f)
  local flag = FLAG_CODE[f.field]
  local e = kb and kb:get(f.id)
  if not flag and e and e.patient_flag then flag = FLAG_CODE[e.patient_flag] end
  if flag then return flag end
  if f.field == "conditions" then return "COND" end
  if f.field == "medications" or f.field == "supplements" then
    return f.matched:match("^supplement%.") and "NHP" or "DRG"
  end
  return nil
end

local function issue_detail(kb, f)
  local parts = { ("%s: %s"):format(show(f.title), show(f.message or f.title)) }
  if is_flag(f.field) then
    parts[#parts + 1] = ("The patient record says %s."):format(show(f.input))
  else
    parts[#parts + 1] = ("The patient's term \"%s\" (%s) was %s."):format(show(f.input),
      show(f.field), show(matched_text(kb, f)))
  end
  local cites = {}
  for i, id in ipairs(f.sources or {}) do cites[i] = show((citation(kb, id))) end
  if #cites > 0 then parts[#parts + 1] = "Sources: " .. table.concat(cites, "; ") .. "." end
  return table.concat(parts, " ")
end

local function detected_issue(result, kb, f)
  local code = issue_code(kb, f)
  local di = {
    resourceType = "DetectedIssue", status = "final",
    severity = interop.FHIR_SEVERITY[f.severity] or "low",
    code = code and codeable(interop.ACTCODE, code, ISSUE[code]) or
      { text = "Reported symptom during interferon therapy" },
    detail = issue_detail(kb, f),
    author = { display = ("interferon knowledge base %s"):format(show(result.kb.version)) },
  }
  if f.field == "symptoms" then
    di.evidence = { { code = { { text = show(f.input) } } } }
  else
    di.implicated = { { display = show(f.input) } }
  end
  if f.action then di.mitigation = { { action = { text = show(f.action) } } } end
  for _, id in ipairs(f.sources or {}) do
    local _, url = citation(kb, id)
    if url and url:match("^%a[%w+.-]*:%S+$") then
      di.reference = url
      break
    end
  end
  local p = result.patient
  if p and p.id then di.patient = { identifier = { value = show(p.id) } } end
  return di
end

-- the notice, the KB, the record and the terms not recognised
local function outcome(result, meta)
  local function info(text) return { severity = "information", code = "informational",
    diagnostics = text } end
  local issues = { info(show(result.notice or require("interferon.kb").NOTICE)),
    info(("Screened with the interferon knowledge base %s, checksum %s; status %s.")
      :format(show(result.kb.version), show(result.kb.checksum), show(result.status))) }
  if meta and meta.source then
    issues[#issues + 1] = info(meta.record and ("Record %d of %s."):format(meta.record,
      show(meta.source)) or ("From %s."):format(show(meta.source)))
  end
  for _, u in ipairs(result.unrecognized) do
    local sugg = {}
    for j, s in ipairs(u.suggestions or {}) do sugg[j] = show(s) end
    issues[#issues + 1] = { severity = "warning", code = "not-found",
      diagnostics = ("%s: \"%s\" is not in the knowledge base and was not screened%s")
        :format(show(u.field), show(u.input), #sugg > 0 and
          (" (did you mean " .. table.concat(sugg, ", ") .. "?)") or "") }
  end
  return { resourceType = "OperationOutcome", issue = issues }
end

--- The FHIR R4 Bundle (type collection) for RESULT, as a Lua table: one
-- DetectedIssue per finding, then an OperationOutcome carrying the notice,
-- the KB version and the terms not recognised.
function interop.fhir(result, opts, meta)
  opts = opts or {}
  local kb = result_kb(result, opts, 2)
  local entries = {}
  for _, f in ipairs(result.findings) do
    entries[#entries + 1] = { resource = detected_issue(result, kb, f) }
  end
  entries[#entries + 1] = { resource = outcome(result, meta) }
  local base = core.sha256("fhir\0", core.json_encode(entries))
  for i, e in ipairs(entries) do
    local id = uuid(core.sha256(base, "\0", tostring(i)))
    e.resource.id = id
    e.fullUrl = "urn:uuid:" .. id
  end
  return { resourceType = "Bundle", id = uuid(base), type = "collection", entry = entries }
end

--- Report bodies, for interferon.report: one JSON document a line.
function interop.cds_hooks_body(result, opts)
  return core.json_encode(interop.cds_hooks(result, opts)) .. "\n"
end

function interop.fhir_body(result, opts, meta)
  return core.json_encode(interop.fhir(result, opts, meta)) .. "\n"
end

--- A record that could not be read, in each format.
function interop.cds_hooks_error(message, _, meta)
  local where = meta and meta.source and (meta.record and
    (" (record %d of %s)"):format(meta.record, show(meta.source)) or
    (" (%s)"):format(show(meta.source))) or ""
  local card = { indicator = "critical", source = { label = "interferon" },
    summary = interop.truncate("Interferon: record not screened" .. where, SUMMARY_MAX),
    detail = "**Error:** " .. md(message) }
  card.uuid = uuid(core.sha256("cds-hooks-error\0", core.json_encode(card)))
  return core.json_encode({ cards = { card } }) .. "\n"
end

function interop.fhir_error(message, _, meta)
  local oo = { resourceType = "OperationOutcome", issue = { { severity = "error",
    code = "invalid", diagnostics = show(message) } } }
  if meta and meta.source then
    oo.issue[2] = { severity = "information", code = "informational",
      diagnostics = meta.record and ("Record %d of %s."):format(meta.record,
        show(meta.source)) or ("From %s."):format(show(meta.source)) }
  end
  oo.id = uuid(core.sha256("fhir-error\0", core.json_encode(oo)))
  return core.json_encode(oo) .. "\n"
end

---------------------------------------------------------------------------
-- FHIR in: a Bundle of the patient's record -> the patient table
---------------------------------------------------------------------------

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

--- interop.from_fhir(text [, opts]) -> patient | nil, message.  TEXT is a
-- FHIR R4 Bundle in JSON.  opts.name names it in messages (default
-- "bundle"); opts.as_of ("YYYY-MM-DD") turns Patient.birthDate into an age.
function interop.from_fhir(text, opts)
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
  local docs, pos = core.decode(text, name, { positions = true, max_documents = 1 })
  if not docs then return nil, pos end
  if #docs ~= 1 then return nil, name .. ":1:1: one JSON document expected" end
  local reader = setmetatable({ name = name, pos = pos }, Reader)
  local ok, p = pcall(reader.bundle, reader, docs[1], opts)
  if not ok then
    if util.failure(p) then return nil, util.failure(p) end
    error(p, 0)
  end
  return p
end

return interop
