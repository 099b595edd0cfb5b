-- Every fact of the seed article is answered by kb:lookup as a clinic
-- would type it, and every answer names its sources.
local interferon = require("interferon")
local kb = interferon.default()

-- { what a person types, the entry it must find, a field it must have }
local facts = {
  -- the three types, and which one treats leukemia
  { "interferon alpha", "interferon_type.alpha", { used_for_leukemia = true } },
  { "IFN-beta", "interferon_type.beta" },
  { "gamma interferon", "interferon_type.gamma" },
  -- the two leukemias
  { "CML", "indication.chronic_myelogenous_leukemia" },
  { "chronic myeloid leukaemia", "indication.chronic_myelogenous_leukemia" },
  { "hairy cell leukemia", "indication.hairy_cell_leukemia" },
  -- how it is thought to work
  { "how does interferon work", "mechanism.exact_mechanism_unknown" },
  { "immune stimulation", "mechanism.immune_stimulation" },
  { "antiproliferative effect", "mechanism.growth_interference" },
  { "cell differentiation", "mechanism.maturation" },
  { "biological therapy", "mechanism.natural_immune_protein" },
  -- when it is offered
  -- a bare "stem cell transplant" is a transplant recipient (issue 13)
  { "not eligible for stem cell transplant", "treatment_setting.not_suited_to_transplant" },
  { "chemo", "treatment_setting.with_chemotherapy" },
  -- the routes, and the usual one
  { "subcutaneous", "route.subcutaneous", { usual = true } },
  { "under the skin", "route.subcutaneous" },
  { "IV", "route.intravenous" },
  { "into the muscle", "route.intramuscular" },
  -- common side effects
  { "diarrhea", "side_effect.diarrhea", { frequency = "common", severity = "low" } },
  { "dizzy", "side_effect.dizziness", { frequency = "common" } },
  { "tiredness", "side_effect.fatigue", { frequency = "common" } },
  { "fevers", "side_effect.fever", { frequency = "common" } },
  { "chills", "side_effect.chills", { frequency = "common" } },
  { "headaches", "side_effect.headache", { frequency = "common" } },
  { "infections", "side_effect.infection_risk", { frequency = "common" } },
  { "loss of appetite", "side_effect.loss_of_appetite", { frequency = "common" } },
  { "mood swings", "side_effect.mood_swings", { frequency = "common" } },
  { "muscle aches", "side_effect.muscle_aches", { frequency = "common" } },
  { "joint pain", "side_effect.joint_aches", { frequency = "common" } },
  { "nausea", "side_effect.nausea", { frequency = "common" } },
  { "poor concentration", "side_effect.poor_concentration", { frequency = "common" } },
  { "throwing up", "side_effect.vomiting", { frequency = "common" } },
  -- less common side effects
  { "insomnia", "side_effect.difficulty_sleeping", { frequency = "less_common", severity = "info" } },
  { "dry mouth", "side_effect.dry_mouth", { frequency = "less_common" } },
  { "dry skin", "side_effect.dry_skin", { frequency = "less_common" } },
  { "metallic taste", "side_effect.metallic_taste", { frequency = "less_common" } },
  { "pins and needles", "side_effect.pins_and_needles", { frequency = "less_common" } },
  { "hair loss", "side_effect.hair_loss", { frequency = "less_common" } },
  -- how side effects evolve
  { "do side effects go away", "side_effect_course.ease_with_time" },
  { "dose increase", "side_effect_course.return_on_dose_increase" },
  { "after treatment ends", "side_effect_course.fade_after_treatment" },
  -- the warning to watch for depression and suicidal thoughts
  { "suicidal thoughts", "warning.suicidal_thoughts", { severity = "critical" } },
  { "low mood", "warning.depression", { severity = "high" } },
  -- the ten conditions of special concern
  { "autoimmune disorders", "condition.autoimmune_disorders", { severity = "moderate" } },
  { "lupus", "condition.autoimmune_disorders" },
  { "bleeding problems", "condition.bleeding_problems", { severity = "moderate" } },
  { "hemophilia", "condition.bleeding_problems" },
  { "poor circulation", "condition.blood_circulation_problems", { severity = "moderate" } },
  { "depression", "condition.depression", { severity = "high" } },
  { "diabetes", "condition.diabetes", { severity = "moderate" } },
  { "type 2 diabetes", "condition.diabetes" },
  { "heart disease", "condition.heart_disease", { severity = "moderate" } },
  { "heart failure", "condition.heart_disease" },
  { "kidney disease", "condition.kidney_disease", { severity = "moderate" } },
  { "CKD", "condition.kidney_disease" },
  { "lung disease", "condition.lung_disease", { severity = "moderate" } },
  { "COPD", "condition.lung_disease" },
  { "seizures", "condition.seizures", { severity = "moderate" } },
  { "epilepsy", "condition.seizures" },
  { "thyroid disease", "condition.thyroid_disease", { severity = "moderate" } },
  { "underactive thyroid", "condition.thyroid_disease" },
  -- pregnancy and breastfeeding
  { "pregnant", "condition.pregnancy", { severity = "high", patient_flag = "pregnant" } },
  { "breastfeeding", "condition.breastfeeding", { severity = "high", patient_flag = "breastfeeding" } },
  -- the seven classes of sleep-inducing drugs
  { "anti-seizure drugs", "drug_class.anti_seizure", { severity = "moderate" } },
  { "antihistamines", "drug_class.antihistamines", { severity = "moderate" } },
  { "anxiety medication", "drug_class.anxiety_medication", { severity = "moderate" } },
  { "narcotic pain relievers", "drug_class.narcotic_pain_relievers", { severity = "moderate" } },
  { "psychiatric medication", "drug_class.psychiatric_medication", { severity = "moderate" } },
  { "sedatives", "drug_class.sedatives", { severity = "moderate" } },
  { "sleeping pills", "drug_class.sleep_medication", { severity = "moderate" } },
  -- the advice to report every drug, vitamin and herbal remedy
  { "OTC medicines", "advice.report_all_medicines", { severity = "info" } },
  { "herbal remedies", "advice.report_supplements", { severity = "info" } },
  { "vitamins", "advice.report_supplements" },
  { "medical history", "advice.discuss_health_conditions" },
}

describe("the seed article", function()
  for _, f in ipairs(facts) do
    it(("answers '%s'"):format(f[1]), function()
      local e, how = kb:lookup(f[1])
      assert.is_not_nil(e, f[1] .. " found nothing")
      assert.equal(f[2], e.id)
      assert.is_true(how == "exact" or how == "synonym", "matched by " .. tostring(how))
      for k, v in pairs(f[3] or {}) do assert.equal(v, e[k], k) end
      assert.is_true(#e.sources >= 1)
      for _, src in interferon.ipairs(e.sources) do assert.equal("reference", kb:get(src).kind) end
    end)
  end

  it("cites the article on every seed fact", function()
    for _, f in ipairs(facts) do
      local e = kb:lookup(f[1])
      local cites = false
      for _, src in interferon.ipairs(e.sources) do cites = cites or src == "reference.article" end
      assert.is_true(cites, e.id .. " does not cite the article")
    end
  end)

  it("carries the article and its five references", function()
    for _, id in ipairs({ "reference.article", "reference.antigenics_nd",
      "reference.health_communities_2009", "reference.nci_2006", "reference.ogbru_2010",
      "reference.toulouse_nd" }) do
      local r = kb:get(id)
      assert.is_not_nil(r, id)
      assert.is_string(r.title)
    end
    assert.equal(2010, kb:get("reference.ogbru_2010").year)
  end)

  it("lists exactly the article's side effects by frequency", function()
    assert.equal(14, #kb:list("side_effect", { frequency = "common" }))
    assert.equal(6, #kb:list("side_effect", { frequency = "less_common" }))
  end)
end)
