-- The `interferon` command, run as a user runs it (a subprocess of
-- `lua5.4 lua/interferon/cli.lua`): every subcommand, exit statuses 0/1/2,
-- standard input, --output, --fail-on, bad records mid-roster, missing
-- files and the exact error texts.
local command = require("spec.command")
local support = require("spec.support")

local run = command.run

local ROSTER = [[
id: A
medications: [Xanax]
---
id: B
pregnant: "no"
---
42
---
id: C
medications: [Ativan, 7]
---
id: D
  bad: [indent
---
id: E
conditions: [asthma]
]]

local ROSTER_ERRORS = {
  "interferon: %s:5:1: field 'pregnant' must be true or false, got string \"no\"",
  "interferon: %s:7:1: record 3 must be a mapping of patient fields, got a number",
  "interferon: %s:10:23: medications[2] must be a string, got number",
  "interferon: %s:13:6: mapping values are not allowed in this context (skipped to line 14)",
  "interferon: 6 records: 2 screened, 4 errors, 2 need review",
}

local function expected_errors(name)
  local lines = {}
  for i, l in ipairs(ROSTER_ERRORS) do lines[i] = l:format(name) end
  return table.concat(lines, "\n") .. "\n"
end

describe("the interferon command", function()
  after_each(support.cleanup)

  describe("help and version", function()
    it("prints the version and the help, exit 0", function()
      local r = run({ "--version" })
      assert.same({ 0, "" }, { r.status, r.err })
      assert.matches("^interferon %d+%.%d+%.%d+ %(knowledge base [^)]+%)\n$", r.out)
      r = run({ "--help" })
      assert.equals(0, r.status)
      assert.matches("^usage: interferon screen ", r.out)
      assert.truthy(r.out:find("exit status: 0 done, 1 a finding at or above --fail-on, 2 bad usage", 1, true))
    end)

    it("has a --help for each subcommand", function()
      for _, cmd in ipairs({ "screen", "symptoms", "lookup", "explain", "list", "validate" }) do
        local r = run({ cmd, "--help" })
        assert.equals(0, r.status, cmd)
        assert.matches("^usage: interferon " .. cmd .. " ", r.out)
        assert.equals(r.out, run({ "help", cmd }).out)
      end
    end)

    it("refuses bad usage with exit 2 and a pointer to the help", function()
      local cases = {
        { {}, nil },
        { { "scren", "x" }, "interferon: unknown command 'scren' (did you mean 'screen'?)\nTry 'interferon --help'.\n" },
        { { "screen" }, "interferon: 'screen' needs at least one file (or - for standard input)\n" ..
          "Try 'interferon screen --help'.\n" },
        { { "screen", "--bogus", "x" }, "interferon: unknown option '--bogus' for 'screen'\n" ..
          "Try 'interferon screen --help'.\n" },
        { { "screen", "--fromat", "json", "x" }, "interferon: unknown option '--fromat' for 'screen' " ..
          "(did you mean '--format'?)\nTry 'interferon screen --help'.\n" },
        { { "screen", "--format" }, "interferon: option '--format' needs a value\nTry 'interferon screen --help'.\n" },
        { { "screen", "--format", "pdf", "x" }, "interferon: unknown format 'pdf' (the formats are " ..
          "cds-hooks, fhir, html, json, markdown, text)\nTry 'interferon screen --help'.\n" },
        { { "screen", "--fail-on", "severe", "x" }, "interferon: unknown level 'severe' for '--fail-on' " ..
          "(the levels are critical, high, moderate, low, info)\nTry 'interferon screen --help'.\n" },
        { { "explain" }, "interferon: 'explain' needs exactly one id\nTry 'interferon explain --help'.\n" },
        { { "symptoms" }, "interferon: 'symptoms' needs at least one symptom\nTry 'interferon symptoms --help'.\n" },
      }
      for _, c in ipairs(cases) do
        local r = run(c[1])
        assert.equals(2, r.status, table.concat(c[1], " "))
        assert.equals("", r.out)
        if c[2] then assert.equals(c[2], r.err) else assert.matches("^usage: ", r.err) end
      end
    end)
  end)

  describe("screen", function()
    it("screens the demo patient: a text report on stdout, exit 0", function()
      local r = run({ "screen", "examples/patient.yaml" })
      assert.same({ 0, "" }, { r.status, r.err })
      assert.matches("^Interferon screening: REVIEW\nRecord:   examples/patient.yaml, record 1\n", r.out)
      assert.truthy(r.out:find("\nHIGH      Depression [conditions: \"F32.A\" -> condition.depression, code]", 1, true))
      assert.falsy(r.out:find("\27", 1, true), "no colour when stdout is not a terminal")
    end)

    it("writes each format", function()
      local heads = { text = "^Interferon screening", markdown = "^# Interferon screening",
        json = '^{"counts":', html = "^<!DOCTYPE html>" }
      for format, head in pairs(heads) do
        local r = run({ "screen", "--format", format, "examples/patient.yaml" })
        assert.equals(0, r.status, format)
        assert.matches(head, r.out)
        assert.equals(r.out, run({ "screen", "--format=" .. format, "examples/patient.yaml" }).out)
      end
    end)

    it("exits 1 when a finding is at or above --fail-on, 0 when none is", function()
      assert.equals(1, run({ "screen", "--fail-on", "high", "examples/patient.yaml" }).status)
      assert.equals(1, run({ "screen", "--fail-on", "info", "examples/patient.yaml" }).status)
      assert.equals(0, run({ "screen", "--fail-on", "critical", "examples/patient.yaml" }).status)
    end)

    it("reads standard input for -", function()
      local r = run({ "screen", "--format", "json", "--fail-on", "moderate", "-" },
        '{"id": "S1", "medications": ["Xanax"]}')
      assert.same({ 1, "" }, { r.status, r.err })
      assert.truthy(r.out:find('"record":{"file":"<stdin>","number":1}', 1, true))
      assert.truthy(r.out:find('"id":"drug_class.anxiety_medication"', 1, true))
    end)

    it("reports bad records mid-roster, screens the rest, and exits 2", function()
      local path = support.tmpfile(ROSTER)
      local r = run({ "screen", "--format", "json", path })
      assert.equals(2, r.status)
      assert.equals(expected_errors(path), r.err)
      local lines = {}
      for line in r.out:gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.equals(6, #lines, "one line per record in")
      assert.matches('"patient":{"id":"A"}', lines[1])
      assert.matches('^{"error":".*:5:1: field \'pregnant\'', lines[2])
      assert.matches('"schema":"interferon.error/1"', lines[2])
      assert.matches('"patient":{"id":"E"}', lines[6])
    end)

    it("names a missing file, goes on with the others, and exits 2", function()
      local r = run({ "screen", "missing.yaml", "examples/patient.yaml" })
      assert.equals(2, r.status)
      assert.equals("interferon: missing.yaml:1:1: cannot open file: No such file or directory\n" ..
        "interferon: 1 record: 1 screened, 0 errors, 1 needs review, 1 file not read\n", r.err)
      assert.matches("^ERROR     missing.yaml:1:1: cannot open file", r.out)
      assert.truthy(r.out:find("Record:   examples/patient.yaml, record 1", 1, true))
    end)

    it("writes --output atomically and leaves nothing behind on failure", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert.equals(0, command.sh("mkdir " .. command.quote(dir)).status)
      local out = dir .. "/report.html"
      local r = run({ "screen", "--format", "html", "--output", out, "examples/patient.yaml" })
      assert.same({ 0, "", "" }, { r.status, r.out, r.err })
      assert.matches("^<!DOCTYPE html>.*</html>\n$", command.slurp(out))
      assert.equals("report.html\n", command.sh("ls -A " .. command.quote(dir)).out)
      -- a failure before the report is whole keeps the old file as it was
      r = run({ "screen", "--kb", "missing-kb.yaml", "--output", out, "examples/patient.yaml" })
      assert.same({ 2, "interferon: missing-kb.yaml:1:1: cannot read file: No such file or directory\n" },
        { r.status, r.err })
      assert.matches("^<!DOCTYPE html>", command.slurp(out))
      assert.equals("report.html\n", command.sh("ls -A " .. command.quote(dir)).out)
      r = run({ "screen", "--output", dir .. "/no/such/dir/r.txt", "examples/patient.yaml" })
      assert.same({ 2, ("interferon: %s/no/such/dir/r.txt:1:1: cannot write file: No such file or directory\n")
        :format(dir) }, { r.status, r.err })
      command.sh("rm -r " .. command.quote(dir))
    end)

    it("layers --kb files over the bundled knowledge base", function()
      local r = run({ "screen", "--format", "json", "-" }, '{"medications": ["Alprax"]}')
      assert.truthy(r.out:find('"unrecognized":[{"field":"medications","input":"Alprax"', 1, true))
      r = run({ "screen", "--kb", "examples/site-overlay.yaml", "--format", "json", "-" },
        '{"medications": ["Alprax", "Benadryl"]}')
      assert.equals(0, r.status)
      assert.truthy(r.out:find('"matched":"drug.alprazolam"', 1, true))
      assert.matches('"id":"drug_class%.antihistamines","input":"Benadryl"[^}]*"severity":"high"', r.out)
      assert.truthy(r.out:find('"version":"2026.11.1+site-1"', 1, true))
      local bad = support.tmpfile("format: interferon-kb/1\nentries:\n  - extends: drug.lorazepam\n    synonym: [Loraz]\n")
      r = run({ "screen", "--kb", bad, "examples/patient.yaml" })
      assert.same({ 2, "", "interferon: " .. bad .. ":4:5: 'synonym' cannot be changed by 'extends' on a drug " ..
        "(did you mean 'synonyms'?)\n" }, { r.status, r.out, r.err })
    end)
  end)

  describe("symptoms", function()
    it("checks symptoms from the arguments or standard input", function()
      local r = run({ "symptoms", "nausea", "thoughts of suicide" })
      assert.same({ 0, "" }, { r.status, r.err })
      assert.matches("^Interferon symptom check: REVIEW\n", r.out)
      assert.truthy(r.out:find("\nCRITICAL  Suicidal thoughts or behaviour", 1, true))
      assert.truthy(r.out:find("report every new or worsening symptom to the care team", 1, true))
      assert.equals(1, run({ "symptoms", "--fail-on", "critical", "thoughts of suicide" }).status)
      r = run({ "symptoms", "--format", "json", "-" }, "nausea\n\n  purple toes \n")
      assert.truthy(r.out:find('"unrecognized":[{"field":"symptoms","input":"purple toes"', 1, true))
    end)
  end)

  describe("lookup, explain and list", function()
    it("looks a term up", function()
      assert.same({ 0, "drug.lorazepam  lorazepam  (synonym match)\n", "" },
        (function(r) return { r.status, r.out, r.err } end)(run({ "lookup", "Ativan" })))
      assert.equals("drug.alprazolam  alprazolam  (synonym match)\n", run({ "lookup", "Xanax", "0.5", "mg" }).out)
      local r = run({ "lookup", "Xnaxx" })
      assert.same({ 2, "", "interferon: no entry matches 'Xnaxx' (did you mean 'alprazolam'?)\n" },
        { r.status, r.out, r.err })
    end)

    it("explains an entry, or names the id it did not find", function()
      local r = run({ "explain", "condition.depression" })
      assert.equals(0, r.status)
      assert.matches("^Depression %(condition%.depression%)\n", r.out)
      r = run({ "explain", "condition.depresion" })
      assert.same({ 2, "interferon: unknown id 'condition.depresion' (did you mean 'condition.depression'?)\n" },
        { r.status, r.err })
    end)

    it("lists a kind, or the kinds", function()
      local r = run({ "list", "drug_class" })
      assert.equals(0, r.status)
      assert.matches("^drug_class%.anti_seizure +Anti%-seizure drugs\n", r.out)
      assert.matches("^reference +%d+\n", run({ "list" }).out)
      r = run({ "list", "side_efect" })
      assert.equals(2, r.status)
      assert.matches("^interferon: unknown kind 'side_efect' %(did you mean 'side_effect'%?%); the kinds are reference, ", r.err)
    end)
  end)

  describe("validate", function()
    it("checks patient files and knowledge-base files", function()
      local r = run({ "validate", "examples/patient.yaml", "examples/site-overlay.yaml" })
      assert.same({ 0, "examples/patient.yaml: 1 record, 0 errors\n" ..
        "examples/site-overlay.yaml: knowledge base 2026.11.1+site-1, valid\n", "" },
        { r.status, r.out, r.err })
      local path = support.tmpfile(ROSTER)
      r = run({ "validate", path })
      assert.equals(2, r.status)
      assert.equals(path .. ": 6 records, 4 errors\n", r.out)
      local errors = expected_errors(path)
      assert.equals(errors:gsub("interferon: 6 records[^\n]*\n$", ""), r.err)
      r = run({ "validate", "-" }, "- {id: a, symptoms: []}\n- id: 1\n")
      assert.same({ 2, "<stdin>: 2 records, 1 error\n", "interferon: <stdin>:2:3: field 'id' must be a string, got number\n" },
        { r.status, r.out, r.err })
    end)
  end)

  describe("on a terminal", function()
    -- util-linux's script(1) gives the command a terminal for stdout and stderr
    local function on_tty(line)
      return command.sh("script -qec " .. command.quote(line) .. " /dev/null")
    end

    it("colours the text report unless NO_COLOR is set, and shows progress on long rosters", function()
      if command.sh("command -v script").status ~= 0 then
        pending("script(1) is not installed (Debian package bsdutils): no terminal to test with")
        return
      end
      local cli = command.lua .. " lua/interferon/cli.lua "
      local r = on_tty(cli .. "screen examples/patient.yaml")
      assert.truthy(r.out:find("Interferon screening: \27[1;33mREVIEW\27[0m", 1, true))
      r = on_tty("NO_COLOR=1 " .. cli .. "screen examples/patient.yaml")
      assert.falsy(r.out:find("\27", 1, true))
      local parts = {}
      for i = 1, 2500 do parts[i] = ("id: p%d\nconditions: []\n"):format(i) end
      local roster = support.tmpfile(table.concat(parts, "---\n"))
      r = on_tty(cli .. "screen --format json " .. command.quote(roster) .. " >/dev/null")
      assert.truthy(r.out:find("\rinterferon: 2000 records screened...", 1, true))
      assert.truthy(r.out:find("\r\27[Kinterferon: 2500 records: 2500 screened, 0 errors, 0 need review", 1, true))
    end)
  end)

  describe("in-process", function()
    it("returns the exit status from cli.main", function()
      local cli = require("interferon.cli")
      local saved = io.stdout
      local tmp = os.tmpname()
      io.stdout = assert(io.open(tmp, "w")) -- luacheck: ignore 122
      local ok, status = pcall(cli.main, { "lookup", "Benadryl" })
      io.stdout:close()
      io.stdout = saved -- luacheck: ignore 122
      assert.same({ true, 0 }, { ok, status })
      assert.equals("drug.diphenhydramine  diphenhydramine  (synonym match)\n", command.slurp(tmp))
      os.remove(tmp)
      assert.has_error(function() cli.main("screen") end, "bad argument #1 to 'main' (table expected, got string)")
    end)
  end)
end)
