--- Reports: a screening or symptom result as text for a terminal, Markdown,
-- JSON or a standalone HTML page.  Presentation only: every string that
-- came from input goes through the C escapes (core.text_clean,
-- core.html_escape, core.json_encode), and nothing here reads a clock, so
-- the same result always gives the same bytes.
-- @module interferon.report
local core = require("interferon.core")
local schema = require("interferon.schema")
local interop = require("interferon.interop")
local txt = require("interferon.text")

local report = {}

--- The tag every JSON report carries; bumped when its shape changes.
report.SCHEMA = "interferon.screening/1"
--- The tag of a JSON line that stands for a record that could not be read.
report.ERROR_SCHEMA = "interferon.error/1"

--- The formats there are, in alphabetical order.
report.FORMATS = { "cds-hooks", "fhir", "html", "json", "markdown", "text" }

--- What a symptom report tells the reader about symptoms it does not list.
report.SYMPTOM_ADVICE = "A symptom this knowledge base does not list is not known " ..
  "to be harmless: report every new or worsening symptom to the care team."

local SEVERITIES = schema.SEVERITIES
local PATIENT_KEYS = { "id", "sex", "age", "pregnant", "breastfeeding" }
local OBJECT = { __json = "object" }     -- an empty table that JSON writes as {}

local show, width, wrap, md = txt.show, txt.width, txt.wrap, txt.md

local function pad(s, n) return s .. (" "):rep(n - width(s)) end

local function short_source(id) return (id:gsub("^reference%.", "")) end

-- "roster.yaml, record 3" for a record of a stream, or nil
local function origin(meta)
  if not meta or not meta.source then return nil end
  return meta.record and ("%s, record %d"):format(meta.source, meta.record) or meta.source
end

-- the patient described in one line: "MRN-1, female, 41, pregnant"
local function patient_line(p)
  if not p then return nil end
  local parts = {}
  if p.id then parts[#parts + 1] = show(p.id) end
  if p.sex then parts[#parts + 1] = show(p.sex) end
  if p.age then parts[#parts + 1] = "age " .. show(p.age) end
  if p.pregnant ~= nil then parts[#parts + 1] = p.pregnant and "pregnant" or "not pregnant" end
  if p.breastfeeding ~= nil then
    parts[#parts + 1] = p.breastfeeding and "breastfeeding" or "not breastfeeding"
  end
  return #parts > 0 and table.concat(parts, ", ") or "no details given"
end

local function counts_line(result)
  local parts = {}
  for _, level in ipairs(SEVERITIES) do
    parts[#parts + 1] = ("%d %s"):format(result.counts[level] or 0, level)
  end
  local n = #result.findings
  return ("%d finding%s (%s), %d not recognised"):format(n, n == 1 and "" or "s",
    table.concat(parts, ", "), #result.unrecognized)
end

-- what the report says of a term it could not screen as it stands
local unrecognized_text = interop.unrecognized_text

-- how a finding's term matched, for the reader: "", ", approximate",
-- ", partial: \"depression\"", ", history"
local function match_note(f, quote)
  local note = f.match == "exact" and "" or (", " .. f.match)
  if f.match == "partial" and f.words then note = note .. ": " .. quote(f.words) end
  if f.history then note = note .. ", history" end
  if f.match == "implied" and f.via then note = note .. " by " .. quote(f.via) end
  return note
end

-- the recognised terms that raise nothing, in one line, or nil
local recognized_text = interop.recognized_text

-- what a report with no finding says instead of a bare "clear": nothing in
-- this knowledge base was found, and, for a screening, the baseline checks
-- the labels call for (from the KB's advice.baseline_checks, when it has it)
local NOTHING_FOUND = "nothing found"
local function nothing_found_text(result, kb)
  if result.status ~= "clear" then return nil end
  local advice = result.type ~= "symptoms" and kb and kb:get("advice.baseline_checks")
  return "Nothing in this knowledge base was found; this is not a statement that " ..
    "interferon is safe." .. (advice and advice.summary and (" " .. advice.summary) or "")
end

local function heading(result)
  if result.type == "phq9" then return "PHQ-9 depression screen" end
  return result.type == "symptoms" and "Interferon symptom check" or "Interferon screening"
end

-- whether the result is about a patient record (not symptoms, not a PHQ-9)
local function has_patient(result)
  return result.type ~= "symptoms" and result.type ~= "phq9"
end

-- a PHQ-9 result's score in one line, or nil for another result
local function score_line(result)
  if result.type ~= "phq9" then return nil end
  local items = {}
  for i, v in ipairs(result.items or {}) do items[i] = show(v) end
  return ("total %s of 27, %s (items %s)"):format(show(result.total), show(result.band),
    table.concat(items, " "))
end

-- the reference ids the findings cite, in order of first citation
local function cited_sources(result)
  local seen, list = {}, {}
  for _, f in ipairs(result.findings) do
    for _, id in ipairs(f.sources or {}) do
      if not seen[id] then
        seen[id] = true
        list[#list + 1] = id
      end
    end
  end
  return list
end

-- a reference as one line of text, from KB when it has the entry, and
-- its URL apart
local citation_parts = interop.citation

local function citation(kb, id)
  local r = kb and kb:get(id)
  return r and (txt.citation(r, true)) or id
end

-- ------------------------------------------------------------------------
-- text
-- ------------------------------------------------------------------------

local COLORS = { critical = "1;31", high = "31", moderate = "33", low = "36", info = "2",
  unknown = "35", review = "1;33", clear = "1;32" }
local LABEL = 10       -- the severity column

local function paint(opts, key, s)
  if not opts.color then return s end
  return ("\27[%sm%s\27[0m"):format(COLORS[key] or COLORS.unknown, s)
end

local function text_quote(v) return "\"" .. show(v) .. "\"" end

local function text_finding(out, f, opts)
  local label = pad(show(f.severity):upper(), LABEL)
  local match = match_note(f, text_quote)
  out[#out + 1] = paint(opts, f.severity, label) .. wrap(("%s  [%s: \"%s\" -> %s%s]")
    :format(show(f.title), show(f.field), show(f.input), show(f.matched), match),
    78, (" "):rep(LABEL))
  local indent = (" "):rep(LABEL)
  local function add(text) out[#out + 1] = indent .. wrap(text, 78, indent) end
  if f.message then add(show(f.message)) end
  if f.action then add("Action: " .. show(f.action)) end
  if f.frequency then add("Frequency: " .. show(f.frequency):gsub("_", " ")) end
  local src = {}
  for i, id in ipairs(f.sources or {}) do src[i] = short_source(show(id)) end
  add("Sources: " .. table.concat(src, ", "))
end

local function text_body(result, opts, meta)
  local out = {}
  local status = result.status == "clear" and "clear" or "review"
  local label = status == "clear" and NOTHING_FOUND or status
  out[1] = ("%s: %s"):format(heading(result), paint(opts, status, label:upper()))
  if origin(meta) then out[#out + 1] = "Record:   " .. show(origin(meta)) end
  if has_patient(result) then out[#out + 1] = "Patient:  " .. patient_line(result.patient) end
  if score_line(result) then out[#out + 1] = "Score:    " .. score_line(result) end
  out[#out + 1] = "Summary:  " .. counts_line(result)
  out[#out + 1] = ""
  local nothing = nothing_found_text(result, opts.kb)
  if nothing then out[#out + 1] = wrap(show(nothing), 78, "") end
  for _, f in ipairs(result.findings) do text_finding(out, f, opts) end
  for _, u in ipairs(result.unrecognized) do
    local sugg = {}
    for i, s in ipairs(u.suggestions or {}) do sugg[i] = show(s) end
    out[#out + 1] = paint(opts, "unknown", pad("UNKNOWN", LABEL)) ..
      wrap(("%s: %s%s"):format(show(u.field), unrecognized_text(u, text_quote),
        #sugg > 0 and (" (did you mean " .. table.concat(sugg, ", ") .. "?)") or ""),
        78, (" "):rep(LABEL))
  end
  local recognized = recognized_text(result, show)
  if recognized then out[#out + 1] = wrap(recognized, 78, "") end
  if #result.findings + #result.unrecognized > 0 or recognized then out[#out + 1] = "" end
  if result.type == "symptoms" then
    out[#out + 1] = wrap(report.SYMPTOM_ADVICE, 78, "")
  end
  out[#out + 1] = ("Knowledge base %s, checksum %s"):format(show(result.kb.version),
    show(result.kb.checksum))
  out[#out + 1] = wrap(show(result.notice), 78, "")
  return table.concat(out, "\n") .. "\n"
end

-- ------------------------------------------------------------------------
-- markdown
-- ------------------------------------------------------------------------

-- a reference's citation in Markdown: an http(s) URL as an explicit link
local function md_citation(kb, id)
  local cite, url = citation_parts(kb, id)
  if interop.web_url(url) then return md(cite) .. " <" .. url .. ">" end
  return url and (md(cite) .. " " .. md(url)) or md(cite)
end

local function md_quote(v) return "\"" .. md(v) .. "\"" end

local function markdown_body(result, opts, meta)
  local status = result.status == "clear" and NOTHING_FOUND or "review"
  local out = { ("# %s: %s"):format(heading(result), status), "" }
  local nothing = nothing_found_text(result, opts.kb)
  if origin(meta) then out[#out + 1] = "- Record: " .. md(origin(meta)) end
  if has_patient(result) then
    out[#out + 1] = "- Patient: " .. md(patient_line(result.patient))
  end
  if score_line(result) then out[#out + 1] = "- Score: " .. md(score_line(result)) end
  out[#out + 1] = "- Summary: " .. md(counts_line(result))
  out[#out + 1] = ""
  if nothing then
    out[#out + 1] = md(nothing)
    out[#out + 1] = ""
  end
  if #result.findings > 0 then
    out[#out + 1] = "## Findings"
    out[#out + 1] = ""
    out[#out + 1] = "| Severity | Finding | Patient's term | Matched | Action | Sources |"
    out[#out + 1] = "|---|---|---|---|---|---|"
    for _, f in ipairs(result.findings) do
      local src = {}
      for i, id in ipairs(f.sources or {}) do src[i] = md(short_source(id)) end
      out[#out + 1] = ("| **%s** | %s: %s | %s: %s | %s (%s) | %s | %s |"):format(
        md(f.severity), md(f.title), md(f.message or ""), md(f.field), md(f.input),
        md(f.matched), md(f.match) .. match_note(f, md_quote):gsub("^, [%w]+", ""),
        md(f.action or ""), table.concat(src, ", "))
    end
    out[#out + 1] = ""
  end
  if #result.unrecognized > 0 then
    out[#out + 1] = "## Not recognised"
    out[#out + 1] = ""
    for _, u in ipairs(result.unrecognized) do
      local sugg = {}
      for i, s in ipairs(u.suggestions or {}) do sugg[i] = md(s) end
      local note = (u.partial or u.context or u.term) and (": " .. unrecognized_text(u, md_quote))
      out[#out + 1] = ("- %s: %s%s%s"):format(md(u.field), md(u.input), note or "",
        #sugg > 0 and (" (did you mean " .. table.concat(sugg, ", ") .. "?)") or "")
    end
    out[#out + 1] = ""
  end
  local recognized = recognized_text(result, md)
  if recognized then
    out[#out + 1] = recognized
    out[#out + 1] = ""
  end
  if result.type == "symptoms" then
    out[#out + 1] = md(report.SYMPTOM_ADVICE)
    out[#out + 1] = ""
  end
  local sources = cited_sources(result)
  if #sources > 0 then
    out[#out + 1] = "## Sources"
    out[#out + 1] = ""
    for _, id in ipairs(sources) do
      out[#out + 1] = ("- %s: %s"):format(md(short_source(id)), md_citation(opts.kb, id))
    end
    out[#out + 1] = ""
  end
  out[#out + 1] = ("Knowledge base %s, checksum `%s`"):format(md(result.kb.version),
    show(result.kb.checksum):gsub("`", ""))
  out[#out + 1] = ""
  out[#out + 1] = "> " .. md(result.notice)
  return table.concat(out, "\n") .. "\n"
end

-- ------------------------------------------------------------------------
-- JSON
-- ------------------------------------------------------------------------

--- The JSON document of a result, as a Lua table (its shape is documented
-- in the README, "JSON report").
-- @tparam table result a result of `screen` or `check_symptoms`
-- @tparam[opt] table meta `{ source = FILE, record = N }`
-- @treturn table the document, ready for `core.json_encode`
function report.json_document(result, meta)
  local doc = {
    schema = report.SCHEMA, type = result.type or "screening", status = result.status,
    notice = result.notice,
    kb = { version = result.kb.version, checksum = result.kb.checksum },
    counts = {},
  }
  for _, level in ipairs(SEVERITIES) do doc.counts[level] = result.counts[level] or 0 end
  doc.counts.recognized = result.recognized and #result.recognized or 0
  if doc.type == "symptoms" then
    doc.advice = report.SYMPTOM_ADVICE
  elseif doc.type == "phq9" then
    doc.items, doc.total, doc.band = result.items, result.total, result.band
  else
    doc.patient = setmetatable({}, OBJECT)
    for _, k in ipairs(PATIENT_KEYS) do doc.patient[k] = (result.patient or {})[k] end
  end
  -- the findings and unrecognised terms are written as the result holds
  -- them (screening builds them with exactly the documented keys):
  -- copying each one would cost as much as encoding it
  doc.findings, doc.unrecognized = result.findings, result.unrecognized
  doc.recognized = result.recognized or {}
  if meta and meta.source then doc.record = { file = meta.source, number = meta.record } end
  return doc
end

local function json_body(result, _, meta)
  return core.json_encode(report.json_document(result, meta)) .. "\n"
end

-- ------------------------------------------------------------------------
-- HTML
-- ------------------------------------------------------------------------

local h = core.html_escape

local function hs(v) return h(show(v)) end
local function html_quote(v) return "&quot;" .. hs(v) .. "&quot;" end

local HTML_HEAD = [[
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Interferon screening report</title>
<style>
@page { size: A4; margin: 16mm 14mm; }
body { font: 11pt/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a;
  max-width: 190mm; margin: 0 auto; padding: 12px; }
section.report + section.report { break-before: page; margin-top: 32px; }
h1 { font-size: 18pt; margin: 0 0 4px; }
h2 { font-size: 13pt; margin: 20px 0 6px; border-bottom: 1px solid #bbb; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 9pt;
  font-weight: bold; text-transform: uppercase; color: #fff; white-space: nowrap;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.critical { background: #8b0000; } .high { background: #c62828; }
.moderate { background: #e08a00; } .low { background: #2e7d9a; } .info { background: #666; }
.unknown { background: #6a3d9a; } .review { background: #c62828; } .clear { background: #2e7d32; }
.term { font-family: "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
.muted { color: #555; font-size: 9pt; }
.notice { border: 2px solid #1a1a1a; padding: 8px 10px; margin-top: 18px; font-weight: bold; }
.advice { border-left: 4px solid #e08a00; padding: 4px 10px; }
code { font-size: 9pt; word-break: break-all; }
</style>
</head>
<body>
]]

local HTML_FOOT = "</body>\n</html>\n"

-- the badge classes the style sheet has: any other (a severity a caller
-- made up) is shown as unknown, never written into the attribute
local BADGE = { critical = true, high = true, moderate = true, low = true, info = true,
  unknown = true, review = true, clear = true }

local function badge(class, text)
  return ('<span class="badge %s">%s</span>'):format(BADGE[class] and class or "unknown",
    hs(text))
end

local function html_facts(out, result, meta)
  out[#out + 1] = '<dl class="facts">'
  local function fact(k, v) out[#out + 1] = ("<dt>%s</dt><dd>%s</dd>"):format(k, v) end
  if origin(meta) then fact("Record", hs(origin(meta))) end
  if score_line(result) then fact("Score", hs(score_line(result))) end
  if has_patient(result) then
    local p = result.patient or {}
    fact("Patient", p.id and ('<span class="term">' .. hs(p.id) .. "</span>") or "not given")
    if p.sex then fact("Sex", hs(p.sex)) end
    if p.age then fact("Age", hs(p.age)) end
    if p.pregnant ~= nil then fact("Pregnant", hs(p.pregnant)) end
    if p.breastfeeding ~= nil then fact("Breastfeeding", hs(p.breastfeeding)) end
  end
  local counts = {}
  for _, level in ipairs(SEVERITIES) do
    counts[#counts + 1] = badge(level, ("%s %d"):format(level, result.counts[level] or 0))
  end
  counts[#counts + 1] = badge("unknown", ("not recognised %d"):format(#result.unrecognized))
  fact("Summary", table.concat(counts, " "))
  out[#out + 1] = "</dl>"
end

local function html_findings(out, result)
  if #result.findings == 0 then
    out[#out + 1] = "<h2>Findings</h2>\n<p>No finding.</p>"
    return
  end
  out[#out + 1] = "<h2>Findings</h2>\n<table>\n<thead><tr><th>Severity</th>" ..
    "<th>Patient's term</th><th>Matched</th><th>Concern and action</th>" ..
    "<th>Sources</th></tr></thead>\n<tbody>"
  for _, f in ipairs(result.findings) do
    local src = {}
    for i, id in ipairs(f.sources or {}) do src[i] = hs(short_source(id)) end
    out[#out + 1] = ("<tr><td>%s</td><td><span class=\"muted\">%s</span><br>" ..
      "<span class=\"term\">%s</span></td>" ..
      "<td><strong>%s</strong><br><span class=\"muted\">%s (%s)</span></td>" ..
      "<td>%s%s%s</td><td class=\"muted\">%s</td></tr>"):format(
      badge(f.severity, f.severity), hs(f.field), hs(f.input), hs(f.title), hs(f.matched),
      hs(f.match) .. match_note(f, html_quote):gsub("^, [%w]+", ""), hs(f.message or ""),
      f.action and ("<br><em>Action:</em> " .. hs(f.action)) or "",
      f.frequency and ("<br><em>Frequency:</em> " .. hs((f.frequency:gsub("_", " ")))) or "",
      table.concat(src, ", "))
  end
  out[#out + 1] = "</tbody>\n</table>"
end

local function html_unrecognized(out, result)
  if #result.unrecognized == 0 then return end
  out[#out + 1] = "<h2>Not recognised</h2>\n<table>\n<thead><tr><th></th><th>Field</th>" ..
    "<th>Patient's term</th><th>Did you mean</th></tr></thead>\n<tbody>"
  for _, u in ipairs(result.unrecognized) do
    local sugg = {}
    for i, s in ipairs(u.suggestions or {}) do sugg[i] = hs(s) end
    local note = (u.partial or u.context) and
      ('<br><span class="muted">' .. unrecognized_text(u, html_quote) .. "</span>") or ""
    out[#out + 1] = ("<tr><td>%s</td><td>%s</td><td class=\"term\">%s%s</td><td>%s</td></tr>")
      :format(badge("unknown", "unknown"), hs(u.field), hs(u.input), note,
        table.concat(sugg, ", "))
  end
  out[#out + 1] = "</tbody>\n</table>"
end

local function html_recognized(out, result)
  local recognized = recognized_text(result, hs)
  if recognized then out[#out + 1] = "<p>" .. recognized .. "</p>" end
end

local function html_body(result, opts, meta)
  local status = result.status == "clear" and "clear" or "review"
  local out = { '<section class="report">',
    ("<h1>%s %s</h1>"):format(h(heading(result)),
      badge(status, status == "clear" and NOTHING_FOUND or status)) }
  html_facts(out, result, meta)
  local nothing = nothing_found_text(result, opts.kb)
  if nothing then out[#out + 1] = '<p class="advice">' .. hs(nothing) .. "</p>" end
  html_findings(out, result)
  html_unrecognized(out, result)
  html_recognized(out, result)
  if result.type == "symptoms" then
    out[#out + 1] = '<p class="advice">' .. h(report.SYMPTOM_ADVICE) .. "</p>"
  end
  local sources = cited_sources(result)
  if #sources > 0 then
    out[#out + 1] = "<h2>Sources</h2>\n<ul>"
    for _, id in ipairs(sources) do
      out[#out + 1] = ("<li><strong>%s</strong>: %s</li>"):format(hs(short_source(id)),
        hs(citation(opts.kb, id)))
    end
    out[#out + 1] = "</ul>"
  end
  out[#out + 1] = ('<p class="muted">Knowledge base %s, checksum <code>%s</code></p>')
    :format(hs(result.kb.version), hs(result.kb.checksum))
  out[#out + 1] = '<p class="notice">' .. hs(result.notice) .. "</p>"
  out[#out + 1] = "</section>"
  return table.concat(out, "\n") .. "\n"
end

-- ------------------------------------------------------------------------
-- records that could not be read (patient streams)
-- ------------------------------------------------------------------------

local ERROR = {
  text = function(message, opts)
    return paint(opts, "critical", pad("ERROR", LABEL)) .. show(message) .. "\n"
  end,
  markdown = function(message)
    return "# Record not screened\n\n**Error:** " .. md(message) .. "\n"
  end,
  json = function(message, _, meta)
    return core.json_encode({ schema = report.ERROR_SCHEMA, error = message,
      record = meta and { file = meta.source, number = meta.record } or nil }) .. "\n"
  end,
  html = function(message)
    return '<section class="report">\n<h1>Record not screened ' .. badge("critical", "error") ..
      "</h1>\n<p class=\"term\">" .. hs(message) .. "</p>\n</section>\n"
  end,
  ["cds-hooks"] = interop.cds_hooks_error,     -- interop.lua: CDS Hooks and FHIR
  fhir = interop.fhir_error,
}

-- ------------------------------------------------------------------------
-- the public functions
-- ------------------------------------------------------------------------

local FORMATS = {
  text = { head = "", body = text_body, sep = "\n", foot = "" },
  markdown = { head = "", body = markdown_body, sep = "\n---\n\n", foot = "" },
  json = { head = "", body = json_body, sep = "", foot = "" },
  html = { head = HTML_HEAD, body = html_body, sep = "", foot = HTML_FOOT },
  ["cds-hooks"] = { head = "", body = interop.cds_hooks_body, sep = "", foot = "" },
  fhir = { head = "", body = interop.fhir_body, sep = "", foot = "" },
}

local function check_format(format, level)
  if type(format) ~= "string" then
    error(("bad argument #2 to 'report' (string expected, got %s)"):format(type(format)),
      level + 1)
  end
  if not FORMATS[format] then
    error(("bad argument #2 to 'report' (unknown format '%s': the formats are %s)")
      :format(format, table.concat(report.FORMATS, ", ")), level + 1)
  end
  return FORMATS[format]
end

local function check_result(result, level)
  if type(result) ~= "table" or type(result.findings) ~= "table" or
      type(result.unrecognized) ~= "table" or type(result.kb) ~= "table" then
    error(("bad argument #1 to 'report' (screening or symptom result expected, got %s)")
      :format(type(result)), level + 1)
  end
end

local function check_opts(opts, level)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #3 to 'report' (table expected, got %s)"):format(type(opts)),
      level + 1)
  end
  return opts or {}
end

--- Formats one result.
-- @tparam table result a result of `screen` or `check_symptoms`
-- @tparam string format one of `report.FORMATS`
-- @tparam[opt] table opts `color` (text: ANSI colours), `kb` (the knowledge
-- base the result came from: sources are cited in full), `source` and
-- `record` (where the patient came from)
-- @treturn string the report
-- @raise `bad argument #2 to 'report' (unknown format ...)`, `bad argument #1`
-- when RESULT is not a result, `bad argument #3` when OPTS is not a table
function report.render(result, format, opts)
  local f = check_format(format, 2)
  check_result(result, 2)
  opts = check_opts(opts, 2)
  local meta = opts.source and { source = opts.source, record = opts.record } or nil
  return f.head .. f.body(result, opts, meta) .. f.foot
end

--- A writer for a report of many records.  Its methods `w:head()`,
-- `w:body(result, meta)`, `w:error(message, meta)` and `w:foot()` each
-- return the string to write; META is `{ source = FILE, record = N }`.
-- @tparam string format one of `report.FORMATS`
-- @tparam[opt] table opts as for `render`
-- @treturn table the writer
-- @raise as `render` does, for FORMAT and OPTS
function report.writer(format, opts)
  local f = check_format(format, 2)
  opts = check_opts(opts, 2)
  local n = 0
  local w = {}
  local function next_sep()
    n = n + 1
    return n > 1 and f.sep or ""
  end
  function w.head() return f.head end
  function w.body(_, result, meta)
    check_result(result, 2)
    return next_sep() .. f.body(result, opts, meta)
  end
  function w.error(_, message, meta)
    local render = ERROR[format]
    return next_sep() .. render(message, opts, meta)
  end
  function w.foot() return f.foot end
  return w
end

return report
