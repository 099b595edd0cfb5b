--- Screening through the public API (issue 3): the result's shape, each
-- matching rule, normalisation, patient flags, label facts, symptom checks,
-- realistic patients as a clinic writes them, and every refusal path of
-- the patient schema, with exact texts.
local interferon = require("interferon")

local SEVERITIES = { "critical", "high", "moderate", "low", "info" }
local RANK = {}
for i, s in ipairs(SEVERITIES) do RANK[s] = i end

local FINDING_KEYS = { "id", "matched", "kind", "severity", "field", "input",
  "match", "title", "message", "action", "sources" }

-- the findings of R as { id, matched, match, input } rows
local function rows(r)
  local out = {}
  for i, f in ipairs(r.findings) do out[i] = { f.id, f.matched, f.match, f.input } end
  return out
end

-- the unrecognised terms of R (the part of a combination, else the input)
local function unknown(r)
  local out = {}
  for i, u in ipairs(r.unrecognized) do out[i] = u.term or u.input end
  return out
end

-- the findings of R whose id is ID
local function with_id(r, id)
  local out = {}
  for _, f in ipairs(r.findings) do
    if f.id == id then out[#out + 1] = f end
  end
  return out
end

local function screen_one(field, term)
  return assert(interferon.default():screen({ [field] = { term } }))
end

-- the entry ids TERM resolves to in FIELD, as a sorted list
local function matched(field, term)
  local set, out = {}, {}
  for _, f in ipairs(screen_one(field, term).findings) do set[f.matched] = true end
  for id in pairs(set) do out[#out + 1] = id end
  table.sort(out)
  return out
end

local PATIENTS = {
  { name = "anxious diabetic on benzodiazepines",
    patient = { id = "MRN-0042", sex = "female", age = 41, pregnant = false,
      conditions = { "Type 2 Diabetes Mellitus", "F32.A", "GAD" },
      medications = { "Ativan 1mg PO BID PRN", "metformin 500 mg BID", "Benadryl 25mg qhs" },
      supplements = { "St. John’s Wort", "Vitamin D3 2000 IU" } },
    findings = {
      { "condition.depression", "condition.depression", "code", "F32.A" },
      { "condition.diabetes", "condition.diabetes", "synonym", "Type 2 Diabetes Mellitus" },
      { "drug_class.antihistamines", "drug.diphenhydramine", "synonym", "Benadryl 25mg qhs" },
      { "drug_class.anxiety_medication", "drug.lorazepam", "synonym", "Ativan 1mg PO BID PRN" },
      { "drug_class.psychiatric_medication", "supplement.st_johns_wort",
        "exact", "St. John’s Wort" },
      { "advice.report_supplements", "supplement.st_johns_wort", "exact", "St. John’s Wort" },
      { "advice.report_supplements", "supplement.vitamin_d", "synonym", "Vitamin D3 2000 IU" },
    },
    unrecognized = { "GAD" },
  },
  { name = "epileptic on levetiracetam",
    patient = { id = "MRN-0107", sex = "male", age = 29,
      conditions = { "G40.909", "hx seizures" },
      medications = { "levetiracetam 500 mg BID", "Lamictal 100mg", "Claritin" } },
    findings = {
      { "condition.seizures", "condition.seizures", "code", "G40.909" },
      -- "hx seizures": the known word inside the phrase, the rest a history
      -- phrase: every word accounted for, the finding marked as history
      { "condition.seizures", "condition.seizures", "exact", "hx seizures" },
      { "drug_class.anti_seizure", "drug.levetiracetam", "exact", "levetiracetam 500 mg BID" },
      { "drug_class.anti_seizure", "drug.lamotrigine", "synonym", "Lamictal 100mg" },
      { "drug_class.antihistamines", "drug.loratadine", "synonym", "Claritin" },
    },
    unrecognized = {},
  },
  { name = "CKD and heart failure, chronic pain",
    patient = { id = "MRN-0233", sex = "male", age = 67,
      conditions = { "N18.4", "CHF", "I25.10", "HTN" },
      medications = { "Norco 10/325 q6h prn", "furosemide 40 mg daily", "lisinopril 10 mg" },
      supplements = { "fish oil 1000 mg" } },
    findings = {
      { "condition.heart_disease", "condition.heart_disease", "synonym", "CHF" },
      { "condition.heart_disease", "condition.heart_disease", "code", "I25.10" },
      -- the Intron A Medication Guide lists high blood pressure (issue 13)
      { "condition.high_blood_pressure", "condition.high_blood_pressure", "synonym", "HTN" },
      { "condition.kidney_disease", "condition.kidney_disease", "code", "N18.4" },
      { "drug_class.narcotic_pain_relievers", "drug.hydrocodone",
        "synonym", "Norco 10/325 q6h prn" },
      { "advice.report_supplements", "supplement.fish_oil", "exact", "fish oil 1000 mg" },
    },
    unrecognized = {},
  },
  { name = "COPD smoker on theophylline",
    patient = { id = "MRN-0311", sex = "male", age = 72,
      conditions = { "J44.9", "emphysema", "PVD" },
      medications = { "theophylline ER 300 mg", "albuterol inhaler", "tiotropium" } },
    findings = {
      { "condition.blood_circulation_problems", "condition.blood_circulation_problems",
        "synonym", "PVD" },
      { "condition.lung_disease", "condition.lung_disease", "code", "J44.9" },
      { "condition.lung_disease", "condition.lung_disease", "synonym", "emphysema" },
      { "drug.theophylline", "drug.theophylline", "exact", "theophylline ER 300 mg" },
    },
    unrecognized = {},
  },
  { name = "lupus on methadone maintenance",
    patient = { id = "MRN-0388", sex = "female", age = 35,
      conditions = { "M32.9", "opioid use disorder" },
      medications = { "Methadose 80 mg daily", "hydroxychloroquine 200mg" } },
    findings = {
      { "condition.autoimmune_disorders", "condition.autoimmune_disorders", "code", "M32.9" },
      { "drug.methadone", "drug.methadone", "synonym", "Methadose 80 mg daily" },
      { "drug_class.narcotic_pain_relievers", "drug.methadone",
        "synonym", "Methadose 80 mg daily" },
    },
    unrecognized = { "opioid use disorder" },
  },
  { name = "HIV on zidovudine",
    patient = { id = "MRN-0412", sex = "male", age = 44,
      conditions = { "HIV" },
      medications = { "Retrovir 300 mg BID", "lamivudine" } },
    findings = {
      { "drug_class.myelosuppressive", "drug.zidovudine", "synonym", "Retrovir 300 mg BID" },
    },
    unrecognized = { "HIV" },
  },
  { name = "autoimmune hepatitis",
    patient = { id = "MRN-0450", sex = "female", age = 52,
      conditions = { "autoimmune hepatitis", "Hashimoto's" },
      medications = { "azathioprine 50 mg", "levothyroxine 75 mcg" } },
    findings = {
      { "condition.autoimmune_hepatitis", "condition.autoimmune_hepatitis",
        "exact", "autoimmune hepatitis" },
      { "condition.thyroid_disease", "condition.thyroid_disease", "synonym", "Hashimoto's" },
      { "drug_class.myelosuppressive", "drug.azathioprine", "exact", "azathioprine 50 mg" },
    },
    unrecognized = {},
  },
  { name = "pregnant, anxious, with a typo",
    patient = { id = "MRN-0502", sex = "female", age = 31, pregnant = true,
      conditions = { "asthma" },
      medications = { "lorazepan 0.5 mg", "prenatal vitamin" },
      supplements = { "ginger" } },
    findings = {
      { "condition.pregnancy", "condition.pregnancy", "exact", "pregnant: true" },
      { "condition.lung_disease", "condition.lung_disease", "synonym", "asthma" },
      { "drug_class.anxiety_medication", "drug.lorazepam", "approximate", "lorazepan 0.5 mg" },
      { "advice.report_supplements", "supplement.multivitamin", "synonym", "prenatal vitamin" },
    },
    unrecognized = { "ginger" },
  },
  { name = "breastfeeding mother on sertraline",
    patient = { id = "MRN-0519", sex = "female", age = 28, breastfeeding = true,
      conditions = { "postpartum depression" },
      medications = { "Zoloft 50mg", "ibuprofen 600" } },
    findings = {
      { "condition.breastfeeding", "condition.breastfeeding", "exact", "breastfeeding: true" },
      -- "postpartum" is left over: the match is partial, and the word listed
      { "condition.depression", "condition.depression", "partial", "postpartum depression" },
      { "drug_class.psychiatric_medication", "drug.sertraline", "synonym", "Zoloft 50mg" },
    },
    unrecognized = { "postpartum" },
  },
  { name = "bleeding disorder on opioids and muscle relaxant",
    patient = { id = "MRN-0601", sex = "male", age = 58,
      conditions = { "D68.9", "von Willebrand" },
      medications = { "oxycodone/acetaminophen 5/325", "Flexeril 10 mg", "Tylenol PM" } },
    findings = {
      { "condition.bleeding_problems", "condition.bleeding_problems", "code", "D68.9" },
      { "condition.bleeding_problems", "condition.bleeding_problems",
        "approximate", "von Willebrand" },
      { "drug_class.antihistamines", "drug.diphenhydramine", "synonym", "Tylenol PM" },
      { "drug_class.muscle_relaxants", "drug.cyclobenzaprine", "synonym", "Flexeril 10 mg" },
      { "drug_class.narcotic_pain_relievers", "drug.oxycodone",
        "exact", "oxycodone/acetaminophen 5/325" },
    },
    unrecognized = {},
  },
  { name = "bipolar on lithium and quetiapine",
    patient = { id = "MRN-0644", sex = "female", age = 39,
      conditions = { "bipolar disorder", "hypothyroid" },
      medications = { "lithium carbonate 300 mg TID", "Seroquel 100mg qhs", "Ambien CR 12.5 mg" } },
    findings = {
      -- the labels' psychiatric precaution (issue 13)
      { "condition.bipolar_or_psychotic_disorder", "condition.bipolar_or_psychotic_disorder",
        "synonym", "bipolar disorder" },
      { "condition.thyroid_disease", "condition.thyroid_disease", "synonym", "hypothyroid" },
      { "drug_class.psychiatric_medication", "drug.lithium",
        "exact", "lithium carbonate 300 mg TID" },
      { "drug_class.psychiatric_medication", "drug.quetiapine", "synonym", "Seroquel 100mg qhs" },
      { "drug_class.sleep_medication", "drug.zolpidem", "synonym", "Ambien CR 12.5 mg" },
    },
    unrecognized = {},
  },
  { name = "CML patient with nothing of concern",
    patient = { id = "MRN-0700", sex = "male", age = 60,
      conditions = { "CML", "C92.10" },
      medications = { "allopurinol 300 mg" } },
    findings = {
    },
    unrecognized = {},
  },
  { name = "transplant recipient",
    patient = { id = "MRN-0733", sex = "female", age = 47,
      conditions = { "kidney transplant", "E10.9" },
      medications = { "Prograf 1 mg BID", "mycophenolate 500 mg", "prednisone 5 mg" } },
    findings = {
      -- immunosuppressed transplant recipients: a Besremi contraindication (issue 13)
      { "condition.transplant_recipient", "condition.transplant_recipient",
        "synonym", "kidney transplant" },
      { "condition.diabetes", "condition.diabetes", "code", "E10.9" },
      { "drug_class.transplant_immunosuppressants", "drug.tacrolimus",
        "synonym", "Prograf 1 mg BID" },
      { "drug_class.transplant_immunosuppressants", "drug.mycophenolate",
        "exact", "mycophenolate 500 mg" },
    },
    unrecognized = {},
  },
  { name = "unknown words everywhere",
    patient = { id = "MRN-0801",
      conditions = { "gout" }, medications = { "Lipitor 20mg" }, supplements = { "nettle tea" } },
    findings = {
    },
    unrecognized = { "gout", "nettle tea" },
  },
  { name = "nothing at all",
    patient = { id = "MRN-0900", sex = "male", age = 50 },
    findings = {
    },
    unrecognized = {  },
  },
}

describe("kb:screen result", function()
  local kb = interferon.default()
  local patient = PATIENTS[1].patient

  it("has exactly the documented shape", function()
    local r = assert(kb:screen(patient))
    assert.equals("screening", r.type)
    assert.equals("review", r.status)
    assert.equals(interferon.NOTICE, r.notice)
    assert.same({ version = kb.version, checksum = kb.checksum }, r.kb)
    assert.matches("^%x+$", r.kb.checksum)
    assert.equals(64, #r.kb.checksum)
    assert.same({ id = "MRN-0042", sex = "female", age = 41, pregnant = false }, r.patient)
    assert.is_true(#r.findings > 0)
    for _, f in ipairs(r.findings) do
      for _, k in ipairs(FINDING_KEYS) do
        assert.is_not_nil(f[k], "finding without '" .. k .. "'")
      end
      -- a term read word by word says which words named the entry, and
      -- whether it is the patient's history
      local allowed = { frequency = f.kind == "side_effect", words = true, history = true }
      for _, k in ipairs(FINDING_KEYS) do allowed[k] = true end
      for k in pairs(f) do assert.is_true(allowed[k], "unexpected key '" .. k .. "'") end
      assert.equals(f.id:match("^[^.]+"), f.kind)
      assert.is_truthy(RANK[f.severity])
      assert.is_truthy(kb:get(f.id), f.id)
      assert.is_truthy(kb:get(f.matched), f.matched)
      assert.equals(kb:get(f.id).name, f.title)
      assert.is_true(#f.sources > 0)
      for _, src in ipairs(f.sources) do assert.equals("reference", kb:get(src).kind) end
    end
    for _, u in ipairs(r.unrecognized) do
      assert.is_string(u.field)
      assert.is_string(u.input)
      assert.is_table(u.suggestions)
      assert.is_true(#u.suggestions <= 3)
    end
  end)

  it("orders findings by severity, then id", function()
    for _, case in ipairs(PATIENTS) do
      local r = assert(kb:screen(case.patient))
      for i = 2, #r.findings do
        local a, b = r.findings[i - 1], r.findings[i]
        assert.is_true(RANK[a.severity] < RANK[b.severity] or
          (a.severity == b.severity and a.id <= b.id), case.name)
      end
    end
  end)

  it("counts the findings by severity, every level present", function()
    for _, case in ipairs(PATIENTS) do
      local r = assert(kb:screen(case.patient))
      local want = { critical = 0, high = 0, moderate = 0, low = 0, info = 0,
        recognized = #r.recognized }
      for _, f in ipairs(r.findings) do want[f.severity] = want[f.severity] + 1 end
      assert.same(want, r.counts)
    end
  end)

  it("is 'clear' only with no findings and nothing unrecognised", function()
    assert.equals("clear", assert(kb:screen({})).status)
    assert.equals("clear", assert(kb:screen({ id = "x", conditions = {}, medications = {} })).status)
    assert.equals("clear", assert(kb:screen({ pregnant = false, breastfeeding = false })).status)
    local r = assert(kb:screen({ medications = { "carboxymethylcellulose" } }))
    assert.same({}, r.findings)
    assert.equals("review", r.status)
    r = assert(kb:screen({ conditions = { "CML" } }))      -- recognised, no concern
    assert.same({}, r.findings)
    assert.same({}, r.unrecognized)
    assert.equals("clear", r.status)
    assert.equals("review", assert(kb:screen({ medications = { "Ativan" } })).status)
  end)

  it("is the same through interferon.screen", function()
    assert.same(kb:screen(patient), interferon.screen(patient))
  end)

  it("gives the caller findings it may change without changing the knowledge base", function()
    local r = assert(kb:screen({ medications = { "Ativan" } }))
    r.findings[1].sources[1] = "changed"
    table.insert(r.findings[1].sources, "more")
    local again = assert(kb:screen({ medications = { "Ativan" } }))
    assert.equals("reference.article", again.findings[1].sources[1])
  end)
end)

describe("kb:screen rules", function()
  local kb = interferon.default()

  it("gives one finding per input per concern: nothing is merged or hidden", function()
    local r = assert(kb:screen({ medications = { "Ativan", "lorazepam 1 mg", "Xanax" } }))
    assert.same({
      { "drug_class.anxiety_medication", "drug.lorazepam", "synonym", "Ativan" },
      { "drug_class.anxiety_medication", "drug.lorazepam", "exact", "lorazepam 1 mg" },
      { "drug_class.anxiety_medication", "drug.alprazolam", "synonym", "Xanax" },
    }, rows(r))
    r = assert(kb:screen({ conditions = { "CHF", "I25.10", "heart disease" } }))
    assert.equals(3, #with_id(r, "condition.heart_disease"))
  end)

  it("gives a drug in two classes a finding for each", function()
    assert.same({
      { "drug_class.anti_seizure", "drug.clonazepam", "synonym", "Klonopin 0.5 mg" },
      { "drug_class.anxiety_medication", "drug.clonazepam", "synonym", "Klonopin 0.5 mg" },
    }, rows(screen_one("medications", "Klonopin 0.5 mg")))
    assert.same({
      { "drug_class.psychiatric_medication", "drug.trazodone", "exact", "trazodone 50 mg qhs" },
      { "drug_class.sleep_medication", "drug.trazodone", "exact", "trazodone 50 mg qhs" },
    }, rows(screen_one("medications", "trazodone 50 mg qhs")))
  end)

  it("splits a combination product and screens each part", function()
    local r = screen_one("medications", "hydrocodone/acetaminophen")
    assert.same({ { "drug_class.narcotic_pain_relievers", "drug.hydrocodone", "exact",
      "hydrocodone/acetaminophen" } }, rows(r))
    assert.same({}, r.unrecognized)   -- acetaminophen: recognised, no concern
    r = screen_one("medications", "calcium + vitamin D")
    assert.same({ "supplement.calcium", "supplement.vitamin_d" }, matched("medications",
      "calcium + vitamin D"))
    assert.same({}, r.unrecognized)
    r = screen_one("medications", "hydrocodone-acetaminophen 5-325 mg")
    assert.same({ "drug.hydrocodone" }, matched("medications", "hydrocodone-acetaminophen 5-325 mg"))
    assert.same({}, unknown(r))
  end)

  it("does not split a product whose whole name is known, nor a strength", function()
    for _, term in ipairs({ "Percocet 5/325", "Norco 10/325", "Chlor-Trimeton 4 mg", "5-HTP" }) do
      local r = screen_one("medications", term)
      assert.same({}, r.unrecognized, term)
      assert.is_true(#r.findings > 0, term)
    end
    assert.same({}, unknown(screen_one("medications", "oxycodone/APAP 5/325 mg")))
    assert.same({ "drug.oxycodone" }, matched("medications", "oxycodone/APAP 5/325 mg"))
  end)

  it("reports an approximate match as a finding with match 'approximate'", function()
    local r = screen_one("medications", "lorazepan 0.5 mg")
    assert.same({ { "drug_class.anxiety_medication", "drug.lorazepam", "approximate",
      "lorazepan 0.5 mg" } }, rows(r))
    assert.same({}, r.unrecognized)
    r = screen_one("conditions", "diabetis")
    assert.same({ { "condition.diabetes", "condition.diabetes", "approximate", "diabetis" } },
      rows(r))
    local e, how = kb:lookup("sertaline")
    assert.equals("drug.sertraline", e.id)
    assert.equals("approximate", how)
  end)

  it("never corrects a short term: under five letters only an exact match counts", function()
    local r = screen_one("conditions", "GERD")
    assert.same({}, r.findings)
    assert.equals("GERD", r.unrecognized[1].input)
  end)

  it("finds a known term inside a longer phrase, unless a word negates it", function()
    local r = assert(kb:screen({ conditions = { "hx of depression", "no history of seizures",
      "denies diabetes" }, medications = { "lorazepam (Ativan) 1 mg" } }))
    assert.same({ "condition.depression", "hx of depression", "exact", "depression", true },
      { r.findings[1].id, r.findings[1].input, r.findings[1].match, r.findings[1].words,
        r.findings[1].history })
    assert.same({ "drug.lorazepam", "exact", "lorazepam" },
      { r.findings[2].matched, r.findings[2].match, r.findings[2].words })
    assert.equal(2, #r.findings)
    assert.same({ "no history of seizures", "denies diabetes" }, unknown(r))
    assert.same({ "Seizures" }, r.unrecognized[1].suggestions)
    assert.same({ "Diabetes" }, r.unrecognized[2].suggestions)
    assert.same({ "negated", "negated" }, { r.unrecognized[1].context, r.unrecognized[2].context })
  end)

  it("reads what people report past filler words, and negation only outside the name", function()
    local r = assert(kb:check_symptoms({ "my hair is falling out", "thoughts of killing myself",
      "I have no reason to live", "no thoughts of suicide" }))
    local got = {}
    for _, f in ipairs(r.findings) do got[#got + 1] = f.severity .. " " .. f.id .. " " .. f.input end
    assert.same({ "critical warning.suicidal_thoughts thoughts of killing myself",
      "critical warning.suicidal_thoughts I have no reason to live",
      "info side_effect.hair_loss my hair is falling out" }, got)
    -- "thoughts of killing myself" is a synonym since issue 13: nothing left over
    assert.same({ "no thoughts of suicide" }, unknown(r))
    assert.same({ "Suicidal thoughts or behaviour" }, r.unrecognized[1].suggestions)
  end)

  it("lists an unmatched term with up to three suggestions", function()
    local r = screen_one("medications", "lorazpm")
    assert.same({ { field = "medications", input = "lorazpm", suggestions = { "lorazepam" } } },
      r.unrecognized)
    r = assert(kb:screen({ conditions = { "GAD", "gout" }, supplements = { "nettle tea" } }))
    assert.same({ "GAD", "gout", "nettle tea" }, unknown(r))
    assert.same({ "conditions", "conditions", "supplements" },
      { r.unrecognized[1].field, r.unrecognized[2].field, r.unrecognized[3].field })
    -- a short term is only one edit from its suggestions (CAD, DVT; not CKD)
    assert.same({ "Heart disease", "Blood circulation problems" },
      r.unrecognized[1].suggestions)
    assert.same({}, r.unrecognized[2].suggestions)
    local _, sugg = kb:lookup("zzzzzzzz")
    assert.same({}, sugg)
  end)

  it("resolves ICD-10-CM codes through their category", function()
    local want = {
      ["E11.9"] = "condition.diabetes", ["F32.A"] = "condition.depression",
      ["G40.909"] = "condition.seizures", ["N18.4"] = "condition.kidney_disease",
      ["I25.10"] = "condition.heart_disease", ["J44.9"] = "condition.lung_disease",
      ["M32.9"] = "condition.autoimmune_disorders", ["D68.9"] = "condition.bleeding_problems",
      ["I73.9"] = "condition.blood_circulation_problems",
      ["K75.4"] = "condition.autoimmune_hepatitis", ["f32a"] = "condition.depression",
      [" E11.65 "] = "condition.diabetes", ["R45.851"] = "warning.suicidal_thoughts",
    }
    for code, id in pairs(want) do
      local r = screen_one("conditions", code)
      assert.equals(1, #r.findings, code)
      assert.equals(id, r.findings[1].matched, code)
      assert.equals("code", r.findings[1].match, code)
      local e, how = kb:lookup(code)
      assert.equals(id, e.id, code)
      assert.equals("code", how, code)
    end
    local e, how = kb:lookup("C92.10")
    assert.same({ "indication.chronic_myelogenous_leukemia", "code" }, { e.id, how })
    assert.same({ "Z99.9" }, unknown(screen_one("conditions", "Z99.9")))
  end)

  it("resolves ATC codes of drugs and of classes", function()
    assert.same({ "drug.lorazepam" }, matched("medications", "N05BA06"))
    assert.same({ { "drug_class.anxiety_medication", "drug.lorazepam", "code", "N05BA06" } },
      rows(screen_one("medications", "N05BA06")))
    assert.same({ "drug.zolpidem" }, matched("medications", "N05CF02"))
    assert.same({ "drug.methadone" }, matched("medications", "N07BC02"))
    assert.same({ "drug_class.sleep_medication" }, matched("medications", "N05CM99"))
    local e, how = kb:lookup("R06AA02")
    assert.same({ "drug.diphenhydramine", "code" }, { e.id, how })
  end)

  it("normalises case, accents, quotes, dashes, doses, forms and salts", function()
    local want = {
      { "medications", "lorazepam 1 mg tablet", "drug.lorazepam" },
      { "medications", "Xanax 0.5mg", "drug.alprazolam" },
      { "medications", "levetiracetam 500 mg BID", "drug.levetiracetam" },
      { "medications", "fentanyl patch", "drug.fentanyl" },
      { "medications", "fentanyl 25 mcg/hr patch q72h", "drug.fentanyl" },
      { "medications", "morphine sulfate", "drug.morphine" },
      { "medications", "lithium carbonate", "drug.lithium" },
      { "medications", "sertraline hydrochloride 50 mg", "drug.sertraline" },
      { "medications", "escitalopram oxalate 10 mg", "drug.escitalopram" },
      { "medications", "hydroxyzine pamoate 25 mg", "drug.hydroxyzine" },
      { "medications", "Suboxone 8-2 mg film", "drug.buprenorphine" },
      { "medications", "LORAZEPAM 0.5MG PO Q6H PRN", "drug.lorazepam" },
      { "medications", "  Ambien   CR  ", "drug.zolpidem" },
      { "medications", "lorazepam 1 mg PM", "drug.lorazepam" },
      { "medications", "Tylenol PM", "drug.diphenhydramine" },
      { "medications", "Chlor\226\128\147Trimeton", "drug.chlorpheniramine" },
      { "supplements", "St. John\226\128\153s wort", "supplement.st_johns_wort" },
      { "supplements", "St Johns Wort 300mg", "supplement.st_johns_wort" },
      { "supplements", "Vitamin D 50,000 units weekly", "supplement.vitamin_d" },
      { "conditions", "Sj\195\182gren\226\128\153s", "condition.autoimmune_disorders" },
      { "conditions", "\226\128\156type 2 diabetes\226\128\157", "condition.diabetes" },
      { "conditions", "Crohn\226\128\153s", "condition.autoimmune_disorders" },
      { "conditions", "TYPE 2 DIABETES", "condition.diabetes" },
    }
    for _, c in ipairs(want) do
      assert.same({ c[3] }, matched(c[1], c[2]), c[2])
      assert.same({}, screen_one(c[1], c[2]).unrecognized, c[2])
    end
    -- a dose never makes a product match: a brand outside every class stays unknown
    assert.same({ "Tylenol 500mg" }, unknown(screen_one("medications", "Tylenol 500mg")))
  end)

  it("raises pregnancy and breastfeeding from the patient's flags", function()
    local r = assert(kb:screen({ pregnant = true }))
    assert.same({ { "condition.pregnancy", "condition.pregnancy", "exact", "pregnant: true" } },
      rows(r))
    assert.equals("pregnant", r.findings[1].field)
    assert.equals("high", r.findings[1].severity)
    r = assert(kb:screen({ breastfeeding = true, pregnant = false }))
    assert.same({ { "condition.breastfeeding", "condition.breastfeeding", "exact",
      "breastfeeding: true" } }, rows(r))
    assert.equals("breastfeeding", r.findings[1].field)
    r = assert(kb:screen({ pregnant = true, breastfeeding = true }))
    assert.same({ "condition.breastfeeding", "condition.pregnancy" },
      { r.findings[1].id, r.findings[2].id })
    assert.equals("clear", assert(kb:screen({ pregnant = false, breastfeeding = false })).status)
    -- the same concerns, when written as conditions
    assert.same({ "condition.pregnancy" }, matched("conditions", "pregnant"))
    assert.same({ "condition.breastfeeding" }, matched("conditions", "breastfeeding"))
  end)

  it("raises the label facts, told apart from the seed's by evidence and sources", function()
    local function label_sourced(f)
      local e = kb:get(f.id)
      local article = false
      for _, s in ipairs(f.sources) do article = article or s == "reference.article" end
      return e.evidence == "label", article
    end
    local r = screen_one("conditions", "autoimmune hepatitis")
    assert.same({ { "condition.autoimmune_hepatitis", "condition.autoimmune_hepatitis",
      "exact", "autoimmune hepatitis" } }, rows(r))
    assert.equals("critical", r.findings[1].severity)
    assert.same({ true, false }, { label_sourced(r.findings[1]) })
    assert.equals("critical", screen_one("conditions", "decompensated cirrhosis")
      .findings[1].severity)

    r = screen_one("medications", "theophylline ER 300 mg")
    assert.same({ { "drug.theophylline", "drug.theophylline", "exact",
      "theophylline ER 300 mg" } }, rows(r))
    assert.equals("moderate", r.findings[1].severity)
    assert.same({ true, false }, { label_sourced(r.findings[1]) })

    r = screen_one("medications", "methadone 10 mg daily")
    assert.same({
      { "drug.methadone", "drug.methadone", "exact", "methadone 10 mg daily" },
      { "drug_class.narcotic_pain_relievers", "drug.methadone", "exact", "methadone 10 mg daily" },
    }, rows(r))
    assert.is_true((label_sourced(r.findings[1])))
    assert.same({ false, true }, { label_sourced(r.findings[2]) })   -- the seed's class

    r = screen_one("medications", "zidovudine")
    assert.same({ { "drug_class.myelosuppressive", "drug.zidovudine", "exact", "zidovudine" } },
      rows(r))
    -- its sources are monographs, not the label itself (issue 13)
    assert.equals("literature", kb:get(r.findings[1].id).evidence)
    assert.same({ "drug.zidovudine" }, matched("medications", "AZT"))

    -- a seed fact cites the article
    r = screen_one("conditions", "lupus")
    assert.same({ false, true }, { label_sourced(r.findings[1]) })
    assert.equals("article", kb:get(r.findings[1].id).evidence)
  end)
end)

describe("kb:check_symptoms", function()
  local kb = interferon.default()

  it("returns a listed side effect with its frequency", function()
    local r = assert(kb:check_symptoms({ "nausea", "metallic taste", "throwing up",
      "tiredness", "insomnia", "hair falling out" }))
    assert.equals("symptoms", r.type)
    assert.same({
      { "side_effect.fatigue", "side_effect.fatigue", "synonym", "tiredness" },
      { "side_effect.nausea", "side_effect.nausea", "exact", "nausea" },
      { "side_effect.vomiting", "side_effect.vomiting", "synonym", "throwing up" },
      { "side_effect.difficulty_sleeping", "side_effect.difficulty_sleeping", "synonym",
        "insomnia" },
      { "side_effect.hair_loss", "side_effect.hair_loss", "synonym", "hair falling out" },
      { "side_effect.metallic_taste", "side_effect.metallic_taste", "exact",
        "metallic taste" },
    }, rows(r))
    local freq = {}
    for _, f in ipairs(r.findings) do freq[#freq + 1] = f.frequency end
    assert.same({ "common", "common", "common", "less_common", "less_common", "less_common" },
      freq)
    assert.same({ critical = 0, high = 0, moderate = 0, low = 3, info = 3, recognized = 0 },
      r.counts)
    assert.same({}, r.unrecognized)
    assert.equals("symptoms", r.findings[1].field)
  end)

  it("makes suicidal thoughts critical, in the ways people say it", function()
    for _, said in ipairs({ "thoughts of suicide", "suicidal thoughts", "Suicidal",
      "suicidal ideation", "I want to die", "want to kill myself", "better off dead",
      "self-harm", "wants to kill himself", "end it all", "R45.851" }) do
      local r = assert(kb:check_symptoms({ said }))
      assert.equals(1, #r.findings, said)
      assert.equals("warning.suicidal_thoughts", r.findings[1].id, said)
      assert.equals("critical", r.findings[1].severity, said)
      assert.equals(1, r.counts.critical, said)
    end
  end)

  it("makes low mood a depression warning", function()
    for _, said in ipairs({ "low mood", "feeling down", "depressed", "hopeless",
      "feeling blue" }) do
      local r = assert(kb:check_symptoms({ said }))
      assert.same({ { "warning.depression", "warning.depression", "synonym", said } },
        rows(r), said)
      assert.equals("high", r.findings[1].severity)
    end
  end)

  it("lists everything else as unrecognised, for the doctor", function()
    local r = assert(kb:check_symptoms({ "rash", "cough", "purple toes", "nausea" }))
    assert.same({ "rash", "cough", "purple toes" }, unknown(r))
    for _, u in ipairs(r.unrecognized) do assert.equals("symptoms", u.field) end
    assert.equals("review", r.status)
    assert.equals("clear", assert(kb:check_symptoms({})).status)
  end)

  it("is the same through interferon.check_symptoms", function()
    local list = { "nausea", "feeling down", "rash" }
    assert.same(kb:check_symptoms(list), interferon.check_symptoms(list))
  end)
end)

describe("realistic patients", function()
  local kb = interferon.default()
  for _, case in ipairs(PATIENTS) do
    it(case.name, function()
      local r = assert(kb:screen(case.patient))
      assert.same(case.findings, rows(r))
      assert.same(case.unrecognized, unknown(r))
      assert.equals((#case.findings == 0 and #case.unrecognized == 0) and "clear" or "review",
        r.status)
    end)
  end
end)

describe("the patient schema refuses", function()
  local kb = interferon.default()

  local function refused(p, message, field)
    local r, err, at = kb:screen(p)
    assert.is_nil(r)
    assert.equals(message, err)
    assert.equals(field, at)
  end

  it("an unknown field, suggesting the one meant", function()
    refused({ medication = { "Ativan" } },
      "unknown field 'medication' (did you mean 'medications'?)", "medication")
    refused({ condition = {} }, "unknown field 'condition' (did you mean 'conditions'?)",
      "condition")
    refused({ pregnancy = true }, "unknown field 'pregnancy' (did you mean 'pregnant'?)",
      "pregnancy")
    refused({ allergies = { "penicillin" } }, "unknown field 'allergies'", "allergies")
    refused({ "Ativan" }, "unknown field 1 (field names are strings)", 1)
  end)

  it("a field of the wrong type, naming it", function()
    refused({ pregnant = "no" }, "field 'pregnant' must be true or false, got string \"no\"",
      "pregnant")
    refused({ breastfeeding = 0 }, "field 'breastfeeding' must be true or false, got number",
      "breastfeeding")
    refused({ age = "41" }, "field 'age' must be a number, got string \"41\"", "age")
    refused({ age = -1 }, "field 'age' must be between 0 and 150", "age")
    refused({ age = 0 / 0 }, "field 'age' must be between 0 and 150", "age")
    refused({ id = 42 }, "field 'id' must be a string, got number", "id")
    refused({ sex = true }, "field 'sex' must be a string, got boolean", "sex")
  end)

  it("a string where a list belongs, and a bad item inside a list", function()
    refused({ conditions = "diabetes" },
      "field 'conditions' must be a list of strings, got string \"diabetes\"", "conditions")
    refused({ medications = { "Ativan", 1 } }, "medications[2] must be a string, got number",
      "medications")
    refused({ supplements = { "zinc", { "iron" } } },
      "supplements[2] must be a string, got table", "supplements")
    refused({ symptoms = { "a", nil, "b" } },
      "symptoms[2] must be a string, got a gap in the list", "symptoms")
    refused({ conditions = { lupus = true } },
      "field 'conditions' must be a list of strings (it has the key string \"lupus\")",
      "conditions")
    refused({ conditions = { [1.5] = "x" } },
      "field 'conditions' must be a list of strings (it has the key number)", "conditions")
    local long = ("x"):rep(1001)
    refused({ conditions = { long } }, "conditions[1] is 1001 bytes, longer than the limit of 1000",
      "conditions")
    local many = {}
    for i = 1, 1001 do many[i] = "x" end
    refused({ medications = many }, "field 'medications' has more than 1000 items", "medications")
  end)

  it("a string field longer than the limit", function()
    refused({ id = ("x"):rep(1001) }, "field 'id' is 1001 bytes, longer than the limit of 1000", "id")
    refused({ sex = ("x"):rep(5000) }, "field 'sex' is 5000 bytes, longer than the limit of 1000",
      "sex")
  end)

  it("a cyclic table, without looping", function()
    local list = {}
    list[1] = list
    refused({ conditions = list }, "conditions[1] must be a string, got table", "conditions")
    local p = {}
    p.conditions = p
    refused(p, "field 'conditions' must be a list of strings (it has the key string " ..
      "\"conditions\")", "conditions")
  end)

  it("a table whose metamethods raise, without calling them", function()
    local function boom() error("metamethod called") end
    local hostile = { __newindex = boom, __len = boom, __pairs = boom,
      __eq = boom, __tostring = boom, __call = boom, __concat = boom }
    local bad = setmetatable({ "Ativan", 7 }, hostile)
    refused({ medications = bad }, "medications[2] must be a string, got number", "medications")
    refused(setmetatable({ medication = {} }, hostile),
      "unknown field 'medication' (did you mean 'medications'?)", "medication")
    -- the raw contents are what is screened: no metamethod runs
    local r = assert(kb:screen(setmetatable({ medications = setmetatable({ "Ativan" }, hostile) },
      hostile)))
    assert.same({ "drug.lorazepam" }, { r.findings[1].matched })
    local s, err = kb:check_symptoms(setmetatable({ "nausea", false }, hostile))
    assert.is_nil(s)
    assert.equals("symptoms[2] must be a string, got boolean", err)
  end)

  it("a table that could hide fields behind __index, instead of screening it as empty", function()
    local function boom() error("metamethod called") end
    refused(setmetatable({}, { __index = { conditions = { "lupus" } } }),
      "the patient has a metatable with __index; pass a plain table")
    refused(setmetatable({}, { __index = boom }),
      "the patient has a metatable with __index; pass a plain table")
    refused(setmetatable({}, { __metatable = "locked" }),
      "the patient has a metatable with __index; pass a plain table")
    refused({ medications = setmetatable({}, { __index = { "Ativan" } }) },
      "field 'medications' has a metatable with __index; pass a plain list", "medications")
  end)

  it("misuse, by raising an error that names the argument", function()
    assert.has_error(function() kb:screen("MRN-1") end,
      "bad argument #1 to 'screen' (table expected, got string)")
    assert.has_error(function() kb:screen() end,
      "bad argument #1 to 'screen' (table expected, got nil)")
    assert.has_error(function() interferon.screen(42) end,
      "bad argument #1 to 'screen' (table expected, got number)")
    assert.has_error(function() kb:check_symptoms("nausea") end,
      "bad argument #1 to 'check_symptoms' (table expected, got string)")
    assert.has_error(function() interferon.check_symptoms() end,
      "bad argument #1 to 'check_symptoms' (table expected, got nil)")
    assert.has_error(function() kb.screen({}, {}) end,
      "bad argument #1 to 'screen' (knowledge base expected, got table)")
  end)

  it("check_symptoms, a bad list, with the same messages", function()
    local r, err = kb:check_symptoms({ "nausea", 3 })
    assert.is_nil(r)
    assert.equals("symptoms[2] must be a string, got number", err)
    r, err = kb:check_symptoms({ x = "nausea" })
    assert.is_nil(r)
    assert.equals("field 'symptoms' must be a list of strings (it has the key string \"x\")", err)
  end)
end)
