-- Overlays may add and raise, never take over (issue 15, items 3, 14, 15):
-- a later file may not take another entry's code or a more specific one,
-- replace the text of a critical entry, or add a term one edit from
-- another file's term; and a large overlay loads in linear work.  Through
-- interferon.load and the `interferon` command, with exact messages.
local interferon = require("interferon")
local util = require("interferon.util")
local support = require("spec.support")
local command = require("spec.command")

local HEAD = "format: interferon-kb/1\nversion: \"site\"\nentries:\n"

-- "FILE:LINE:COL" of the first NEEDLE at or after the line holding ANCHOR
-- in a bundled file (so that the specs follow the data if lines move)
local function locate(path, anchor, needle)
  local n, seen = 0, false
  for line in io.lines(path) do
    n = n + 1
    seen = seen or line:find(anchor, 1, true) ~= nil
    local col = seen and line:find(needle, 1, true)
    if col then return ("%s:%d:%d"):format(path, n, col) end
  end
  error("not found: " .. needle)
end

local WARNINGS = "data/kb/30-warnings.yaml"
local SI_CODE = locate(WARNINGS, "id: warning.suicidal_thoughts", '"R45.851"')
local SI_SYNONYM = locate(WARNINGS, "id: warning.suicidal_thoughts", '"suicidal thoughts"')

-- loads the bundled knowledge base with TEXT on top; the overlay's path
-- in the message becomes "F"
local function load(text)
  local path = support.tmpfile(text)
  local kb, err = interferon.load({ path })
  return kb, err and (err:gsub(path:gsub("%p", "%%%0"), "F", 1))
end

local function new_condition(id, extra)
  return ("  - id: condition.%s\n    kind: condition\n    name: \"Site %s\"\n"
    .. "    severity: low\n    sources: [reference.article]\n%s"):format(id, id, extra or "")
end

describe("an overlay's codes", function()
  after_each(support.cleanup)

  it("may not take a code another entry holds (a suicidal-ideation patient stays critical)", function()
    local p = { id = "P1", conditions = { "R45.851" } }
    assert.equal("critical", interferon.screen(p).findings[1].severity)
    assert.same({ nil, "F:9:13: code 'R45.851' of 'condition.site_si' is already a code "
      .. "of 'warning.suicidal_thoughts' (" .. SI_CODE .. ")" },
      { load(HEAD .. new_condition("site_si", "    codes: [\"R45.851\"]\n")) })
  end)

  it("may not take it through extends, nor in another spelling", function()
    assert.same({ nil, "F:5:13: code 'r45851' of 'warning.depression' is already a code "
      .. "of 'warning.suicidal_thoughts' (" .. SI_CODE .. ")" },
      { load(HEAD .. "  - extends: warning.depression\n    codes: [r45851]\n") })
  end)

  it("may not hold a code more specific than another entry's", function()
    assert.same({ nil, "F:9:13: code 'R45.8519' of 'condition.site_si' falls within 'R45.851' "
      .. "of 'warning.suicidal_thoughts' (" .. SI_CODE .. ") and would take its patients" },
      { load(HEAD .. new_condition("site_si", "    codes: [\"R45.8519\"]\n")) })
  end)

  it("may hold a broader code: the more specific one still wins", function()
    local kb = assert(load(HEAD .. new_condition("site_mood", "    codes: [\"R45\"]\n")))
    local r = assert(kb:screen({ id = "P1", conditions = { "R45.851", "R45.1" } }))
    assert.equal(2, #r.findings)
    assert.same({ "warning.suicidal_thoughts", "critical" }, { r.findings[1].id, r.findings[1].severity })
    assert.equal("condition.site_mood", r.findings[2].id)
  end)

  it("may give a drug a code within its own class's group", function()
    local kb = assert(load(HEAD .. "  - id: drug.site_benzo\n    kind: drug\n    name: sitezepam\n"
      .. "    codes: [\"N05BA99\"]\n    class: [drug_class.anxiety_medication]\n"
      .. "    sources: [reference.article]\n"))
    local e, how = kb:lookup("N05BA99")
    assert.same({ "drug.site_benzo", "code" }, { e.id, how })
  end)

  it("may not give a drug a code within a class whose finding it would lower", function()
    assert.same({ nil, "F:7:13: code 'N05BA99' of 'drug.site_benzo' falls within 'N05B' of "
      .. "'drug_class.anxiety_medication' (" .. locate("data/kb/50-drug-classes.yaml",
        "id: drug_class.anxiety_medication", '"N05B"') .. ") and would take its patients" },
      { load(HEAD .. "  - id: drug.site_benzo\n    kind: drug\n    name: sitezepam\n"
        .. "    codes: [\"N05BA99\"]\n    class: [advice.report_all_medicines]\n"
        .. "    sources: [reference.article]\n") })
  end)

  it("are checked by the command, which exits 2 and names both places", function()
    local site = support.tmpfile(HEAD .. new_condition("site_si", "    codes: [\"R45.851\"]\n"))
    local r = command.run({ "validate", site })
    assert.same({ 2, "", "interferon: " .. site .. ":9:13: code 'R45.851' of 'condition.site_si' "
      .. "is already a code of 'warning.suicidal_thoughts' (" .. SI_CODE .. ")\n" },
      { r.status, r.out, r.err })
    r = command.run({ "screen", "--kb", site, "-" }, "id: P1\nconditions: [R45.851]\n")
    assert.same({ 2, "" }, { r.status, r.out })
  end)
end)

describe("an overlay on a critical entry", function()
  after_each(support.cleanup)

  local si = "  - extends: warning.suicidal_thoughts\n"

  it("may not replace its action", function()
    assert.same({ nil, "F:5:5: 'action' of 'warning.suicidal_thoughts' is critical text: "
      .. "'extends' may add to it, not replace it (begin with the current text)" },
      { load(HEAD .. si .. "    action: \"Note it in the chart.\"\n") })
  end)

  it("may not replace its note either", function()
    assert.same({ nil, "F:5:5: 'note' of 'warning.suicidal_thoughts' is critical text: "
      .. "'extends' may add to it, not replace it (begin with the current text)" },
      { load(HEAD .. si .. "    note: \"Probably nothing.\"\n") })
  end)

  it("may add to its action, and raise the finding with the longer text", function()
    local old = interferon.default():get("warning.suicidal_thoughts").action
    local kb = assert(load(HEAD .. si .. "    action: \"" .. old
      .. " Site: page the on-call psychiatrist.\"\n"))
    local r = assert(kb:screen({ id = "P1", symptoms = { "suicidal thoughts" } }))
    assert.equal(old .. " Site: page the on-call psychiatrist.", r.findings[1].action)
  end)

  it("may still replace the text of an entry that is not critical", function()
    local kb = assert(load(HEAD .. "  - extends: warning.depression\n    action: \"Site text.\"\n"))
    assert.equal("Site text.", kb:get("warning.depression").action)
  end)

  it("is refused through the command", function()
    local site = support.tmpfile(HEAD .. si .. "    action: \"Note it in the chart.\"\n")
    local r = command.run({ "validate", site })
    assert.same({ 2, "", "interferon: " .. site .. ":5:5: 'action' of 'warning.suicidal_thoughts' "
      .. "is critical text: 'extends' may add to it, not replace it (begin with the current "
      .. "text)\n" }, { r.status, r.out, r.err })
  end)
end)

describe("an overlay's terms", function()
  after_each(support.cleanup)

  it("are refused when a list is written as a mapping (no term silently dropped)", function()
    for _, key in ipairs({ "synonyms", "codes" }) do
      assert.same({ nil, "F:9:5: '" .. key .. "' must be a list of strings" },
        { load(HEAD .. new_condition("site_m", "    " .. key .. ": {alpha: beta}\n")) })
      assert.same({ nil, "F:9:5: '" .. key .. "' must be a list of strings" },
        { load(HEAD .. new_condition("site_m", "    " .. key .. ": {1: X12, 3: X13}\n")) })
    end
  end)

  it("may not capture the misspellings of another entry's term", function()
    -- without the overlay, the misspelling finds the critical entry
    local e, how = interferon.lookup("suicidal thougts")
    assert.same({ "warning.suicidal_thoughts", "approximate" }, { e.id, how })
    assert.same({ nil, "F:9:16: 'Suicidal thougts' of 'condition.site_x' is one edit from "
      .. "'suicidal thoughts' of 'warning.suicidal_thoughts' (" .. SI_SYNONYM .. ")" },
      { load(HEAD .. new_condition("site_x", "    synonyms: [Suicidal thougts]\n")) })
  end)

  it("are compared as the matcher sees them, and through extends", function()
    assert.same({ nil, "F:5:16: 'SUICIDAL-THOUGHTZ' of 'drug.lorazepam' is one edit from "
      .. "'suicidal thoughts' of 'warning.suicidal_thoughts' (" .. SI_SYNONYM .. ")" },
      { load(HEAD .. "  - extends: drug.lorazepam\n    synonyms: [SUICIDAL-THOUGHTZ]\n") })
  end)

  it("may not be one edit from a name either (a swap of two letters is one edit)", function()
    local name = locate("data/kb/60-drugs.yaml", "id: drug.lorazepam", "name:")
    assert.same({ nil, "F:6:5: 'lroazepam' of 'drug.site_x' is one edit from 'lorazepam' of "
      .. "'drug.lorazepam' (" .. name .. ")" },
      { load(HEAD .. "  - id: drug.site_x\n    kind: drug\n    name: lroazepam\n"
        .. "    class: [drug_class.sedatives]\n    sources: [reference.article]\n") })
  end)

  it("may be near the entry's own terms: a misspelling added to the entry it names", function()
    local kb = assert(load(HEAD .. "  - extends: warning.suicidal_thoughts\n"
      .. "    synonyms: [suicidal thougts]\n"))
    local e, how = kb:lookup("suicidal thougts")
    assert.same({ "warning.suicidal_thoughts", "synonym" }, { e.id, how })
  end)

  it("may be near when too short for the matcher to match approximately", function()
    -- "cbdx" (4 bytes) is never matched approximately, so it captures nothing
    assert.equal(nil, (interferon.lookup("cbdx")))
    local kb = assert(load(HEAD .. new_condition("site_x", "    synonyms: [cbdx]\n")))
    assert.equal("condition.site_x", kb:lookup("cbdx").id)
  end)

  it("may be near each other within one file (its author wrote both)", function()
    local kb = assert(load(HEAD .. new_condition("site_a", "    synonyms: [site marker alpha]\n")
      .. new_condition("site_b", "    synonyms: [site marker alphb]\n")))
    assert.equal("condition.site_b", kb:lookup("site marker alphb").id)
  end)

  it("are refused through the command", function()
    local site = support.tmpfile(HEAD .. new_condition("site_x", "    synonyms: [Suicidal thougts]\n"))
    local r = command.run({ "validate", site })
    assert.same({ 2, "", "interferon: " .. site .. ":9:16: 'Suicidal thougts' of 'condition.site_x' "
      .. "is one edit from 'suicidal thoughts' of 'warning.suicidal_thoughts' (" .. SI_SYNONYM
      .. ")\n" }, { r.status, r.out, r.err })
  end)
end)

describe("a large overlay", function()
  after_each(support.cleanup)

  -- N new drugs, each with five 40-byte synonyms (the shape that once took
  -- a minute and gigabytes: long terms in a deletion index)
  local function big(n)
    local out, x = { HEAD }, 12345
    local function word()
      local s = {}
      for k = 1, 40 do
        x = x * 16807 % 2147483647
        s[k] = string.char(97 + math.floor(x / 65536) % 26)
      end
      return table.concat(s)
    end
    for i = 1, n do
      out[#out + 1] = ("  - id: drug.site_%d\n    kind: drug\n    name: %s\n"
        .. "    synonyms: [%s, %s, %s, %s, %s]\n    class: [drug_class.sedatives]\n"
        .. "    sources: [reference.article]\n"):format(i, word(), word(), word(), word(),
          word(), word())
    end
    return table.concat(out)
  end

  it("loads with no message text made and no keys sorted", function()
    local calls = { where = 0, did_you_mean = 0, sorted_keys = 0 }
    local saved = {}
    for name in pairs(calls) do
      saved[name] = util[name]
      util[name] = function(...)
        calls[name] = calls[name] + 1
        return saved[name](...)
      end
    end
    local base = #interferon.default():list()
    local files = {}                           -- the bundled files, compiled at run time
    for _, f in ipairs(require("interferon.core").bundled()) do
      files[#files + 1] = { name = f.name, text = f.text, bundled = true }
    end
    assert(require("interferon.kb").new(files))
    assert.equal(0, calls.sorted_keys)
    local ok, kb = pcall(load, big(2000))
    for name in pairs(calls) do util[name] = saved[name] end
    assert.is_true(ok, kb)
    assert.truthy(kb, "the overlay did not load")
    assert.equal(base + 2000, #kb:list())
    -- keys are put in file order only to find the first of several problems
    assert.same({ where = 0, did_you_mean = 0, sorted_keys = 0 }, calls)
    local e, how = kb:lookup(kb:get("drug.site_2000").synonyms[5])
    assert.same({ "drug.site_2000", "synonym" }, { e.id, how })
  end)
end)

describe("an overlay with several problems", function()
  after_each(support.cleanup)

  -- keys that a table's hash order would not give in file order
  local function entry(keys)
    return "  - id: condition.site_many\n    kind: condition\n    name: \"Site many\"\n"
      .. keys .. "    sources: [reference.article]\n"
  end

  it("is refused at the first of them in file order", function()
    local _, err = load(HEAD .. entry("    zeta: 1\n    alpha: 2\n    mu: 3\n"))
    assert.equal("F:7:5: unknown key 'zeta' for a condition", err)
    _, err = load(HEAD .. entry("    severity: grave\n    zeta: 1\n    synonyms: [\" \"]\n"))
    assert.equal("F:7:5: 'severity' must be one of 'critical', 'high', 'moderate', "
      .. "'low', 'info'", err)
    _, err = load(HEAD .. entry("    synonyms: [\"ok\", \" \"]\n    severity: grave\n"))
    assert.equal("F:7:5: 'synonyms' must be a list of non-empty strings", err)
  end)

  it("accepts text that starts with a space when it is not blank", function()
    local kb = assert(load(HEAD .. entry("    summary: \" spaced\"\n    synonyms: [\" site many two\"]\n")))
    assert.equal(" spaced", kb:get("condition.site_many").summary)
  end)
end)
