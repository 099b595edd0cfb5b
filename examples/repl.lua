--- The README's REPL session ("A REPL session"), as a script: `make repl`
-- opens the same session by hand, with the module loaded as `ifn`.
--
--   lua5.4 examples/repl.lua
-- (with the module installed; from a checkout, after `make`, put
-- LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/lua5.4/?.so;;'
-- before the command, as the README says)
local ifn = require("interferon")

local kb = ifn.default()
print(kb)                                        -- version and counts per kind

local e, how = kb:lookup("Ativan")
print(e.id, how)                                 --> drug.lorazepam  synonym
print(kb:lookup("F32.A").id)                     --> condition.depression
print(kb:explain("condition.depression"))        -- the entry, with its sources

local r = ifn.screen({ conditions = { "E11.9" }, medications = { "Xanax 0.5mg", "Benadryl" },
  pregnant = true })
print(r.status, #r.findings)                     --> review  4
for _, f in ipairs(r.findings) do print(f.severity, f.id, f.input) end

print(ifn.screen({ medication = { "Xanax" } }))  --> nil  unknown field 'medication' ...

-- beyond the README: the same result as a report, and a symptom check-in
io.write(ifn.report(r, "markdown"))
local check = ifn.check_symptoms({ "nausea", "thoughts of suicide" })
print(check.findings[1].severity, check.findings[1].id)
