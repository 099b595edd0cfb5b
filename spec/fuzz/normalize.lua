--- Fuzz harness: the normaliser (core.normalize, both modes) and the term
-- index and phrase reader (kb:lookup and kb:screen on every list field).
-- A normalised term is at most 255 bytes of single-spaced words with no
-- upper-case ASCII, and normalising it again changes nothing; every input
-- is accounted for (a finding's, recognised, or unrecognised).
local core = require("interferon.core")
local interferon = require("interferon")

local kb = interferon.default()

local function check(term, mode)
  local n = core.normalize(term, mode)
  if n == nil then return end
  if #n > 255 then error("normalised term longer than 255 bytes") end
  if n:find("^ ") or n:find(" $") or n:find("  ") or n:find("%u") then
    error(("badly normalised %q -> %q"):format(term, n))
  end
  if mode == "plain" and core.normalize(n) ~= n then
    error(("normalising twice changes %q"):format(n))
  end
end

return function(text)
  check(text, "plain")
  check(text, "medication")
  kb:lookup(text)
  local result, err = kb:screen({ conditions = { text }, medications = { text },
    supplements = { text }, symptoms = { text } })
  if result == nil and type(err) ~= "string" then error("screen gave no message") end
  if result then
    for _, u in ipairs(result.unrecognized) do
      if u.input ~= text then error("unrecognised input changed") end
    end
    -- every input accounted for: a finding's, recognised, or unrecognised
    local seen = {}
    for _, f in ipairs(result.findings) do seen[f.field] = true end
    for _, x in ipairs(result.recognized) do seen[x.field] = true end
    for _, u in ipairs(result.unrecognized) do seen[u.field] = true end
    for _, field in ipairs({ "conditions", "medications", "supplements", "symptoms" }) do
      if not seen[field] and text:find("%S") then error("input of " .. field .. " lost") end
    end
  end
end
