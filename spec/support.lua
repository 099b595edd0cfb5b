--- Shared helpers for the specs: temporary files and a tiny KB text.
local support = {}

local made = {}

--- Writes TEXT to a fresh temporary file and returns its path.
function support.tmpfile(text, suffix)
  local path = os.tmpname() .. (suffix or ".yaml")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  made[#made + 1] = path
  return path
end

--- Removes every file tmpfile made.
function support.cleanup()
  for _, p in ipairs(made) do os.remove(p) end
  made = {}
end

--- A minimal valid knowledge base, with ENTRIES (YAML text, indented by
-- two spaces) appended to its entries list.
function support.kb_text(entries)
  return [[
format: interferon-kb/1
version: "t1"
entries:
  - id: reference.r1
    kind: reference
    name: R1
    title: A reference
    sources: [reference.r1]
  - id: condition.c1
    kind: condition
    name: Condition one
    synonyms: [first condition]
    severity: moderate
    codes: [X12]
    sources: [reference.r1]
]] .. (entries or "")
end

return support
