--- Fuzz harness: report escaping (core.html_escape, core.text_clean,
-- core.term_escape, core.json_encode).  Output is always valid UTF-8, HTML
-- output holds no markup character, cleaned and terminal text no control
-- or bidirectional formatting character (terminal text is the input
-- itself when it has none), and JSON of a valid UTF-8 string reads back as
-- the same string.
local core = require("interferon.core")

if not core.html_escape then        -- escape.c not in this build
  return function() end
end

local function decode_json(json)
  local docs = core.decode(json, "json")
  return docs and docs[1]
end

-- C0 and C1 controls, DEL, and U+061C, U+200E/F, U+202A-E, U+2066-9
local function unsafe(t)
  return t:find("[%z\1-\31\127]") or t:find("\194[\128-\159]") or t:find("\216\156") or
    t:find("\226\128[\142\143\170-\174]") or t:find("\226\129[\166-\169]")
end

return function(s)
  local e = core.term_escape(s)
  if not utf8.len(e) then error("term_escape gave invalid UTF-8") end
  if unsafe(e) then error("a control or bidi character survived term_escape") end
  if utf8.len(s) and not unsafe(s) and e ~= s then error("term_escape changed safe text") end
  local h = core.html_escape(s)
  if not utf8.len(h) then error("html_escape gave invalid UTF-8") end
  if h:find("[<>\"']") then error("markup survived html_escape") end
  local t = core.text_clean(s)
  if not utf8.len(t) then error("text_clean gave invalid UTF-8") end
  if unsafe(t) then error("a control or bidi character survived text_clean") end
  for _, v in ipairs({ { s }, { [s] = s } }) do
    local j = core.json_encode(v)
    if not utf8.len(j) then error("json_encode gave invalid UTF-8") end
    if unsafe(j) then error("a raw control or bidi character in JSON") end
    -- YAML reads U+0085, U+2028 and U+2029 as line breaks and drops
    -- U+FEFF, so only other strings are read back through core.decode
    local yaml_safe = utf8.len(s) and not s:find("\194\133") and
      not s:find("\226\128[\168\169]") and not s:find("\239\187\191")
    local back = yaml_safe and decode_json(j)
    if back and back[1] ~= nil and back[1] ~= s then error("JSON does not read back") end
    if back and back[1] == nil and back[s] ~= s then error("JSON key does not read back") end
  end
end
