-- Matching that never changes what the record says (issue 11): every word
-- accounted for, approximate only for a misspelling, context words, EHR
-- drug strings.  Each case is one term through kb:screen (or
-- kb:check_symptoms) and kb:lookup, with exact expectations.
local interferon = require("interferon")

local kb = interferon.default()

-- one term in FIELD, screened: { findings = { "matched match [words] history" },
-- unrecognized = { { term, partial, context } } }
local function screen(field, term)
  local r = field == "symptoms" and assert(kb:check_symptoms({ term }))
    or assert(kb:screen({ [field] = { term } }))
  local out = { findings = {}, unrecognized = {} }
  local seen = {}
  for _, f in ipairs(r.findings) do
    local row = f.matched .. " " .. f.match .. (f.words and (" [" .. f.words .. "]") or "")
      .. (f.history and " history" or "")
    if not seen[row] then out.findings[#out.findings + 1], seen[row] = row, true end
  end
  for _, u in ipairs(r.unrecognized) do
    assert.equals(term, u.input)
    out.unrecognized[#out.unrecognized + 1] = { u.term or false, u.partial or false,
      u.context or false }
  end
  return out, r
end

describe("every word accounted for", function()
  it("a salt or cation never stands for the drug it is a salt of", function()
    for term, id in pairs({ ["losartan potassium 50 mg"] = "drug.losartan",
      ["Penicillin V Potassium 250 MG Oral Tablet"] = "drug.penicillin_v",
      ["rosuvastatin calcium 10 mg"] = "drug.rosuvastatin",
      ["esomeprazole magnesium 40 MG Delayed Release Oral Capsule"] = "drug.esomeprazole" }) do
      local got, r = screen("medications", term)
      assert.same({}, got.findings, term)
      assert.same({}, got.unrecognized, term)
      assert.same({ id, "exact" }, { r.recognized[1].id, r.recognized[1].match }, term)
      assert.equals(id, kb:lookup(term).id, term)
    end
    -- a drug the knowledge base does not hold: listed, never the mineral
    local got = screen("medications", "foobarstatin calcium 10 mg")
    assert.same({}, got.findings)
    assert.same({ { false, false, false } }, got.unrecognized)
    assert.is_nil(kb:lookup("foobarstatin calcium 10 mg"))
  end)

  it("a salt named on its own is the mineral", function()
    assert.same({ "supplement.potassium exact" },
      screen("medications", "potassium chloride 20 MEQ Extended Release Oral Tablet").findings)
    assert.same({ "supplement.calcium exact" }, screen("supplements", "calcium carbonate 600 mg").findings)
    assert.equals("supplement.magnesium", kb:lookup("magnesium oxide 400 mg").id)
  end)

  it("a name inside a longer phrase is partial, and the words left over are listed", function()
    local got = screen("conditions", "depression due to chronic pain")
    assert.same({ "condition.depression partial [depression]" }, got.findings)
    assert.same({ { "due chronic pain", true, false } }, got.unrecognized)
    local e, how = kb:lookup("depression due to chronic pain")
    assert.same({ "condition.depression", "partial" }, { e.id, how })
  end)

  it("a phrase whose other words are dose, form, filler or context is a full match", function()
    assert.same({ "drug.lorazepam exact [lorazepam]" },
      screen("medications", "lorazepam (Ativan) 1 mg").findings)
    assert.same({}, screen("medications", "lorazepam (Ativan) 1 mg").unrecognized)
    assert.same({ "side_effect.hair_loss synonym [hair is falling out]" },
      screen("symptoms", "my hair is falling out").findings)
  end)

  it("names two ingredients in one phrase, each a finding", function()
    local got = screen("medications", "hydrocodone and promethazine")
    table.sort(got.findings)
    assert.same({ "drug.hydrocodone exact [hydrocodone]", "drug.promethazine exact [promethazine]" },
      got.findings)
    assert.same({}, got.unrecognized)
  end)
end)

describe("approximate means a misspelling, not a different word", function()
  it("matches a misspelt word", function()
    for term, id in pairs({ lorazapam = "drug.lorazepam", diabtes = "condition.diabetes",
      ["sertaline 50mg"] = "drug.sertraline", fatigued = "side_effect.fatigue" }) do
      local e, how = kb:lookup(term)
      assert.same({ id, "approximate" }, { e and e.id, how }, term)
    end
  end)

  it("never turns a real word into another", function()
    -- "compensated" is not a misspelt "decompensated": since issue 13 it
    -- names the cirrhosis entry, never the decompensated one
    local got = screen("conditions", "compensated cirrhosis")
    assert.same({ "condition.cirrhosis synonym" }, got.findings)
    assert.same({}, got.unrecognized)
    assert.equals("condition.cirrhosis", kb:lookup("compensated cirrhosis").id)
    got = screen("symptoms", "confusion")
    assert.same({}, got.findings)
    assert.is_nil(kb:lookup("confusion"))
  end)

  it("never reads a prefix that reverses a word as a typo", function()
    -- two edits from a known word, not a real word, first letter kept: only
    -- the reversing prefix refuses it (without "de" in data/match/words.txt,
    -- "dediabetes" matches diabetes approximately)
    for _, term in ipairs({ "dediabetes" }) do
      assert.is_nil(kb:lookup(term), term)
    end
  end)

  it("takes spacing and word endings as the same word", function()
    local e, how = kb:lookup("depress ion")
    assert.same({ "condition.depression", "approximate" }, { e.id, how })
    assert.equals("condition.bleeding_problems", kb:lookup("von Willebrand").id)
  end)
end)

describe("context words", function()
  it("an allergy to X is not X", function()
    for _, term in ipairs({ "Allergy to latex", "allergic to lorazepam", "lorazepam allergy" }) do
      local field = term:find("lorazepam") and "medications" or "conditions"
      local got = screen(field, term)
      assert.same({}, got.findings, term)
      assert.equals(1, #got.unrecognized, term)
    end
    assert.same({ { false, false, "allergy" } }, screen("medications", "allergic to lorazepam").unrecognized)
    assert.is_nil(kb:lookup("Allergy to latex"))
  end)

  it("a family history is not the patient's", function()
    local got = screen("conditions", "family history of seizures")
    assert.same({}, got.findings)
    assert.same({ { false, false, "family" } }, got.unrecognized)
    assert.same({}, screen("conditions", "FHx depression").findings)
  end)

  it("a history keeps the condition, marked as history", function()
    assert.same({ "condition.depression exact [depression] history" },
      screen("conditions", "history of depression").findings)
    assert.same({ "condition.seizures exact [seizures] history" },
      screen("conditions", "h/o seizures").findings)
  end)

  it("a past pregnancy or miscarriage is not a pregnancy now", function()
    for _, term in ipairs({ "Past pregnancy history of miscarriage", "history of pregnancy" }) do
      local got = screen("conditions", term)
      assert.same({}, got.findings, term)
      assert.same({ { false, false, "history" } }, got.unrecognized, term)
    end
  end)

  it("a negation denies what follows it, to the end of its clause", function()
    for _, term in ipairs({ "no history of seizures", "denies depression", "negative for diabetes",
      "suicidal thoughts denied" }) do
      local field = term:find("suicidal") and "symptoms" or "conditions"
      local got = screen(field, term)
      assert.same({}, got.findings, term)
      assert.same({ { false, false, "negated" } }, got.unrecognized, term)
    end
    -- a list after the negation is denied too
    assert.same({}, screen("symptoms", "denies fever, chills").findings)
  end)

  it("a negation never hides a later statement (issue 15, 2)", function()
    assert.same({ "warning.suicidal_thoughts synonym [suicidal thoughts]" },
      screen("symptoms", "denies depression, reports suicidal thoughts").findings)
    local got = screen("symptoms", "not sleeping, wants to kill himself")
    assert.equals("warning.suicidal_thoughts synonym [wants to kill himself]", got.findings[1])
    local r = assert(kb:check_symptoms({ "no fever but thoughts of suicide" }))
    assert.equals("critical", r.findings[1].severity)
  end)

  it("a name that holds a negation stays a name", function()
    assert.same({ "warning.suicidal_thoughts synonym [no reason to live]" },
      screen("symptoms", "I have no reason to live").findings)
  end)

  it("nursing in a facility or home is not breastfeeding", function()
    for _, term in ipairs({ "nursing home", "transfer to skilled nursing facility",
      "nursing home resident" }) do
      assert.same({}, screen("conditions", term).findings, term)
      assert.is_nil(kb:lookup(term), term)
    end
    assert.same({ "condition.breastfeeding synonym" }, screen("conditions", "nursing").findings)
  end)
end)

describe("EHR drug strings", function()
  it("reads RxNorm clinical and branded drug names", function()
    for term, id in pairs({
      ["Ativan 1 MG Oral Tablet"] = "drug.lorazepam",
      ["zolpidem tartrate 10 MG Oral Tablet [Ambien]"] = "drug.zolpidem",
      ["24 HR zolpidem tartrate 12.5 MG Extended Release Oral Tablet"] = "drug.zolpidem",
      ["sertraline 50 MG Oral Tablet"] = "drug.sertraline",
      ["diphenhydramine hydrochloride 25 MG Oral Capsule"] = "drug.diphenhydramine",
    }) do
      local e = kb:lookup(term)
      assert.equals(id, e and e.id, term)
      local got = screen("medications", term)
      assert.same({}, got.unrecognized, term)
    end
  end)

  it("splits at ingredients, never inside a unit or a strength", function()
    local input = "insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML " ..
      "Injectable Suspension [Humulin]"
    local _, r = screen("medications", input)
    assert.equals(1, #r.unrecognized)          -- one input, listed once
    for term, id in pairs({ ["Humulin 70/30"] = "drug.insulin_isophane_regular",
      ["albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"] = "drug.albuterol" }) do
      _, r = screen("medications", term)
      assert.same({}, r.unrecognized, term)
      assert.equals(id, kb:lookup(term).id, term)
    end
    for _, term in ipairs({ "Foobarin 70/30", "foobarol 0.09 MG/ACTUAT Metered Dose Inhaler" }) do
      _, r = screen("medications", term)
      assert.equals(1, #r.unrecognized, term)
      assert.is_nil(r.unrecognized[1].term, term)   -- the whole input, not pieces
    end
    _, r = screen("medications", "morphine 10 MG/ML Injectable Solution")
    assert.same({}, r.unrecognized)
    assert.equals("drug.morphine", r.findings[1].matched)
    local got = screen("medications", "hydrocodone bitartrate 5 MG / foobarol 325 MG Oral Tablet")
    assert.same({ "drug.hydrocodone exact" }, got.findings)
    assert.same({ { "foobarol 325 MG Oral Tablet", true, false } }, got.unrecognized)
  end)
end)

describe("every input accounted for", function()
  it("is a finding's input, recognised, or not recognised", function()
    local p = { conditions = { "CML", "hx of depression", "nursing home", "denies SI" },
      medications = { "Ativan 1mg", "metformin 500 mg", "losartan potassium 50 mg" },
      symptoms = { "fatigued", "confusion" } }
    local r = assert(kb:screen(p))
    local accounted = {}
    for _, f in ipairs(r.findings) do accounted[f.input] = true end
    for _, x in ipairs(r.recognized) do accounted[x.input] = true end
    for _, u in ipairs(r.unrecognized) do accounted[u.input] = true end
    for _, field in ipairs({ "conditions", "medications", "symptoms" }) do
      for _, term in ipairs(p[field]) do assert.is_true(accounted[term], term) end
    end
    assert.same({ field = "conditions", input = "CML",
      id = "indication.chronic_myelogenous_leukemia",
      name = "Chronic myelogenous leukemia", match = "synonym" }, r.recognized[1])
    assert.equals(#r.recognized, r.counts.recognized)
  end)
end)

describe("the command", function()
  local command = require("spec.command")

  it("fails on a critical statement after a negated one (issue 15, 2)", function()
    for _, term in ipairs({ "not sleeping, wants to kill himself",
      "denies depression, reports suicidal thoughts" }) do
      local r = command.run({ "symptoms", "--fail-on", "critical", term })
      assert.equals(1, r.status, term)
      assert.truthy(r.out:find("CRITICAL", 1, true), term)
    end
    assert.equals(0, command.run({ "symptoms", "--fail-on", "critical", "denies SI" }).status)
  end)

  it("never screens a FHIR bundle with nothing clinical in it as clear", function()
    local r = command.run({ "screen", "--input", "fhir", "-" },
      '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ' ..
      '{"resourceType": "Patient", "id": "p1"}}]}')
    assert.equals(2, r.status)
    assert.truthy(r.out:find("the bundle has no clinical resource to screen", 1, true))
    assert.falsy(r.out:find("NOTHING FOUND", 1, true))
  end)

  it("never reports an empty symptom check-in from standard input as nothing found", function()
    local r = command.run({ "symptoms", "-" }, "\n  \n")
    assert.equals(2, r.status)
    assert.truthy(r.out:find("<stdin>:1:1: no symptoms read (one a line expected)", 1, true))
    assert.falsy(r.out:find("NOTHING FOUND", 1, true))
  end)

  it("reads a long note to the statement inside it (issue 15, 4)", function()
    local note = ("slept badly and felt tired, "):rep(12) .. "has suicidal thoughts"
    local r = command.run({ "symptoms", "--fail-on", "critical", note })
    assert.equals(1, r.status)
  end)
end)
