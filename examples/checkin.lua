--- A symptom check-in during therapy: the patient's symptoms, one per
-- argument (or one per line on standard input), checked against the side
-- effects and warnings the knowledge base lists.
--
--   lua5.4 examples/checkin.lua nausea "metallic taste" "can't sleep"
--   printf 'fever\nchills\n' | lua5.4 examples/checkin.lua
-- (with the module installed; from a checkout, after `make`, put
-- LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/lua5.4/?.so;;'
-- before the command, as the README says)
--
-- Exit status: 0 nothing urgent, 1 a critical finding (call the care team now).
local interferon = require("interferon")

local symptoms = {}
for i = 1, #arg do symptoms[i] = arg[i] end
if #symptoms == 0 then
  for line in io.lines() do
    if line:find("%S") then symptoms[#symptoms + 1] = line end
  end
end

local result = assert(interferon.check_symptoms(symptoms))
io.write(interferon.report(result, "text"))
if result.counts.critical > 0 then
  io.write("\nCALL THE CARE TEAM NOW.\n")
  os.exit(1)
end
os.exit(0)
