-- Conditions implied by medicines (issue 12): a drug's `implies` raises
-- the condition's concern with match "implied" and the medicine as `via`,
-- once per condition, only when the record does not already name it.  On a
-- small made-up knowledge base, so that the mechanism is tested apart from
-- the bundled data.
local interferon = require("interferon")

local kb = assert(interferon.load({ "spec/fixtures/implied_kb.yaml" }, { bundled = false }))

local function rows(r)
  local out = {}
  for _, f in ipairs(r.findings) do
    out[#out + 1] = table.concat({ f.id, f.match, f.input, f.via or "-" }, " | ")
  end
  return out
end

describe("implied conditions", function()
  it("raise the condition's concern, with the medicine as the evidence", function()
    local r = assert(kb:screen({ medications = { "Glandex 50 mg" } }))
    assert.same({ "condition.gland | implied | Glandex 50 mg | drug.glandol" }, rows(r))
    assert.same({}, r.recognized)          -- the medicine is the finding's input
    assert.equals("moderate", r.findings[1].severity)
    assert.equals("condition.gland", r.findings[1].matched)
    assert.same({ "reference.test" }, r.findings[1].sources)
    assert.same({ critical = 0, high = 0, moderate = 1, low = 0, info = 0, recognized = 0 },
      r.counts)
    -- with the condition named, the medicine is recognised and implies nothing
    r = assert(kb:screen({ conditions = { "gland disease" }, medications = { "Glandex 50 mg" } }))
    assert.same({ "drug.glandol" }, { r.recognized[1].id })
  end)

  it("once per condition, however many medicines imply it", function()
    local r = assert(kb:screen({ medications = { "glandol", "glandomycin", "glandol" } }))
    assert.same({ "condition.gland | implied | glandol | drug.glandol",
      "condition.other | implied | glandomycin | drug.glandomycin",
      "drug_class.watch | exact | glandomycin | -" }, rows(r))
  end)

  it("from a medicine whose own finding the sort moves, and from one recognised", function()
    -- glandomycin's finding (info) is made before severol's (high) and
    -- sorted after it; the medicines that imply are read back from the
    -- sorted findings, then from the recognised terms (Glandex)
    local r = assert(kb:screen({ medications = { "glandomycin", "severol", "Glandex" } }))
    assert.same({ "drug.severol | exact | severol | -",
      "condition.gland | implied | glandomycin | drug.glandomycin",
      "condition.other | implied | glandomycin | drug.glandomycin",
      "drug_class.watch | exact | glandomycin | -" }, rows(r))
    r = assert(kb:screen({ medications = { "severol", "Glandex", "glandomycin" } }))
    assert.same({ "drug.severol | exact | severol | -",
      "condition.gland | implied | Glandex | drug.glandol",
      "condition.other | implied | glandomycin | drug.glandomycin",
      "drug_class.watch | exact | glandomycin | -" }, rows(r))
  end)

  it("takes the medicine that implied a finding out of 'recognized' in its own field only",
    function()
    -- the same words among the supplements are another input: still
    -- accounted for, as recognised
    local r = assert(kb:screen({ medications = { "Glandex" }, supplements = { "Glandex" } }))
    assert.same({ "condition.gland | implied | Glandex | drug.glandol" }, rows(r))
    assert.equals(1, #r.recognized)
    assert.same({ "supplements", "Glandex", "drug.glandol" },
      { r.recognized[1].field, r.recognized[1].input, r.recognized[1].id })
    assert.same({}, r.unrecognized)
  end)

  it("not when the record names the condition, in any form", function()
    for _, cond in ipairs({ "gland disease", "gland trouble", "hx of gland disease" }) do
      local r = assert(kb:screen({ conditions = { cond }, medications = { "glandol" } }))
      local ids = {}
      for _, f in ipairs(r.findings) do ids[#ids + 1] = f.id .. " " .. f.match end
      assert.equals(1, #ids, cond)
      assert.is_nil(ids[1]:find("implied"), cond)
    end
  end)

  it("never from a medicine that implies nothing, nor from a denied one", function()
    assert.same({}, rows(assert(kb:screen({ medications = { "plainol" } }))))
    assert.same({}, rows(assert(kb:screen({ medications = { "allergic to glandol" } }))))
  end)

  it("refuses an 'implies' that is not a condition with a concern", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[
format: interferon-kb/1
entries:
  - id: drug.bad
    kind: drug
    name: "badol"
    implies: [drug.glandol]
    sources: [reference.test]
]])
    f:close()
    local got, err = interferon.load({ "spec/fixtures/implied_kb.yaml", path }, { bundled = false })
    os.remove(path)
    assert.is_nil(got)
    assert.equals(path .. ":3:5: 'implies' of 'drug.bad' names 'drug.glandol', which is not a " ..
      "condition with a concern", err)
  end)

  it("shows in every report as implied by the medicine", function()
    local r = assert(kb:screen({ medications = { "Glandex" } }))
    local text = interferon.report(r, "text", { kb = kb }):gsub("%s+", " ")
    assert.truthy(text:find('-> condition.gland, implied by "drug.glandol"]', 1, true))
    assert.truthy(interferon.report(r, "markdown", { kb = kb }):find("implied by", 1, true))
    assert.truthy(interferon.report(r, "html", { kb = kb }):find("implied by", 1, true))
    assert.truthy(interferon.report(r, "json", { kb = kb }):find('"via":"drug.glandol"', 1, true))
  end)
end)

describe("implied conditions in CDS Hooks and FHIR", function()
  it("carry the medicine as the evidence", function()
    local r = assert(kb:screen({ medications = { "Glandex 50 mg", "plainol" } }))
    local fhir = interferon.report(r, "fhir", { kb = kb })
    assert.truthy(fhir:find('"evidence":[{"code":[{"text":"Implied by the medicine glandol ' ..
      '(\\"Glandex 50 mg\\")"}]}]', 1, true))
    assert.truthy(fhir:find('"code":"COND"', 1, true))
    assert.truthy(fhir:find("Recognised, no interferon concern in this knowledge base: plainol.",
      1, true))
    local cds = interferon.report(r, "cds-hooks", { kb = kb })
    assert.truthy(cds:find("implied by the medicine glandol", 1, true))
    assert.truthy(cds:find('"summary":"Recognised, no interferon concern in this knowledge ' ..
      'base: plainol"', 1, true))
  end)
end)
