--- The README's REPL session, as a script (`make repl` starts the same
-- session by hand).  Each step prints what the REPL would show.
local ifn = require("interferon")

print(ifn._VERSION)

-- what does a brand name resolve to, and how?
local entry, how = ifn.lookup("Ativan")
print(entry.id, entry.name, how)                 --> drug.lorazepam lorazepam synonym

-- a typo is never silently corrected: it is an approximate match
entry, how = ifn.lookup("Ativn")
print(entry.id, how)                             --> drug.lorazepam approximate

-- the knowledge base, in one line, and one entry explained with its sources
local kb = ifn.default()
print(tostring(kb))
print(kb:explain("condition.depression"))

-- screen a patient; findings come most severe first
local result = ifn.screen({ medications = { "Xanax 0.5mg" }, conditions = { "E11.9" } })
print(result.status, #result.findings)
for _, f in ipairs(result.findings) do
  print(f.severity, f.id, f.input, f.match)
end

-- the same result as a report, in any format
io.write(ifn.report(result, "markdown"))

-- symptoms reported during therapy
local check = ifn.check_symptoms({ "nausea", "thoughts of suicide" })
print(check.findings[1].severity, check.findings[1].id)   --> critical warning.suicidal_thoughts
