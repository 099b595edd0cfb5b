--- Fuzz harness: the knowledge-base compiler.  Each input is an overlay
-- file loaded after spec/fuzz/kb/base.yaml through interferon.load.  It
-- gives a knowledge base or nil and a positioned message; a knowledge
-- base it gives finds every entry by its own name, explains every entry
-- and screens a patient.
local core = require("interferon.core")
local interferon = require("interferon")

local root = os.getenv("INTERFERON_ROOT") or "."
local base = root .. "/spec/fuzz/kb/base.yaml"
local path = os.tmpname()

local function run(text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local kb, err = interferon.load({ base, path }, { bundled = false })
  if kb == nil then
    if type(err) ~= "string" or not err:find("^[^:]+:%d+:%d+: ") then
      error("unpositioned refusal: " .. tostring(err))
    end
    return
  end
  for _, e in ipairs(kb:list()) do
    if kb:get(e.id) ~= e then error("get does not find " .. e.id) end
    if not kb:explain(e.id) then error("explain fails on " .. e.id) end
    local norm = core.normalize(e.name)
    if norm and norm ~= "" then
      local found = kb:lookup(e.name)
      if found ~= e then error(("lookup(%q) does not find %s"):format(e.name, e.id)) end
    end
  end
  local result = kb:screen({ conditions = { "Condition one", "X12.3" },
    medications = { "Brandone 5 mg", "drugone/herb one" }, pregnant = true })
  if not result then error("screening the base patient fails") end
end

return run, function() os.remove(path) end
