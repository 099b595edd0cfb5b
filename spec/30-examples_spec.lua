-- Every example in examples/ runs here, as its header says to run it, so
-- that none can rot.
local command = require("spec.command")

describe("examples/", function()
  it("patient.yaml is the demo `make demo` screens", function()
    local r = command.run({ "screen", "examples/patient.yaml" })
    assert.same({ 0, "" }, { r.status, r.err })
    assert.truthy(r.out:find("Patient:  MRN-0042, female, age 41, not pregnant, not breastfeeding", 1, true))
    assert.truthy(r.out:find("\nHIGH      Depression", 1, true))
    -- metformin is in the vocabulary since issue 12: no longer unknown
    assert.falsy(r.out:find('UNKNOWN', 1, true))
  end)

  it("intake.lua screens the nurse's answers", function()
    local r = command.script("examples/intake.lua", { "--id", "MRN-0107", "--sex", "male", "--age", "63",
      "--condition", "type 2 diabetes", "--medication", "Ativan 1 mg", "--supplement", "St John's wort" })
    assert.same({ 1, "" }, { r.status, r.err })
    assert.matches("^Interferon screening: REVIEW\nPatient:  MRN%-0107, male, age 63\n", r.out)
    r = command.script("examples/intake.lua", { "--id", "MRN-0108", "--condition", "hairy cell leukemia" })
    assert.same({ 0, "" }, { r.status, r.err })
    assert.matches("^Interferon screening: NOTHING FOUND\n", r.out)
    assert.truthy(r.out:gsub("%s+", " "):find("Nothing in this knowledge base was found; this " ..
      "is not a statement that interferon is safe. Finding nothing", 1, true))
    r = command.script("examples/intake.lua", { "--weight", "80" })
    assert.same({ 2, "intake: unknown field 'weight' (check the answer for 'weight')\n" }, { r.status, r.err })
  end)

  it("batch.lua writes one report per patient and reports the bad record", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert.equals(0, command.sh("mkdir " .. command.quote(dir)).status)
    local r = command.script("examples/batch.lua", { "examples/roster.yaml", dir })
    assert.equals(2, r.status)
    assert.equals("batch: examples/roster.yaml:28:1: field 'pregnant' must be true or false, got string \"not sure\"\n" ..
      "batch: 4 reports written, 1 records not screened\n", r.err)
    assert.equals("MRN-0101.html\nMRN-0102.html\nMRN-0103.html\nMRN-0105.html\n",
      command.sh("ls " .. command.quote(dir)).out)
    assert.matches("^<!DOCTYPE html>", command.slurp(dir .. "/MRN-0103.html"))
    r = command.script("examples/batch.lua", { "examples/roster.yaml", dir, "json" })
    assert.equals(2, r.status)
    assert.matches('"status":"clear"', command.slurp(dir .. "/MRN-0105.json"))
    command.sh("rm -r " .. command.quote(dir))
  end)

  it("checkin.lua checks symptoms and calls for help on a critical one", function()
    local r = command.script("examples/checkin.lua", { "nausea", "metallic taste" })
    assert.same({ 0, "" }, { r.status, r.err })
    assert.matches("^Interferon symptom check: REVIEW\n", r.out)
    r = command.script("examples/checkin.lua", {}, "fever\nthoughts of suicide\n")
    assert.equals(1, r.status)
    assert.matches("\nCALL THE CARE TEAM NOW%.\n$", r.out)
  end)

  it("site-overlay.yaml adds brand names and a stricter severity", function()
    local interferon = require("interferon")
    local kb = assert(interferon.load({ "examples/site-overlay.yaml" }))
    assert.equals("2026.11.1+site-1", kb.version)
    assert.equals("drug.alprazolam", kb:lookup("Alprax").id)
    assert.equals("drug.lorazepam", kb:lookup("Loraz").id)
    assert.equals("high", kb:get("drug_class.antihistamines").severity)
    assert.equals("moderate", interferon.default():get("drug_class.antihistamines").severity)
    local r = command.run({ "validate", "examples/site-overlay.yaml" })
    assert.same({ 0, "examples/site-overlay.yaml: knowledge base 2026.11.1+site-1, valid\n" }, { r.status, r.out })
  end)

  it("repl.lua walks through the README's REPL session", function()
    local r = command.script("examples/repl.lua")
    assert.same({ 0, "" }, { r.status, r.err })
    assert.matches("^interferon knowledge base [^\n]*\ndrug%.lorazepam\tsynonym\ncondition%.depression\n" ..
      "Depression %(condition%.depression%)\n", r.out)
    assert.truthy(r.out:find("\nreview\t4\nhigh\tcondition.pregnancy\tpregnant: true\n" ..
      "moderate\tcondition.diabetes\tE11.9\nmoderate\tdrug_class.antihistamines\tBenadryl\n" ..
      "moderate\tdrug_class.anxiety_medication\tXanax 0.5mg\n" ..
      "nil\tunknown field 'medication' (did you mean 'medications'?)\tmedication\n# Interferon screening", 1, true))
    assert.matches("\ncritical\twarning%.suicidal_thoughts\n$", r.out)
  end)
end)
