--- The clinical review sheet: every entry of a knowledge base on one
-- standalone HTML page, grouped by kind, with its severity, action,
-- evidence, sources and codes, the knowledge base's version and checksum,
-- and a sign-off block for the reviewer.  Every string goes through
-- core.html_escape; nothing reads a clock, so the same knowledge base
-- always gives the same bytes.  `make review` writes build/review.html;
-- run as a script, `lua5.4 lua/interferon/review.lua OUT [KB FILE]...`.
-- @module interferon.review
local core = require("interferon.core")
local schema = require("interferon.schema")
local util = require("interferon.util")

local review = {}

local h = core.html_escape

local function text(v) return h(core.text_clean(tostring(v))) end

-- the items of a list field of an entry (a read-only list), escaped
local function items(list)
  local out = {}
  for i, v in util.ipairs(list or {}) do out[i] = text(v) end
  return out
end

local HEAD = [[
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font: 10pt/1.4 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1a1a1a;
  margin: 0 auto; padding: 12px; max-width: 280mm; }
h1 { font-size: 18pt; margin: 0 0 6px; }
h2 { font-size: 13pt; margin: 24px 0 6px; border-bottom: 1px solid #bbb; break-after: avoid; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #999; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
tr { break-inside: avoid; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 8pt;
  font-weight: bold; text-transform: uppercase; color: #fff; white-space: nowrap;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.critical { background: #8b0000; } .high { background: #c62828; }
.moderate { background: #e08a00; } .low { background: #2e7d9a; } .info { background: #666; }
.id, code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; word-break: break-all; }
.muted { color: #555; font-size: 8pt; }
.signoff { margin-top: 28px; border: 2px solid #1a1a1a; padding: 10px 14px; break-inside: avoid; }
.signoff p.line { margin: 22px 0 0; border-bottom: 1px solid #1a1a1a; height: 1.4em; }
.signoff p.line span { background: #fff; padding-right: 8px; }
</style>
</head>
<body>
]]

local FOOT = "</body>\n</html>\n"

-- the entry's descriptive fields beyond name, summary and note, as lines
local DETAILS = {
  { "synonyms", "Also called" }, { "class", "Class" }, { "members", "Members" },
  { "implies", "Implies" }, { "frequency", "Frequency" }, { "patient_flag", "Patient flag" },
  { "type", "Type" }, { "used_for_leukemia", "Used for leukemia" }, { "usual", "Usual route" },
}

local function entry_cell(e)
  local out = { ("<strong>%s</strong><br><span class=\"id\">%s</span>"):format(text(e.name),
    text(e.id)) }
  if e.summary then out[#out + 1] = "<br>" .. text(e.summary) end
  if e.note then out[#out + 1] = "<br><em>Note:</em> " .. text(e.note) end
  for _, d in ipairs(DETAILS) do
    local v = e[d[1]]
    if v ~= nil then
      local shown = type(v) == "boolean" and (v and "yes" or "no") or
        (type(v) == "string" and text(v:gsub("_", " "))) or table.concat(items(v), ", ")
      out[#out + 1] = ('<br><span class="muted">%s: %s</span>'):format(d[2], shown)
    end
  end
  return table.concat(out)
end

local function entry_row(e)
  local sev = e.severity and ('<span class="badge %s">%s</span>'):format(text(e.severity),
    text(e.severity)) or '<span class="muted">none</span>'
  local src = {}
  for i, id in ipairs(items(e.sources)) do src[i] = ('<span class="id">%s</span>'):format(id) end
  return ("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
    :format(entry_cell(e), sev, e.action and text(e.action) or "",
      e.evidence and text(e.evidence) or '<span class="muted">not given</span>',
      table.concat(src, "<br>"), table.concat(items(e.codes), ", "))
end

-- a reference entry as a citation
local function reference_row(r)
  local cite = text(r.title)
  if r.author then cite = text((r.author:gsub("%.$", ""))) .. ". " .. cite end
  if r.year then cite = cite .. " (" .. text(r.year) .. ")" end
  if r.publisher then cite = cite .. ". " .. text(r.publisher) end
  local more = {}
  if r.url then more[#more + 1] = "<code>" .. text(r.url) .. "</code>" end
  if r.retrieved then more[#more + 1] = "retrieved " .. text(r.retrieved) end
  if r.note then more[#more + 1] = "<em>Note:</em> " .. text(r.note) end
  return ('<tr><td><span class="id">%s</span></td><td>%s%s</td></tr>'):format(
    text(r.id), cite, #more > 0 and ("<br>" .. table.concat(more, "<br>")) or "")
end

local function kind_section(out, kind, entries)
  out[#out + 1] = ('<h2 id="%s">%s (%d)</h2>'):format(text(kind), text(kind:gsub("_", " ")),
    #entries)
  out[#out + 1] = "<table>"
  if kind == "reference" then
    out[#out + 1] = "<thead><tr><th>Id</th><th>Citation</th></tr></thead>"
  else
    out[#out + 1] = "<thead><tr><th>Entry</th><th>Severity</th><th>Action</th>" ..
      "<th>Evidence</th><th>Sources</th><th>Codes</th></tr></thead>"
  end
  out[#out + 1] = "<tbody>"
  for _, e in ipairs(entries) do
    out[#out + 1] = kind == "reference" and reference_row(e) or entry_row(e)
  end
  out[#out + 1] = "</tbody>\n</table>"
end

local SIGNOFF = [[
<section class="signoff">
<h2>Sign-off</h2>
<p>I have reviewed every entry of knowledge base %s (checksum <code>%s</code>)
listed above: its severity, action, evidence, sources and codes.</p>
<p>Changes requested (entry id and change), or "none":</p>
<p class="line"><span></span></p>
<p class="line"><span></span></p>
<p class="line"><span>Reviewer's name:</span></p>
<p class="line"><span>Role and registration:</span></p>
<p class="line"><span>Date:</span></p>
<p class="line"><span>Signature:</span></p>
</section>
]]

--- The review sheet of a knowledge base, as a standalone HTML page.
-- @tparam table kb a knowledge base (`interferon.load` or `interferon.default`)
-- @treturn string the page
-- @raise `bad argument #1 to 'html' (knowledge base expected, got ...)`
function review.html(kb)
  if (type(kb) ~= "table" and type(kb) ~= "userdata") or
      not pcall(function() return kb.checksum .. kb.version end) then
    error(("bad argument #1 to 'html' (knowledge base expected, got %s)"):format(type(kb)), 2)
  end
  local title = "Interferon knowledge base " .. text(kb.version) .. ": clinical review sheet"
  local head = HEAD:gsub("@TITLE@", function() return title end)
  local out = { head, "<h1>" .. title .. "</h1>", '<dl class="facts">',
    ("<dt>Version</dt><dd>%s</dd>"):format(text(kb.version)),
    ("<dt>Checksum</dt><dd><code>%s</code> (SHA-256 of the loaded files)</dd>")
      :format(text(kb.checksum)) }
  local groups, contents, kinds = {}, {}, {}
  for _, kind in ipairs(schema.KINDS) do     -- the references last
    if kind ~= "reference" then kinds[#kinds + 1] = kind end
  end
  kinds[#kinds + 1] = "reference"
  for _, kind in ipairs(kinds) do
    local entries = kb:list(kind)
    if #entries > 0 then
      groups[#groups + 1] = { kind, entries }
      contents[#contents + 1] = ('<a href="#%s">%s</a> %d'):format(text(kind),
        text(kind:gsub("_", " ")), #entries)
    end
  end
  out[#out + 1] = ("<dt>Entries</dt><dd>%d: %s</dd>\n</dl>"):format(#kb:list(),
    table.concat(contents, ", "))
  out[#out + 1] = "<p>Every entry as the screening uses it, grouped by kind and ordered by " ..
    "id. An entry with a severity raises a finding at that level when a patient's term " ..
    "resolves to it; sources are reference ids, cited in full under <em>reference</em> " ..
    "at the end.</p>"
  for _, g in ipairs(groups) do kind_section(out, g[1], g[2]) end
  out[#out + 1] = SIGNOFF:format(text(kb.version), text(kb.checksum))
  out[#out + 1] = FOOT
  return table.concat(out, "\n")
end

--- Writes the review sheet of the bundled knowledge base (with the
-- knowledge-base FILES layered on it) to PATH, through a temporary file
-- renamed over PATH when whole.
-- @tparam string path where to write
-- @tparam[opt] {string,...} files knowledge-base files to layer
-- @treturn true
-- @return[2] nil when a file cannot be loaded or PATH cannot be written
-- @treturn[2] string the message
function review.write(path, files)
  local interferon = require("interferon")
  local kb, err = interferon.load(files or {})
  if not kb then return nil, err end
  local page = review.html(kb)
  local tmp = path .. ".tmp"
  local f, oerr = io.open(tmp, "wb")
  if not f then return nil, ("%s:1:1: cannot write file: %s"):format(path, tostring(oerr)) end
  local ok, werr = f:write(page)
  if ok then ok, werr = f:close() else f:close() end
  if ok then ok, werr = os.rename(tmp, path) end
  if not ok then
    os.remove(tmp)
    return nil, ("%s:1:1: cannot write file: %s"):format(path, tostring(werr))
  end
  return true
end

-- run as a script (not required as a module): write the sheet
if not pcall(debug.getlocal, 4, 1) then
  local args = arg or {}
  if not args[1] then
    io.stderr:write("usage: review.lua OUT.html [KB FILE]...\n")
    os.exit(2)
  end
  local files = {}
  for i = 2, #args do files[#files + 1] = args[i] end
  local ok, err = review.write(args[1], files)
  if not ok then
    io.stderr:write("review: ", err, "\n")
    os.exit(2)
  end
  io.stdout:write("review sheet: ", args[1], "\n")
end

return review
