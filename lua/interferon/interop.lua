--- Interoperability: a screening or symptom result as a CDS Hooks response
-- or a FHIR R4 Bundle of DetectedIssue resources (FHIR input, a Bundle
-- read into a patient, is fhir.lua).  The mappings are documented in the
-- README, "Interoperability".
--
-- Output is built as Lua tables and written by core.json_encode (keys
-- sorted), and every id is a hash of the content, so the same result
-- always gives the same bytes.  Nothing here reads a clock.
local core = require("interferon.core")
local KB = require("interferon.kb")
local txt = require("interferon.text")

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

--- S as Markdown text, links made code spans: text.md_text.
interop.md_text = txt.md_text

--- Whether URL may go into a link field (a FHIR `reference`, a Markdown
-- link): http and https only, no space or angle bracket.
function interop.web_url(url)
  return type(url) == "string" and url:find("^[hH][tT][tT][pP][sS]?://[^%s<>\"]+$") ~= nil
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

--- A reference cited from KB in one line, and its URL apart (the id, when
-- KB has no such entry).
function interop.citation(kb, id)
  local r = kb and kb:get(id)
  if not r then return id, nil end
  return txt.citation(r)
end
local citation = interop.citation

-- how the patient's term was matched, in words
local function matched_text(kb, f)
  local name = name_of(kb, f.matched)
  local text
  if f.match == "approximate" then
    text = ("matched approximately to %s: confirm this is what was meant"):format(name)
  elseif f.match == "partial" then
    text = ("matched in part to %s, by the words \"%s\": the rest was not recognised")
      :format(name, show(f.words or ""))
  elseif f.match == "implied" then
    text = ("read as evidence of %s, which the record does not name (implied by the medicine %s)")
      :format(name, name_of(kb, f.via or ""))
  else
    text = ("matched to %s (%s)"):format(name, f.match)
  end
  return f.history and (text .. ", as a past condition") or text
end

-- what a report says of a term it could not screen as it stands: not in
-- the knowledge base, only partly recognised, or named but not the
-- patient's own (denied, a relative's, an allergy, the past); QUOTE
-- writes a piece of input for the format at hand
local CONTEXT = {
  negated = "denied: not screened as the patient's own",
  family = "a relative's, not the patient's: not screened",
  allergy = "an allergy: not screened as the substance itself",
  history = "a past state, not a present one: not screened",
}

function interop.unrecognized_text(u, quote)
  if u.context and CONTEXT[u.context] then
    return ("%s is %s"):format(quote(u.input), CONTEXT[u.context])
  end
  if u.partial then
    return ("%s is only partly recognised: %s is not in the knowledge base")
      :format(quote(u.input), quote(u.term or u.input))
  end
  if u.term then
    return ("%s: %s is not in the knowledge base"):format(quote(u.input), quote(u.term))
  end
  return ("%s is not in the knowledge base"):format(quote(u.input))
end

--- The recognised terms that raise no concern, in one line (ESC writes a
-- piece of input for the format at hand), or nil when there are none.
local RECOGNIZED = "Recognised, no interferon concern in this knowledge base: "
function interop.recognized_text(result, esc)
  local list = result.recognized
  if type(list) ~= "table" or #list == 0 then return nil end
  local parts = {}
  for i, x in ipairs(list) do
    parts[i] = x.name == x.input and esc(x.name) or
      ("%s (%s)"):format(esc(x.name), esc(x.input))
  end
  return RECOGNIZED .. table.concat(parts, ", ")
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
    if interop.web_url(url) then line = line .. " <" .. url .. ">" end
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

local function quoted_md(v) return "\"" .. md(v) .. "\"" end

local function unrecognized_card(result)
  local list = result.unrecognized
  local terms, lines = {}, {}
  for i, u in ipairs(list) do
    terms[i] = show(u.input)
    local sugg = {}
    for j, s in ipairs(u.suggestions or {}) do sugg[j] = md(s) end
    local term = (u.term or u.partial or u.context) and
      (" (" .. interop.unrecognized_text(u, quoted_md) .. ")") or ""
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
  local recognized = interop.recognized_text(result, md)
  if recognized then
    cards[#cards + 1] = { indicator = "info", detail = recognized .. "\n\n" .. footer(result),
      summary = interop.truncate(interop.recognized_text(result, show), SUMMARY_MAX) }
  end
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
  if f.field == "conditions" or f.match == "implied" then return "COND" end
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
  if f.field == "symptoms" or f.field == "phq9" then    -- what was observed
    di.evidence = { { code = { { text = show(f.input) } } } }
  elseif f.match == "implied" then
    di.evidence = { { code = { { text = ("Implied by the medicine %s (\"%s\")")
      :format(name_of(kb, f.via or ""), show(f.input)) } } } }
    di.implicated = { { display = show(f.input) } }
  else
    di.implicated = { { display = show(f.input) } }
  end
  if f.action then di.mitigation = { { action = { text = show(f.action) } } } end
  for _, id in ipairs(f.sources or {}) do
    local _, url = citation(kb, id)
    if interop.web_url(url) then                -- never javascript: or data:
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
    local what = (u.term or u.partial or u.context) and
      interop.unrecognized_text(u, function(v) return "\"" .. show(v) .. "\"" end) or
      ("\"%s\" is not in the knowledge base"):format(show(u.input))
    issues[#issues + 1] = { severity = "warning", code = "not-found",
      diagnostics = ("%s: %s and was not screened%s")
        :format(show(u.field), what, #sugg > 0 and
          (" (did you mean " .. table.concat(sugg, ", ") .. "?)") or "") }
  end
  local recognized = interop.recognized_text(result, show)
  if recognized then issues[#issues + 1] = info(recognized .. ".") end
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

return interop
