--- Text helpers shared by the reports (report.lua), the CDS Hooks and FHIR
-- output (interop.lua) and `kb:explain`: one definition each, so that the
-- same value is shown the same way in every format.
-- @local
local core = require("interferon.core")

local text = {}

local clean = core.text_clean

--- A value from a result as plain text: strings cleaned (valid UTF-8, no
-- control characters), booleans as "yes"/"no", whole numbers without a
-- fraction or exponent (the same digits on every Lua version).
function text.show(v)
  if type(v) == "boolean" then return v and "yes" or "no" end
  if type(v) == "number" and v % 1 == 0 and math.abs(v) < 2 ^ 53 then
    return ("%.0f"):format(v)
  end
  return clean(tostring(v))
end

--- The display width of a cleaned (valid UTF-8) string: its code points.
function text.width(s)
  return #s - select(2, s:gsub("[\128-\191]", ""))
end

-- whether RUN (text without space, '|' or '`') is one that a Markdown
-- renderer with autolinks (GFM, markdown-it's linkify, commonmark-java,
-- markdig) could make a link of: a scheme and '//', 'www.', an e-mail
-- address, 'mailto:', 'tel:' or 'xmpp:'.  Backslash escapes and entities
-- do not stop every one of them: some link the text once it is decoded.
local function linkish(run)
  local l = run:lower()
  return l:find("%a[%w+.-]*://") or l:find("%f[%w]www%.") or l:find("[%w._+-]@[%w_-]+%.%w") or
    l:find("%f[%w]mailto:") or l:find("%f[%w]tel:") or l:find("%f[%w]xmpp:")
end

--- S as Markdown text: ESCAPE (a function of a string) applied to it,
-- except that a run of it that could become a link goes into a code span
-- instead, where no renderer makes a link and nothing is markup.
-- @tparam string s cleaned text (core.text_clean)
-- @tparam function escape the escape for the rest
-- @treturn string
function text.md_text(s, escape)
  if not (s:find("[:@]") or s:find("[wW][wW][wW]%.")) then return escape(s) end
  local out, pos = {}, 1
  for first, run, last in s:gmatch("()([^%s|`]+)()") do
    out[#out + 1] = escape(s:sub(pos, first - 1))
    out[#out + 1] = linkish(run) and ("`" .. run .. "`") or escape(run)
    pos = last
  end
  out[#out + 1] = escape(s:sub(pos))
  return table.concat(out)
end

-- `<`, `>` and `&` as references, every other Markdown character backslashed
local function md_escape(s)
  return (s:gsub("[&<>]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;" })
    :gsub("[\\`*_%[%]|~#!]", "\\%0"))
end

--- A value as Markdown text: never markup, never a table break, never a
-- link (what a renderer would link goes into a code span).
function text.md(v)
  return text.md_text(text.show(v), md_escape)
end

--- The words of S filled to COLS columns (display width): lines joined
-- with a newline and INDENT, which also counts against COLS; the first
-- line is not indented (the caller writes what goes before it).  Linear:
-- words are collected, not concatenated.
function text.wrap(s, cols, indent)
  local lines, words, used, room = {}, {}, 0, cols - #indent
  for word in s:gmatch("%S+") do
    local w = word:find("[\128-\255]") and text.width(word) or #word
    if used > 0 and used + 1 + w > room then
      lines[#lines + 1] = table.concat(words, " ")
      words, used = {}, 0
    end
    words[#words + 1] = word
    used = used + (used > 0 and 1 or 0) + w
  end
  lines[#lines + 1] = table.concat(words, " ")
  return table.concat(lines, "\n" .. indent)
end

--- A reference entry R cited in one line: "Author. Title (year)", with
-- " URL" after it when WITH_URL is true; the URL (or nil) second.
function text.citation(r, with_url)
  local cite = r.title or r.name
  if r.author then cite = r.author:gsub("%.$", "") .. ". " .. cite end
  if r.year then cite = cite .. " (" .. tostring(r.year) .. ")" end
  if with_url and r.url then cite = cite .. " " .. r.url end
  return cite, r.url
end

return text
