--- A clinic intake script: the nurse's answers, given as options, become a
-- patient; the patient is screened and the report printed for the chart.
--
--   lua5.4 examples/intake.lua --id MRN-0107 --sex male --age 63 \
--     --condition "type 2 diabetes" --medication "Ativan 1 mg" --supplement "St John's wort"
-- (with the module installed; from a checkout, after `make`, put
-- LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/lua5.4/?.so;;'
-- before the command, as the README says)
--
-- Exit status: 0 clear, 1 the patient needs review, 2 the answers were refused.
local interferon = require("interferon")

local LISTS = { condition = "conditions", medication = "medications",
  supplement = "supplements", symptom = "symptoms" }
local FLAGS = { pregnant = true, breastfeeding = true }

-- turns "--name value" pairs into a patient table
local function patient_from(args)
  local p = {}
  local i = 1
  while i <= #args do
    local name, value = args[i]:match("^%-%-([%w-]+)$"), args[i + 1]
    if not name or value == nil then return nil, ("cannot read '%s'"):format(args[i]) end
    if LISTS[name] then
      local field = LISTS[name]
      p[field] = p[field] or {}
      table.insert(p[field], value)
    elseif FLAGS[name] then
      p[name] = value == "yes" or value == "true"
    elseif name == "age" then
      p.age = tonumber(value)
    else
      p[name] = value                    -- id, sex; anything else is refused below
    end
    i = i + 2
  end
  return p
end

local p, err = patient_from(arg)
if not p then
  io.stderr:write("intake: ", err, "\n")
  os.exit(2)
end
local result, field
result, err, field = interferon.screen(p)
if not result then
  io.stderr:write(("intake: %s (check the answer for '%s')\n"):format(err, tostring(field)))
  os.exit(2)
end
io.write(interferon.report(result, "text"))
os.exit(result.status == "clear" and 0 or 1)
