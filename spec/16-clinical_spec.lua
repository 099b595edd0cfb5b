-- Clinical content of issue 13, through the public API: red flags that
-- always fire, warning symptoms at the right level, the label
-- contraindications, liver disease staged by its codes, interactions,
-- codes, evidence, and the severity policy the compiler enforces.
local interferon = require("interferon")
local support = require("spec.support")

local kb = interferon.default()

-- "id severity" of every finding for one symptom
local function symptom(text)
  local r = assert(kb:check_symptoms({ text }))
  local out = {}
  for _, f in ipairs(r.findings) do out[#out + 1] = f.id .. " " .. f.severity end
  return out
end

-- "id severity" of every finding for one term in FIELD
local function screened(field, text)
  local r = assert(kb:screen({ [field] = { text } }))
  local out = {}
  for _, f in ipairs(r.findings) do out[#out + 1] = f.id .. " " .. f.severity end
  return out
end

describe("red flags (issue 13, point 1)", function()
  local SUICIDAL = {
    "SI", "passive SI", "active SI", "+SI", "endorses SI", "reports SI",
    "positive for SI", "SI with plan", "suicidal ideation", "suicidal",
    "suicidality", "thoughts of death", "recurrent thoughts of death",
    "life not worth living", "life is not worth living", "wants to end his life",
    "wants to end her life", "wants to end it", "took an overdose",
    "intentional overdose", "tried to overdose", "overdosed", "self-harm",
    "self harm", "self-injury", "cutting herself", "cutting myself",
    "I want to kill myself", "better off dead", "wish I were dead",
    "I don't want to live anymore", "family would be better off without me",
    "thinking of taking all my pills", "thinking about ending it all",
    "passive death wish", "suicide attempt", "attempted suicide",
    "no reason to live", "R45.851", "c/o SI", "pt endorses passive SI",
    "having thoughts of killing himself", "suicidal thoughts with plan",
  }
  local HOMICIDAL = {
    "HI", "passive HI", "+HI", "endorses HI", "homicidal ideation", "homicidal",
    "homicidal thoughts", "thoughts of harming others", "thoughts of hurting someone",
    "wants to kill someone", "aggression", "aggressive behaviour", "violent outbursts",
    "violent behavior", "R45.850", "thoughts of hurting my wife", "he wants to hurt people",
    "afraid I might hurt someone",
  }

  it("makes every suicidal phrasing critical", function()
    assert.is_true(#SUICIDAL + #HOMICIDAL >= 40)
    for _, text in ipairs(SUICIDAL) do
      assert.same({ "warning.suicidal_thoughts critical" }, symptom(text), text)
    end
  end)

  it("makes thoughts of harming others, aggression and violence critical", function()
    for _, text in ipairs(HOMICIDAL) do
      assert.same({ "warning.thoughts_of_harming_others critical" }, symptom(text), text)
    end
  end)

  it("raises nothing for the negated forms", function()
    for _, text in ipairs({ "denies SI", "SI denied", "no SI", "denies SI/HI",
      "no thoughts of harming anyone", "denies homicidal ideation", "HI denied",
      "no suicidal ideation", "denies thoughts of death", "no self-harm",
      "suicidal ideation: none", "SI: none", "negative for SI",
      "denies thoughts of harming others", "no suicidal or homicidal ideation",
      "chest pain free" }) do
      assert.same({}, symptom(text), text)
    end
  end)

  it("says what the labels say: stop interferon, urgent assessment", function()
    local e = kb:get("warning.suicidal_thoughts")
    assert.truthy(e.action:find("stop interferon when suicidal ideation appears", 1, true))
    assert.truthy(e.action:find("same-day assessment", 1, true))
    e = kb:get("warning.thoughts_of_harming_others")
    assert.truthy(e.action:find("stop interferon when", 1, true))
    assert.equals("risk_to_life", e.basis)
  end)

  it("keeps short synonyms exact: 'si' and 'hi' name nothing else", function()
    assert.equals("warning.suicidal_thoughts", kb:lookup("SI").id)
    assert.equals("warning.thoughts_of_harming_others", kb:lookup("HI").id)
    assert.same({}, screened("conditions", "aggressive lymphoma"))
    assert.same({}, screened("conditions", "Drug overdose"))
    assert.same({}, symptom("hi there, feeling ok"))
    assert.same({}, screened("conditions", "SI joint dysfunction"))
  end)
end)

describe("warning symptoms (point 2)", function()
  it("are high when the labels say to stop or see someone at once", function()
    local cases = {
      { "neutropenic fever", "warning.fever_during_therapy" },
      { "fever with chills", "warning.fever_during_therapy" },
      { "bloody diarrhoea", "warning.bloody_diarrhea" },
      { "black tarry stools", "warning.bloody_diarrhea" },
      { "severe abdominal pain", "warning.severe_abdominal_pain" },
      { "chest pain", "warning.chest_pain" },
      { "shortness of breath", "warning.shortness_of_breath" },
      { "SOB", "warning.shortness_of_breath" },
      { "loss of vision", "warning.vision_changes" },
      { "blurred vision", "warning.vision_changes" },
      { "yellow eyes", "warning.jaundice" },
      { "dark urine", "warning.jaundice" },
      { "slurred speech", "warning.stroke_symptoms" },
    }
    for _, c in ipairs(cases) do
      assert.same({ c[2] .. " high" }, symptom(c[1]), c[1])
    end
  end)

  it("leaves the expected flu-like fever low", function()
    assert.same({ "side_effect.fever low" }, symptom("fever"))
  end)
end)

describe("label contraindications (point 3)", function()
  it("are critical", function()
    for _, c in ipairs({
      { "severe depression", "condition.severe_psychiatric_disorder" },
      { "prior suicide attempt", "condition.severe_psychiatric_disorder" },
      { "Z91.51", "condition.severe_psychiatric_disorder" },
      { "history of SI", "condition.severe_psychiatric_disorder" },
      { "h/o SI", "condition.severe_psychiatric_disorder" },
      { "active autoimmune disease", "condition.active_autoimmune_disease" },
      { "stem cell transplant", "condition.transplant_recipient" },
      { "kidney transplant", "condition.transplant_recipient" },
      { "Z94.0", "condition.transplant_recipient" },
      { "autoimmune hepatitis", "condition.autoimmune_hepatitis" },
      { "decompensated cirrhosis", "condition.decompensated_liver_disease" },
      { "allergic to interferon", "condition.interferon_alfa_hypersensitivity" },
      { "wife is pregnant", "condition.partner_pregnant_ribavirin" },
      { "sickle cell disease", "condition.hemoglobinopathy" },
      { "D57.1", "condition.hemoglobinopathy" },
    }) do
      assert.same({ c[2] .. " critical" }, screened("conditions", c[1]), c[1])
      assert.equals("contraindication", kb:get(c[2]).basis, c[2])
    end
    assert.same({ "drug.didanosine critical" }, screened("medications", "Videx"))
  end)

  it("grades bipolar disorder and psychosis high, as the labels' 'extreme caution'", function()
    for _, text in ipairs({ "bipolar disorder", "schizophrenia", "psychosis", "F31.9" }) do
      assert.same({ "condition.bipolar_or_psychotic_disorder high" },
        screened("conditions", text), text)
    end
    assert.equals("precaution", kb:get("condition.bipolar_or_psychotic_disorder").basis)
  end)

  it("keeps the seed's treatment setting for 'not eligible for stem cell transplant'", function()
    assert.equals("treatment_setting.not_suited_to_transplant",
      kb:lookup("not eligible for stem cell transplant").id)
  end)

  it("leaves out grafts that need no immunosuppression (cornea, skin, bone)", function()
    for _, code in ipairs({ "Z94.7", "Z94.5", "T86.841" }) do
      assert.same({}, screened("conditions", code), code)
    end
    assert.same({ "condition.transplant_recipient critical" }, screened("conditions", "T86.11"))
  end)

  it("leaves trait carriers out of the haemoglobinopathies", function()
    assert.same({}, screened("conditions", "D57.3"))
    assert.same({}, screened("conditions", "D56.3"))
  end)
end)

describe("liver disease (point 4)", function()
  it("raises the critical entry only for codes that say decompensation", function()
    for _, code in ipairs({ "K72.90", "K70.41", "K70.31", "K76.7", "K76.82", "R18.8",
      "I85.01", "I85.11" }) do
      assert.same({ "condition.decompensated_liver_disease critical" },
        screened("conditions", code), code)
    end
  end)

  it("raises compensated or unstaged cirrhosis high", function()
    for _, text in ipairs({ "K74.60", "K74.69", "K70.30", "I85.00", "K76.6", "cirrhosis",
      "compensated cirrhosis", "Child-Pugh A" }) do
      assert.same({ "condition.cirrhosis high" }, screened("conditions", text), text)
    end
  end)

  it("recognises ascites, varices, encephalopathy and hepatitis B and C", function()
    assert.same({ "condition.decompensated_liver_disease critical" },
      screened("conditions", "ascites"))
    assert.same({ "condition.decompensated_liver_disease critical" },
      screened("conditions", "hepatic encephalopathy"))
    assert.same({ "condition.decompensated_liver_disease critical" },
      screened("conditions", "esophageal varices with bleeding"))
    assert.same({ "condition.cirrhosis high" }, screened("conditions", "esophageal varices"))
    assert.same({ "condition.chronic_viral_hepatitis moderate" },
      screened("conditions", "hepatitis C"))
    assert.same({ "condition.chronic_viral_hepatitis moderate" },
      screened("conditions", "B18.1"))
  end)

  it("leaves malignant ascites to the care team", function()
    assert.same({}, screened("conditions", "R18.0"))
  end)
end)

describe("interactions (point 5)", function()
  it("raises hydroxyurea high for vasculitic ulcers, and in the marrow class", function()
    assert.same({ "drug.hydroxyurea high", "drug_class.myelosuppressive moderate" },
      screened("medications", "Hydrea 500 mg"))
    assert.truthy(kb:get("drug.hydroxyurea").action:find("vasculitic ulcers", 1, true))
  end)

  it("raises telbivudine high: regulators advise against the combination", function()
    assert.same({ "drug.telbivudine high" }, screened("medications", "Tyzeka"))
    local e = kb:get("drug.telbivudine")
    assert.equals("regulator", e.evidence)
    assert.equals("regulator_advice", e.basis)
  end)

  it("puts clozapine and carbamazepine in the myelosuppressive class", function()
    assert.same({ "drug_class.myelosuppressive moderate", "drug_class.psychiatric_medication moderate" },
      screened("medications", "clozapine 100 mg"))
    assert.same({ "drug_class.anti_seizure moderate", "drug_class.myelosuppressive moderate" },
      screened("medications", "Tegretol"))
  end)

  it("says not to stop benzodiazepines or opioids suddenly", function()
    for _, id in ipairs({ "drug_class.anxiety_medication", "drug_class.sedatives",
      "drug_class.sleep_medication" }) do
      assert.truthy(kb:get(id).action:find("Do not stop a benzodiazepine", 1, true), id)
    end
    assert.truthy(kb:get("drug_class.narcotic_pain_relievers").action
      :find("Do not stop an opioid suddenly", 1, true))
  end)
end)

describe("codes (point 6)", function()
  it("raises pregnancy for Z34, Z3A, O09 and the pregnancy complications", function()
    for _, code in ipairs({ "Z33.1", "Z34.00", "Z3A.20", "O09.521", "O24.419", "O36.5930" }) do
      assert.same({ "condition.pregnancy high" }, screened("conditions", code), code)
    end
  end)

  it("does not take a past or ended pregnancy for a current one", function()
    for _, code in ipairs({ "Z87.59", "O03.9", "O80", "O90.89" }) do
      assert.same({}, screened("conditions", code), code)
    end
    local r = assert(kb:screen({ conditions = { "history of pregnancy" } }))
    assert.same({}, r.findings)
  end)

  it("files the thrombophilias under circulation, not bleeding", function()
    for _, text in ipairs({ "D68.51", "D68.61", "factor V Leiden", "antiphospholipid syndrome" }) do
      assert.same({ "condition.blood_circulation_problems moderate" },
        screened("conditions", text), text)
    end
    assert.same({ "condition.bleeding_problems moderate" }, screened("conditions", "D68.0"))
    assert.same({ "condition.bleeding_problems moderate" }, screened("conditions", "D68.311"))
  end)

  it("covers arrhythmias, hypertension, lungs, kidneys, stroke, clots and Z86", function()
    local cases = {
      { "I47.1", "condition.heart_disease" }, { "I49.9", "condition.heart_disease" },
      { "I10", "condition.high_blood_pressure" }, { "HTN", "condition.high_blood_pressure" },
      { "J42", "condition.lung_disease" }, { "I27.20", "condition.lung_disease" },
      { "pulmonary hypertension", "condition.lung_disease" },
      { "D86.0", "condition.autoimmune_disorders" }, { "sarcoidosis", "condition.autoimmune_disorders" },
      { "N17.9", "condition.kidney_disease" }, { "AKI", "condition.kidney_disease" },
      { "Z99.2", "condition.kidney_disease" }, { "I63.9", "condition.blood_circulation_problems" },
      { "I80.10", "condition.blood_circulation_problems" },
      { "Z86.718", "condition.blood_circulation_problems" },
      { "Z86.73", "condition.blood_circulation_problems" }, { "Z86.74", "condition.heart_disease" },
    }
    for _, c in ipairs(cases) do
      assert.same({ c[2] .. " moderate" }, screened("conditions", c[1]), c[1])
    end
  end)
end)

describe("evidence (point 7)", function()
  it("tells the label, regulators, literature and the article apart", function()
    assert.equals("literature", kb:get("drug_class.muscle_relaxants").evidence)
    assert.equals("literature", kb:get("drug.aminophylline").evidence)
    assert.equals("literature", kb:get("drug_class.transplant_immunosuppressants").evidence)
    assert.equals("regulator", kb:get("drug.telbivudine").evidence)
    assert.equals("label", kb:get("condition.autoimmune_hepatitis").evidence)
    assert.equals("article", kb:get("condition.diabetes").evidence)
  end)

  it("keeps the label's causal claim apart from the article's in depression", function()
    local e = kb:get("condition.depression")
    assert.truthy(e.summary:find("The article names", 1, true))
    assert.truthy(e.summary:find("The labels add", 1, true))
    local cited = {}
    for _, s in interferon.ipairs(e.sources) do cited[s] = true end
    assert.is_true(cited["reference.article"] and cited["reference.intron_a_label"])
  end)

  it("gives every critical entry a basis the policy allows", function()
    for _, kind in ipairs({ "condition", "warning", "drug", "drug_class" }) do
      for _, e in interferon.ipairs(kb:list(kind)) do
        if e.severity == "critical" then
          assert.is_true(e.basis == "contraindication" or e.basis == "risk_to_life", e.id)
        end
      end
    end
  end)
end)

describe("the severity policy (point 8)", function()
  after_each(support.cleanup)

  local function overlay(entries)
    local path = support.tmpfile("format: interferon-kb/1\nversion: \"site-1\"\nentries:\n"
      .. entries)
    local site, err = interferon.load({ path })
    return site, err and (err:gsub(path:gsub("%p", "%%%0"), "FILE"))
  end

  it("passes on the bundled knowledge base", function()
    assert.is_true(#kb:list("condition") > 0)
  end)

  it("refuses a contraindication below critical, at its severity", function()
    local site, err = overlay([[
  - id: condition.site_contra
    kind: condition
    name: "Site contraindication"
    basis: contraindication
    severity: moderate
    sources: [reference.article]
]])
    assert.is_nil(site)
    assert.equals("FILE:8:5: severity 'moderate' breaks the policy for basis "
      .. "'contraindication' of 'condition.site_contra' (allowed: 'critical')", err)
  end)

  it("refuses a side effect raised to critical and a basis with no severity", function()
    local _, err = overlay([[
  - id: side_effect.site_rash
    kind: side_effect
    name: "Site rash"
    frequency: common
    basis: side_effect
    severity: critical
    sources: [reference.article]
]])
    assert.equals("FILE:9:5: severity 'critical' breaks the policy for basis "
      .. "'side_effect' of 'side_effect.site_rash' (allowed: 'moderate', 'low', 'info')", err)
    _, err = overlay([[
  - id: condition.site_basis
    kind: condition
    name: "Site basis"
    basis: warning
    sources: [reference.article]
]])
    assert.equals("FILE:7:5: 'condition.site_basis' has a 'basis' but no 'severity'", err)
  end)

  it("lets an overlay raise a severity, never lower it", function()
    local site = assert(overlay([[
  - extends: condition.diabetes
    severity: high
]]))
    assert.equals("high", site:get("condition.diabetes").severity)
    local _, err = overlay([[
  - extends: condition.autoimmune_hepatitis
    severity: high
]])
    assert.equals("FILE:5:5: 'extends' may raise a severity, not lower it "
      .. "('condition.autoimmune_hepatitis' is 'critical')", err)
  end)

  it("refuses an unknown basis, naming the allowed ones", function()
    local _, err = overlay([[
  - id: condition.site_odd
    kind: condition
    name: "Site odd"
    basis: hunch
    severity: low
    sources: [reference.article]
]])
    assert.truthy(err:find("^FILE:7:5: 'basis' must be one of 'contraindication'"), err)
  end)
end)
