-- PHQ-9 depression monitoring (issue 13): kb:score_phq9 and
-- interferon.score_phq9 through the public API, each band boundary of the
-- published instrument (Kroenke, Spitzer & Williams 2001), item 9 as a
-- critical finding whatever the total, bad input with exact messages,
-- every report format, and `interferon phq9` as a user runs it.
local interferon = require("interferon")
local command = require("spec.command")
local support = require("spec.support")

local kb = interferon.default()

-- nine scores adding up to TOTAL with item 9 at ITEM9
local function items_for(total, item9)
  local items, left = {}, total - item9
  for i = 1, 8 do
    items[i] = math.min(3, left)
    left = left - items[i]
  end
  assert(left == 0, "no such scores")
  items[9] = item9
  return items
end

-- what a text report with no finding says after its heading, as a symptom
-- check with nothing to report says it (the wording is the reports', not
-- PHQ-9's)
local function clear_label()
  local text = interferon.report(assert(interferon.check_symptoms({})), "text")
  return assert(text:match("^Interferon symptom check: ([^\n]+)\n"))
end

local function ids(result)
  local out = {}
  for i, f in ipairs(result.findings) do out[i] = f.id .. " " .. f.severity end
  return out
end

describe("kb:score_phq9", function()
  describe("the severity bands", function()
    local cases = {
      { 0, "minimal" }, { 4, "minimal" }, { 5, "mild" }, { 9, "mild" },
      { 10, "moderate" }, { 14, "moderate" }, { 15, "moderately severe" },
      { 19, "moderately severe" }, { 20, "severe" }, { 27, "severe" },
    }
    for _, c in ipairs(cases) do
      it(("puts a total of %d in the band '%s'"):format(c[1], c[2]), function()
        local item9 = c[1] == 27 and 3 or 0
        local r = assert(kb:score_phq9(items_for(c[1], item9)))
        assert.equal("phq9", r.type)
        assert.equal(c[1], r.total)
        assert.equal(c[2], r.band)
        assert.same(items_for(c[1], item9), r.items)
      end)
    end
  end)

  it("raises nothing below 10 with item 9 at 0: status clear", function()
    for _, total in ipairs({ 0, 4, 5, 9 }) do
      local r = assert(kb:score_phq9(items_for(total, 0)))
      assert.same({}, r.findings, "total " .. total)
      assert.equal("clear", r.status)
      assert.same({ critical = 0, high = 0, moderate = 0, low = 0, info = 0, recognized = 0 },
        r.counts)
    end
  end)

  it("raises the depression warning (high) from a total of 10", function()
    local r = assert(kb:score_phq9(items_for(10, 0)))
    assert.same({ "warning.depression high" }, ids(r))
    assert.equal("review", r.status)
    local f = r.findings[1]
    assert.equal("PHQ-9 total: 10 (moderate)", f.input)
    assert.equal("phq9", f.field)
    assert.equal("score", f.match)
    assert.equal("warning.depression", f.matched)
    assert.equal(kb:get("warning.depression").name, f.title)
    assert.equal(kb:get("warning.depression").action, f.action)
    local sources = {}                   -- the warning's, then the PHQ-9's
    for i, src in interferon.ipairs(kb:get("warning.depression").sources) do sources[i] = src end
    sources[#sources + 1] = "reference.kroenke_2001"
    assert.same(sources, f.sources)
    assert.equal("PHQ-9 total: 19 (moderately severe)",
      assert(kb:score_phq9(items_for(19, 0))).findings[1].input)
  end)

  it("makes item 9 above 0 critical whatever the total", function()
    for _, item9 in ipairs({ 1, 2, 3 }) do
      local r = assert(kb:score_phq9(items_for(item9, item9)))
      assert.equal("minimal", r.band)
      assert.same({ "warning.suicidal_thoughts critical" }, ids(r))
      assert.equal(("PHQ-9 item 9: %d"):format(item9), r.findings[1].input)
      assert.equal(1, r.counts.critical)
      assert.equal("review", r.status)
    end
    local r = assert(kb:score_phq9({ 3, 3, 3, 3, 3, 3, 3, 3, 3 }))
    assert.same({ "warning.suicidal_thoughts critical", "warning.depression high" }, ids(r))
    assert.equal("PHQ-9 total: 27 (severe)", r.findings[2].input)
  end)

  it("leaves item 9 at 0 out, even with every other item at 3", function()
    local r = assert(kb:score_phq9({ 3, 3, 3, 3, 3, 3, 3, 3, 0 }))
    assert.equal(24, r.total)
    assert.same({ "warning.depression high" }, ids(r))
  end)

  it("has the shape of a screening result", function()
    local r = assert(interferon.score_phq9({ 1, 0, 0, 0, 0, 0, 0, 0, 0 }))
    assert.same({}, r.unrecognized)
    assert.same({}, r.recognized)
    assert.same({ version = kb.version, checksum = kb.checksum }, r.kb)
    assert.equal(interferon.NOTICE, r.notice)
    assert.equal("minimal", r.band)
  end)

  it("accepts whole floats and copies the items", function()
    local items = { 1.0, 1, 1, 1, 1, 1, 1, 1, 0 }
    local r = assert(kb:score_phq9(items))
    assert.equal(8, r.total)
    items[1] = 3
    assert.equal(1, r.items[1])
  end)

  describe("bad data", function()
    local cases = {
      { "eight items", { 1, 1, 1, 1, 1, 1, 1, 1 }, "PHQ-9 needs 9 item scores, got 8" },
      { "ten items", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "PHQ-9 needs 9 item scores, got 10" },
      { "no items", {}, "PHQ-9 needs 9 item scores, got 0" },
      { "a score of 5", { 1, 1, 1, 5, 1, 1, 1, 1, 1 }, "item 4 must be 0, 1, 2 or 3, got 5" },
      { "a negative score", { -1, 1, 1, 1, 1, 1, 1, 1, 1 }, "item 1 must be 0, 1, 2 or 3, got -1" },
      { "a fraction", { 1, 1, 1, 1, 1, 1, 1, 1, 0.5 }, "item 9 must be 0, 1, 2 or 3, got 0.5" },
      { "a string", { 1, 1, "2", 1, 1, 1, 1, 1, 1 }, "item 3 must be 0, 1, 2 or 3, got \"2\"" },
      { "a boolean", { 1, 1, 1, 1, 1, 1, true, 1, 1 }, "item 7 must be 0, 1, 2 or 3, got true" },
      { "a named key", { 1, 1, 1, 1, 1, 1, 1, 1, item9 = 1 },
        "PHQ-9 items must be a list, got the key 'item9'" },
      { "a gap", { 1, 1, 1, 1, 1, 1, 1, 1, [10] = 1 }, "item 9 is missing" },
    }
    for _, c in ipairs(cases) do
      it("refuses " .. c[1], function()
        local r, err = kb:score_phq9(c[2])
        assert.is_nil(r)
        assert.equal(c[3], err)
        r, err = interferon.score_phq9(c[2])
        assert.is_nil(r)
        assert.equal(c[3], err)
      end)
    end
  end)

  it("raises for a misuse of the API", function()
    assert.has_error(function() interferon.score_phq9("1 1 1") end,
      "bad argument #1 to 'score_phq9' (table expected, got string)")
    assert.has_error(function() kb:score_phq9(nil) end,
      "bad argument #1 to 'score_phq9' (table expected, got nil)")
    assert.has_error(function() kb.score_phq9({}, { 0 }) end,
      "bad argument #1 to 'score_phq9' (knowledge base expected, got table)")
  end)

  it("says so when a knowledge base cannot score a PHQ-9", function()
    local path = support.tmpfile(support.kb_text(""))
    local small = assert(interferon.load({ path }, { bundled = false }))
    local r, err = small:score_phq9({ 0, 0, 0, 0, 0, 0, 0, 0, 0 })
    assert.is_nil(r)
    assert.equal("this knowledge base has no 'advice.phq9_monitoring' entry: " ..
      "it cannot score a PHQ-9", err)
    support.cleanup()
  end)
end)

describe("a PHQ-9 report", function()
  local result = assert(interferon.score_phq9({ 2, 2, 2, 2, 2, 2, 2, 2, 1 }))
  local clear = assert(interferon.score_phq9({ 0, 1, 0, 1, 0, 0, 0, 0, 0 }))

  -- the first N lines of S
  local function head(s, n)
    local lines = {}
    for line in s:gmatch("([^\n]*)\n") do
      if #lines == n then break end
      lines[#lines + 1] = line
    end
    return table.concat(lines, "\n")
  end

  it("renders as text", function()
    local text = interferon.report(result, "text")
    assert.equal(table.concat({
      "PHQ-9 depression screen: REVIEW",
      "Score:    total 17 of 27, moderately severe (items 2 2 2 2 2 2 2 2 1)",
      "Summary:  2 findings (1 critical, 1 high, 0 moderate, 0 low, 0 info), 0 not recognised",
      "",
    }, "\n"), head(text, 4))
    -- the findings as the KB words them: critical first, then high
    local flat = text:gsub("\n +", " ")
    local critical = flat:find("\nCRITICAL  " .. kb:get("warning.suicidal_thoughts").name ..
      " [phq9: \"PHQ-9 item 9: 1\" -> warning.suicidal_thoughts, score]", 1, true)
    local high = flat:find("\nHIGH      " .. kb:get("warning.depression").name ..
      " [phq9: \"PHQ-9 total: 17 (moderately severe)\" -> warning.depression, score]", 1, true)
    assert.is_true(critical ~= nil and high ~= nil and critical < high)
    assert.truthy(flat:find("kroenke_2001\n", 1, true))
    assert.falsy(text:find("Patient:", 1, true))
    assert.equal("PHQ-9 depression screen: " .. clear_label() .. "\n" ..
      "Score:    total 2 of 27, minimal (items 0 1 0 1 0 0 0 0 0)",
      head(interferon.report(clear, "text"), 2))
  end)

  it("renders as Markdown", function()
    local md = interferon.report(result, "markdown")
    assert.equal("# PHQ-9 depression screen: review\n\n" ..
      "- Score: total 17 of 27, moderately severe (items 2 2 2 2 2 2 2 2 1)\n" ..
      "- Summary: 2 findings (1 critical, 1 high, 0 moderate, 0 low, 0 info), 0 not recognised",
      head(md, 4))
    assert.truthy(md:find("| **critical** | " .. kb:get("warning.suicidal_thoughts").name, 1, true))
    assert.truthy(md:find("| phq9: PHQ-9 item 9: 1 | warning.suicidal\\_thoughts (score) |", 1, true))
    assert.truthy(md:find("- kroenke\\_2001: Kroenke, K., Spitzer, R. L., Williams, J. B. W. " ..
      "The PHQ-9: validity of a brief depression severity measure.", 1, true))
  end)

  it("renders as JSON, with the items, total and band", function()
    local json = interferon.report(result, "json")
    assert.truthy(json:find('"band":"moderately severe"', 1, true))
    assert.truthy(json:find('"items":[2,2,2,2,2,2,2,2,1]', 1, true))
    assert.truthy(json:find('"total":17', 1, true))
    assert.truthy(json:find('"type":"phq9"', 1, true))
    assert.truthy(json:find('"schema":"interferon.screening/1"', 1, true))
    assert.truthy(json:find('"input":"PHQ-9 item 9: 1"', 1, true))
    assert.falsy(json:find('"patient"', 1, true))
    assert.falsy(json:find('"advice"', 1, true))
  end)

  it("renders as HTML", function()
    local html = interferon.report(result, "html")
    assert.truthy(html:find("<h1>PHQ-9 depression screen <span class=\"badge review\">review</span></h1>",
      1, true))
    assert.truthy(html:find("<dt>Score</dt><dd>total 17 of 27, moderately severe " ..
      "(items 2 2 2 2 2 2 2 2 1)</dd>", 1, true))
    assert.truthy(html:find('<span class="term">PHQ-9 item 9: 1</span>', 1, true))
    assert.falsy(html:find("<dt>Patient</dt>", 1, true))
  end)

  it("renders as a CDS Hooks response: one card per warning", function()
    local doc = interferon.report(result, "cds-hooks")
    assert.truthy(doc:find('"summary":"Interferon: ' .. kb:get("warning.suicidal_thoughts").name ..
      ' \226\128\148 PHQ-9 item 9: 1"', 1, true))
    assert.truthy(doc:find('"indicator":"critical"', 1, true))
    assert.truthy(doc:find('"summary":"Interferon: ' .. kb:get("warning.depression").name ..
      ' \226\128\148 PHQ-9 total: 17 (moderately severe)"', 1, true))
    assert.equal('{"cards":[]}\n', interferon.report(clear, "cds-hooks"))
  end)

  it("renders as a FHIR Bundle: the score is the evidence of each DetectedIssue", function()
    local doc = interferon.report(result, "fhir")
    assert.truthy(doc:find('"evidence":[{"code":[{"text":"PHQ-9 item 9: 1"}]}]', 1, true))
    assert.truthy(doc:find('"evidence":[{"code":[{"text":"PHQ-9 total: 17 (moderately severe)"}]}]',
      1, true))
    assert.falsy(doc:find('"implicated"', 1, true))
    assert.equal(2, select(2, doc:gsub('"resourceType":"DetectedIssue"', "")))
    assert.truthy(doc:find("status review", 1, true))
  end)

  it("validates against the CDS Hooks and FHIR R4 schemas (spec/validate.js)", function()
    local path = os.tmpname()
    for _, kind in ipairs({ "cds-hooks", "fhir" }) do
      local f = assert(io.open(path, "wb"))
      f:write(interferon.report(result, kind), interferon.report(clear, kind))
      f:close()
      local r = command.sh("node spec/validate.js " .. kind .. " " .. command.quote(path))
      assert.equal("", r.err, kind)
      assert.equal("2 valid, 0 invalid", r.out:match("([^\n]*)\n$"), kind .. ": " .. r.out)
      assert.equal(0, r.status, kind)
    end
    os.remove(path)
  end)

  it("gives the same bytes for the same result", function()
    for _, format in ipairs({ "text", "markdown", "json", "html", "cds-hooks", "fhir" }) do
      assert.equal(interferon.report(result, format),
        interferon.report(assert(interferon.score_phq9({ 2, 2, 2, 2, 2, 2, 2, 2, 1 })), format),
        format)
    end
  end)
end)

describe("interferon phq9", function()
  local run = command.run

  it("scores nine items and reports them", function()
    local r = run({ "phq9", "1", "1", "1", "1", "1", "1", "1", "1", "0" })
    assert.equal(0, r.status, r.err)
    assert.equal("", r.err)
    assert.equal("PHQ-9 depression screen: " .. clear_label() .. "\n" ..
      "Score:    total 8 of 27, mild (items 1 1 1 1 1 1 1 1 0)\n", r.out:match("^[^\n]*\n[^\n]*\n"))
  end)

  it("exits 1 at or above --fail-on, 0 below it", function()
    local low = { "phq9", "--fail-on", "critical", "3", "3", "3", "3", "0", "0", "0", "0", "0" }
    local r = run(low)
    assert.equal(0, r.status, r.err)
    assert.truthy(r.out:find("\nHIGH      ", 1, true))
    assert.falsy(r.out:find("\nCRITICAL  ", 1, true))
    r = run({ "phq9", "--fail-on", "high", "3", "3", "3", "3", "0", "0", "0", "0", "0" })
    assert.equal(1, r.status)
    r = run({ "phq9", "--fail-on", "critical", "0", "0", "0", "0", "0", "0", "0", "0", "1" })
    assert.equal(1, r.status)
    assert.truthy(r.out:find("\nCRITICAL  " .. kb:get("warning.suicidal_thoughts").name, 1, true))
  end)

  it("writes every format", function()
    local r = run({ "phq9", "--format", "json", "0", "0", "0", "0", "0", "0", "0", "0", "2" })
    assert.equal(0, r.status, r.err)
    assert.equal(interferon.report(assert(interferon.score_phq9({ 0, 0, 0, 0, 0, 0, 0, 0, 2 })),
      "json"), r.out)
    for _, format in ipairs({ "markdown", "html", "cds-hooks", "fhir" }) do
      r = run({ "phq9", "--format=" .. format, "0", "0", "0", "0", "0", "0", "0", "0", "2" })
      assert.equal(0, r.status, format)
      assert.equal(interferon.report(assert(interferon.score_phq9({ 0, 0, 0, 0, 0, 0, 0, 0, 2 })),
        format), r.out, format)
    end
  end)

  it("refuses bad scores with exit 2 and the message", function()
    local cases = {
      { { "1", "1", "1", "5", "1", "1", "1", "1", "1" }, "item 4 must be 0, 1, 2 or 3, got 5" },
      { { "1", "1", "1", "1", "1", "1", "1", "1" }, "PHQ-9 needs 9 item scores, got 8" },
      { { "1", "1", "1", "1", "1", "1", "1", "1", "x" }, "item 9 must be 0, 1, 2 or 3, got \"x\"" },
      { { "1", "1", "1", "1", "1", "1", "1", "1", "1.5" },
        "item 9 must be 0, 1, 2 or 3, got \"1.5\"" },
    }
    for _, c in ipairs(cases) do
      local args = { "phq9" }
      for _, a in ipairs(c[1]) do args[#args + 1] = a end
      local r = run(args)
      assert.equal(2, r.status)
      assert.equal("interferon: " .. c[2] .. "\n", r.err)
      assert.equal("ERROR     " .. c[2] .. "\n", r.out)
    end
  end)

  it("refuses bad usage with exit 2", function()
    local r = run({ "phq9" })
    assert.equal(2, r.status)
    assert.equal("interferon: 'phq9' needs at least one item score\n" ..
      "Try 'interferon phq9 --help'.\n", r.err)
    r = run({ "phq9", "--format", "pdf", "0", "0", "0", "0", "0", "0", "0", "0", "0" })
    assert.equal(2, r.status)
    assert.equal("interferon: unknown format 'pdf' (the formats are cds-hooks, fhir, html, " ..
      "json, markdown, text)\nTry 'interferon phq9 --help'.\n", r.err)
  end)

  it("has a --help", function()
    local r = run({ "phq9", "--help" })
    assert.equal(0, r.status)
    assert.matches("^usage: interferon phq9 ", r.out)
    assert.truthy(r.out:find("exit status: 0 done, 1 a finding at or above --fail-on, " ..
      "2 bad usage or bad scores", 1, true))
    assert.equal(r.out, run({ "help", "phq9" }).out)
    assert.truthy(run({ "--help" }).out:find("  phq9       score a PHQ-9", 1, true))
  end)
end)
