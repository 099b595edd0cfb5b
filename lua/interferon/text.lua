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

--- A value as Markdown text: never markup, never a table break (`<`, `>`
-- and `&` as references, every other Markdown character backslashed).
function text.md(v)
  return (text.show(v):gsub("[&<>]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;" })
    :gsub("[\\`*_%[%]|~#!]", "\\%0"))
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
