-- Interoperability: CDS Hooks responses and FHIR R4 Bundles validated
-- against their JSON schemas (the HL7 FHIR R4 fhir.schema.json, and
-- spec/schemas/cds-hooks-response.schema.json written from the CDS Hooks
-- specification) by spec/validate.js, for every example patient and symptom
-- example; the rules the schemas cannot state; and FHIR Bundles read in.
local interferon = require("interferon")
local interop = require("interferon.interop")
local core = require("interferon.core")
local command = require("spec.command")

local kb = interferon.default()

local slurp = command.slurp

local function decode(json)
  local docs = assert(core.decode(json, "report"))
  return docs[1]
end

-- runs spec/validate.js on DOCS (JSON texts); returns its status and output
local function validate(kind, docs)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  for _, d in ipairs(docs) do f:write((d:gsub("\n$", "")), "\n") end
  f:close()
  local r = command.sh("node spec/validate.js " .. kind .. " " .. command.quote(path))
  os.remove(path)
  return r
end

-- every screening and symptom result the examples give, with names
local function example_results()
  local list = {}
  local function add(name, result) list[#list + 1] = { name = name, result = result } end
  for _, path in ipairs({ "examples/patient.yaml", "examples/roster.yaml" }) do
    for p, _, n in interferon.patients(path) do
      if p then add(("%s record %d"):format(path, n), assert(kb:screen(p))) end
    end
  end
  local p = assert(interferon.from_fhir(slurp("examples/fhir-bundle.json"),
    { name = "examples/fhir-bundle.json", as_of = "2026-11-15" }))
  add("examples/fhir-bundle.json", assert(kb:screen(p)))
  add("an empty patient", assert(kb:screen({})))
  add("flags", assert(kb:screen({ pregnant = true, breastfeeding = true })))
  add("awkward input", assert(kb:screen({ id = "MRN <&> \"x\"",
    conditions = { "*bold* [link](x) | `code` \255 \1", ("very long term "):rep(20) },
    medications = { "Ativan", "Xanaxx", "lorazepam 1 mg", "Ativan" } })))
  add("checkin.lua, first run", assert(kb:check_symptoms({ "nausea", "metallic taste" })))
  add("checkin.lua, second run", assert(kb:check_symptoms({ "fever", "thoughts of suicide" })))
  for _, kind in ipairs({ "side_effect", "warning" }) do
    for _, e in ipairs(kb:list(kind)) do
      add("symptom " .. e.id, assert(kb:check_symptoms({ e.name })))
    end
  end
  add("an unknown symptom", assert(kb:check_symptoms({ "purple toes" })))
  add("terms read word by word", assert(kb:screen({ conditions = { "CML", "hx of depression",
    "depression due to chronic pain", "denies diabetes", "family history of seizures" },
    medications = { "allergic to lorazepam", "hydrocodone bitartrate 5 MG / acetaminophen 325 MG" } })))
  local implied_kb = assert(interferon.load({ "spec/fixtures/implied_kb.yaml" }, { bundled = false }))
  add("a condition implied by a medicine", assert(implied_kb:screen({
    medications = { "Glandex 50 mg", "plainol" } })))
  return list
end

-- the JSON of every value in DOC that is null, "", [] or {} (the CDS
-- Hooks rule; FHIR's is the same), except PATH "cards" itself
local function empties(doc, path, out)
  out = out or {}
  if doc == core.null or doc == "" then
    out[#out + 1] = path
  elseif type(doc) == "table" then
    if next(doc) == nil and path ~= "/cards" then out[#out + 1] = path end
    for k, v in pairs(doc) do empties(v, path .. "/" .. tostring(k), out) end
  end
  return out
end

local function chars(s) return select(2, s:gsub("[^\128-\191]", "")) end

describe("interop: CDS Hooks and FHIR R4 against their schemas", function()
  local results = example_results()

  for _, kind in ipairs({ "cds-hooks", "fhir" }) do
    it(("every example's %s report validates #external"):format(kind), function()
      local docs = {}
      for i, x in ipairs(results) do docs[i] = interferon.report(x.result, kind) end
      docs[#docs + 1] = interop[kind == "fhir" and "fhir_error" or "cds_hooks_error"](
        "roster.yaml:28:1: field 'pregnant' must be true or false", nil,
        { source = "roster.yaml", record = 4 })
      local r = validate(kind, docs)
      assert.equals("", r.err)
      assert.equals(("%d valid, 0 invalid"):format(#docs), r.out:match("[^\n]*\n$"):sub(1, -2),
        r.out)
      assert.equals(0, r.status)
      for i, d in ipairs(docs) do
        assert.same({}, empties(decode(d), ""), results[i] and results[i].name)
      end
    end)
  end

  it("the validators refuse documents that break the rules #external", function()
    local bad = {
      '{"cards":[{"summary":"' .. ("x"):rep(140) .. '","indicator":"info","source":{"label":"a"}}]}',
      '{"cards":[{"summary":"s","indicator":"urgent","source":{"label":"a"}}]}',
      '{"cards":[{"summary":"s","indicator":"info","source":{"label":"a"},"detail":""}]}',
      '{"cards":[{"summary":"s","indicator":"info","source":{"label":"a"},"links":[]}]}',
      '{"cards":[{"summary":"s","indicator":"info","source":{"label":"a"},"uuid":null}]}',
      '{"cards":[{"summary":"s","indicator":"info","source":{"label":"a"},' ..
        '"suggestions":[{"label":"x"}]}]}',
    }
    local r = validate("cds-hooks", bad)
    assert.equals(1, r.status)
    assert.matches("\n0 valid, 6 invalid\n$", r.out)
    r = validate("fhir", {
      '{"resourceType":"Bundle","type":"pile"}',
      '{"resourceType":"Bundle","type":"collection","entry":[{"resource":' ..
        '{"resourceType":"DetectedIssue","status":"final","detail":""}}]}',
      '{"resourceType":"Bundle","type":"collection","entry":[{"resource":' ..
        '{"resourceType":"DetectedIssue","status":"final","mitigation":[{}]}}]}',
      '{"resourceType":"Bundle","type":"collection","entry":[{"resource":' ..
        '{"resourceType":"DetectedIssue","status":"final","severity":"critical"}}]}',
      '{"resourceType":"Banana"}',
    })
    assert.equals(1, r.status)
    assert.matches("\n0 valid, 5 invalid\n$", r.out)
  end)

  it("the FHIR example round-trips: bundle in, screening, DetectedIssue bundle out", function()
    local p = assert(interferon.from_fhir(slurp("examples/fhir-bundle.json"), { as_of = "2026-11-15" }))
    assert.same({ id = "MRN-0042", sex = "female", age = 42, pregnant = false,
      conditions = { "C92.10", "F32.A", "type 2 diabetes" },
      medications = { "N05BA06", "Benadryl 25 mg", "St. John's wort",
        "metformin hydrochloride 500 MG Oral Tablet" } }, p)
    local out = decode(interferon.report(assert(kb:screen(p)), "fhir"))
    local codes = {}
    for _, e in ipairs(out.entry) do
      local r = e.resource
      if r.resourceType == "DetectedIssue" then
        codes[#codes + 1] = r.code.coding[1].code .. " " .. r.implicated[1].display
      end
    end
    assert.same({ "COND F32.A", "COND type 2 diabetes", "DRG Benadryl 25 mg", "DRG N05BA06",
      "NHP St. John's wort", "NHP St. John's wort" }, codes)
    assert.equals("OperationOutcome", out.entry[#out.entry].resource.resourceType)
  end)
end)

describe("interop: CDS Hooks cards", function()
  local result = assert(kb:screen({ id = "MRN-1", pregnant = true,
    conditions = { "F32.A", "no such thing" },
    medications = { "Ativan 1 mg", "Xanaxx", "Benadryl" } }))

  it("groups findings by concern, one card each, with the unrecognised terms last", function()
    local cards = decode(interferon.report(result, "cds-hooks")).cards
    local summaries, indicators = {}, {}
    for i, c in ipairs(cards) do
      summaries[i], indicators[i] = c.summary, c.indicator
      assert.equals("interferon knowledge base " .. kb.version, c.source.label)
      assert.matches("^%x+%-%x+%-8%x+%-[89ab]%x+%-%x+$", c.uuid)
      assert.truthy(c.detail:find(interferon.NOTICE, 1, true))
      assert.truthy(c.detail:find(kb.checksum, 1, true))
    end
    assert.same({ "Interferon: Depression \226\128\148 F32.A",
      "Interferon: Pregnancy \226\128\148 pregnant: true",
      "Interferon: Antihistamines \226\128\148 Benadryl",
      "Interferon: Anxiety medication \226\128\148 Ativan 1 mg, Xanaxx",
      "Interferon: 1 term not recognised \226\128\148 no such thing" }, summaries)
    assert.same({ "warning", "warning", "warning", "warning", "info" }, indicators)
    assert.truthy(cards[4].detail:find("Xanaxx \226\128\148 matched approximately to " ..
      "alprazolam: confirm this is what was meant", 1, true))
    assert.truthy(cards[4].detail:find("**Action:**", 1, true))
    assert.truthy(cards[4].detail:find("Ogbru, O. Interferons (2010) <http", 1, true))
  end)

  it("maps our severities to indicators", function()
    assert.same({ critical = "critical", high = "warning", moderate = "warning",
      low = "info", info = "info" }, interop.INDICATOR)
    local cards = decode(interferon.report(assert(kb:check_symptoms({ "thoughts of suicide",
      "nausea", "metallic taste" })), "cds-hooks")).cards
    assert.same({ "critical", "info", "info" },
      { cards[1].indicator, cards[2].indicator, cards[3].indicator })
  end)

  it("keeps summaries under 140 characters, cut at a character", function()
    assert.equals("ab\226\128\166", interop.truncate("ab\226\128\148cd", 3))
    assert.equals("ab\226\128\148", interop.truncate("ab\226\128\148", 3))
    local long = assert(kb:screen({ medications = { ("\195\169"):rep(60) .. " Ativan",
      "Xanax " .. ("\226\130\172"):rep(80) } }))
    for _, c in ipairs(decode(interferon.report(long, "cds-hooks")).cards) do
      assert.is_true(chars(c.summary) <= 139, c.summary)
      assert.equals(c.summary, core.text_clean(c.summary))     -- valid UTF-8
    end
  end)

  it("answers a clear result with no cards, and the same result with the same bytes", function()
    assert.equals('{"cards":[]}\n', interferon.report(assert(kb:screen({})), "cds-hooks"))
    local a = interferon.report(result, "cds-hooks")
    assert.equals(a, interferon.report(assert(kb:screen({ id = "MRN-1", pregnant = true,
      conditions = { "F32.A", "no such thing" },
      medications = { "Ativan 1 mg", "Xanaxx", "Benadryl" } })), "cds-hooks"))
    local other = interferon.report(assert(kb:screen({ id = "MRN-2", pregnant = true,
      conditions = { "F32.A", "no such thing" },
      medications = { "Ativan 1 mg", "Xanaxx", "Benadryl" } })), "cds-hooks")
    assert.are_not.equal(decode(a).cards[1].uuid, decode(other).cards[1].uuid)
  end)

  it("keeps Markdown in the patient's terms from becoming markup", function()
    local r = assert(kb:screen({ conditions = { "[x](javascript:y) <b>" } }))
    local detail = decode(interferon.report(r, "cds-hooks")).cards[1].detail
    assert.truthy(detail:find("\\[x\\](javascript:y) &lt;b&gt;", 1, true), detail)
  end)

  it("refuses a knowledge base the result did not come from", function()
    local other = assert(interferon.load({ "examples/site-overlay.yaml" }))
    assert.has_error(function() interferon.report(result, "cds-hooks", { kb = other }) end,
      "bad argument #3 to 'report' (opts.kb is not the knowledge base the result came from)")
    assert.equals(interferon.report(result, "cds-hooks"),
      interferon.report(result, "cds-hooks", { kb = kb }))
  end)
end)

describe("interop: FHIR DetectedIssue", function()
  local result = assert(kb:screen({ id = "MRN-7", pregnant = true, breastfeeding = true,
    conditions = { "F32.A", "nonsense" }, medications = { "Ativan" },
    supplements = { "St. John's wort" } }))
  local bundle = decode(interferon.report(result, "fhir"))

  it("is a collection of DetectedIssues with ActCode issue types, then an OperationOutcome", function()
    assert.equals("Bundle", bundle.resourceType)
    assert.equals("collection", bundle.type)
    local seen = {}
    for _, e in ipairs(bundle.entry) do
      local r = e.resource
      assert.equals("urn:uuid:" .. r.id, e.fullUrl)
      if r.resourceType == "DetectedIssue" then
        assert.equals("final", r.status)
        assert.equals(interop.ACTCODE, r.code.coding[1].system)
        seen[#seen + 1] = ("%s %s %s"):format(r.code.coding[1].code, r.severity,
          r.implicated[1].display)
        assert.same({ value = "MRN-7" }, r.patient.identifier)
        assert.truthy(r.mitigation[1].action.text)
        assert.matches("^http", r.reference)
      end
    end
    assert.same({ "LACT high breastfeeding: true", "COND high F32.A",
      "PREG high pregnant: true", "DRG moderate Ativan", "NHP moderate St. John's wort",
      "NHP low St. John's wort" }, seen)
    local oo = bundle.entry[#bundle.entry].resource
    assert.equals("OperationOutcome", oo.resourceType)
    assert.equals(interferon.NOTICE, oo.issue[1].diagnostics)
    assert.same({ severity = "warning", code = "not-found", diagnostics =
      'conditions: "nonsense" is not in the knowledge base and was not screened' },
      oo.issue[#oo.issue])
  end)

  it("maps our severities to DetectedIssue severities", function()
    assert.same({ critical = "high", high = "high", moderate = "moderate", low = "low",
      info = "low" }, interop.FHIR_SEVERITY)
    local s = decode(interferon.report(assert(kb:check_symptoms({ "thoughts of suicide" })),
      "fhir"))
    local di = s.entry[1].resource
    assert.equals("high", di.severity)
    assert.same({ text = "Reported symptom during interferon therapy" }, di.code)
    assert.same({ { code = { { text = "thoughts of suicide" } } } }, di.evidence)
  end)

  it("derives its ids from the content: the same result gives the same bytes", function()
    local again = assert(kb:screen({ id = "MRN-7", pregnant = true, breastfeeding = true,
      conditions = { "F32.A", "nonsense" }, medications = { "Ativan" },
      supplements = { "St. John's wort" } }))
    assert.equals(interferon.report(result, "fhir"), interferon.report(again, "fhir"))
    local ids = {}
    for _, e in ipairs(bundle.entry) do
      assert.is_nil(ids[e.resource.id])
      ids[e.resource.id] = true
    end
  end)
end)

describe("interferon.from_fhir", function()
  local function bundle(entries)
    return '{"resourceType": "Bundle", "type": "collection", "entry": [' ..
      table.concat(entries, ",\n") .. "]}"
  end

  it("reads Patient, Condition, medications and pregnancy status", function()
    local p = assert(interferon.from_fhir(bundle({
      '{"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", ' ..
        '"birthDate": "1960-12-31"}}',
      '{"resource": {"resourceType": "Condition", "code": {"coding": [{"system": ' ..
        '"http://snomed.info/sct", "code": "35489007", "display": "Depressive disorder"}]}}}',
      '{"resource": {"resourceType": "MedicationRequest", "status": "active", ' ..
        '"medicationReference": {"reference": "Medication/m1"}}}',
      '{"resource": {"resourceType": "Medication", "id": "m1", "code": {"text": "Xanax"}}}',
      '{"resource": {"resourceType": "MedicationStatement", "status": "not-taken", ' ..
        '"medicationCodeableConcept": {"text": "Ambien"}}}',
      '{"resource": {"resourceType": "MedicationStatement", "status": "active", ' ..
        '"medicationReference": {"display": "Benadryl"}}}',
      '{"resource": {"resourceType": "Observation", "status": "final", "code": {"coding": ' ..
        '[{"system": "http://loinc.org", "code": "82810-3"}]}, "effectiveDateTime": "2026-01-01",' ..
        ' "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", ' ..
        '"code": "60001007"}]}}}',
      '{"resource": {"resourceType": "Observation", "status": "final", "code": {"coding": ' ..
        '[{"system": "http://loinc.org", "code": "82810-3"}]}, "effectiveDateTime": "2026-06-01",' ..
        ' "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", ' ..
        '"code": "LA15173-0"}]}}}',
    }), { as_of = "2026-12-30" }))
    assert.same({ id = "p1", sex = "male", age = 65, pregnant = true,
      conditions = { "Depressive disorder" }, medications = { "Xanax", "Benadryl" } }, p)
    assert.is_nil(interferon.from_fhir(bundle({
      '{"resource": {"resourceType": "Patient", "birthDate": "1960-12-31"}}',
      '{"resource": {"resourceType": "Condition", "code": {"text": "asthma"}}}' })).age)
    -- a bundle with nothing clinical in it is refused, never screened CLEAR
    assert.same({ nil, "bundle:1:1: the bundle has no clinical resource to screen (a " ..
      "Condition, MedicationStatement, MedicationRequest or pregnancy status Observation)" },
      { interferon.from_fhir(bundle({
        '{"resource": {"resourceType": "Patient", "birthDate": "1960-12-31"}}' })) })
  end)

  it("returns nil and a positioned message for bad input", function()
    local cases = {
      { "[]", "b.json:1:1: a FHIR Bundle expected (resourceType is missing)" },
      { "{", "b.json:1:2: unexpected end of input" },
      { bundle({ '{"resource": {"resourceType": "Condition", "code": {"text": 5}}}' }),
        "b.json:1:112: 'text' of Condition.code must be a string" },
      { bundle({ '{"resource": {"resourceType": "Patient"}}', '{"resource": {"resourceType": "Patient"}}' }),
        "b.json:2:14: the bundle has more than one Patient; one patient a bundle is expected" },
      { bundle({ '{"resource": {"resourceType": "MedicationStatement", "status": "active"}}' }),
        "b.json:1:73: a MedicationStatement names no medication (no ATC code, text, " ..
        "display or resolvable reference)" },
      { bundle({ '{"fullUrl": "x"}' }), "b.json:1:60: entry 1 has no resource with a resourceType" },
    }
    for _, c in ipairs(cases) do
      local p, err = interferon.from_fhir(c[1], { name = "b.json" })
      assert.is_nil(p)
      assert.equals(c[2], err)
    end
  end)

  it("raises on misuse", function()
    assert.has_error(function() interferon.from_fhir(42) end,
      "bad argument #1 to 'from_fhir' (string expected, got number)")
    assert.has_error(function() interferon.from_fhir("{}", { as_of = "12/30/2026" }) end,
      "bad argument #2 to 'from_fhir' (opts.as_of must be a date 'YYYY-MM-DD')")
  end)
end)

describe("interferon screen --input fhir", function()
  it("screens a FHIR Bundle and writes either interop format", function()
    local r = command.run({ "screen", "--input", "fhir", "--format", "fhir",
      "examples/fhir-bundle.json" })
    assert.same({ 0, "" }, { r.status, r.err })
    assert.equals(interferon.report(assert(kb:screen(assert(interferon.from_fhir(
      slurp("examples/fhir-bundle.json"))))), "fhir", { source = "x" }):match('"type":"collection"'),
      r.out:match('"type":"collection"'))
    r = command.run({ "screen", "--input", "fhir", "--format", "cds-hooks", "-" },
      slurp("examples/fhir-bundle.json"))
    assert.same({ 0, "" }, { r.status, r.err })
    assert.matches('^{"cards":%[{', r.out)
  end)

  it("reports a file that is no Bundle, and an unknown input format", function()
    local r = command.run({ "screen", "--input", "fhir", "examples/patient.yaml" })
    assert.equals(2, r.status)
    assert.equals("interferon: examples/patient.yaml:1:1: comments are not allowed in JSON\n",
      r.err)
    r = command.run({ "screen", "--input", "xml", "examples/patient.yaml" })
    assert.same({ 2, "interferon: unknown input format 'xml' (the input formats are fhir, " ..
      "yaml)\nTry 'interferon screen --help'.\n" }, { r.status, r.err })
  end)
end)
