-- Hostile input through the public API: cyclic tables, metamethods that
-- raise, huge lists and strings, NUL bytes, invalid UTF-8 in every input
-- position, broken records in a roster, overlays that try to replace
-- entries, and every documented limit of the loader.  Each refusal is an
-- exact message.
local interferon = require("interferon")
local core = require("interferon.core")
local support = require("spec.support")

local kb = interferon.default()

-- Each refusal comes from a limit checked as the input arrives, which the
-- exact message names.  How fast it comes back is not asserted: the suite
-- holds no timing thresholds, which drift on shared machines.

local function raising(fields)
  return setmetatable(fields or {}, {
    __index = function() error("__index must not be called") end,
    __pairs = function() error("__pairs must not be called") end,
    __len = function() error("__len must not be called") end,
    __newindex = function() error("__newindex must not be called") end,
  })
end

local function ids(result)
  local out = {}
  for _, f in ipairs(result.findings) do out[#out + 1] = f.id .. " " .. f.match end
  return out
end

after_each(support.cleanup)

describe("a hostile patient", function()
  it("that contains itself is refused by the unknown key", function()
    local p = { medications = { "Ativan" } }
    p.self = p
    assert.same({ nil, "unknown field 'self' (did you mean 'sex'?)", "self" },
      { kb:screen(p) })
  end)

  it("whose list contains itself is refused", function()
    local list = { "Ativan" }
    list[2] = list
    assert.same({ nil, "medications[2] must be a string, got table", "medications" },
      { kb:screen({ medications = list }) })
  end)

  it("used as its own list is refused", function()
    local p = {}
    p.medications = p
    assert.same({ nil, "field 'medications' must be a list of strings " ..
      "(it has the key string \"medications\")", "medications" }, { kb:screen(p) })
  end)

  it("with metamethods that raise is refused, none of them called", function()
    assert.same({ nil, "the patient has a metatable with __index; pass a plain table", nil },
      { kb:screen(raising({ medications = { "Ativan" } })) })
  end)

  it("whose list has metamethods that raise is refused", function()
    assert.same({ nil, "field 'medications' has a metatable with __index; pass a plain list",
      "medications" }, { kb:screen({ medications = raising({ "Ativan" }) }) })
    assert.same({ nil, "field 'symptoms' has a metatable with __index; pass a plain list" },
      { kb:check_symptoms(raising({ "nausea" })) })
  end)

  it("with a list of 100,000 items is refused at once", function()
    local big = {}
    for i = 1, 100000 do big[i] = "Ativan" end
    assert.same({ nil, "field 'medications' has more than 1000 items", "medications" },
      { kb:screen({ medications = big }) })
    assert.same({ nil, "field 'symptoms' has more than 1000 items" },
      { kb:check_symptoms(big) })
  end)

  it("with 1000 items, the limit, is screened in well under a second", function()
    local list = {}
    for i = 1, 1000 do list[i] = i % 2 == 0 and "Ativan 1 mg" or ("unknownium " .. i) end
    local result = kb:screen({ medications = list })
    assert.equal(500, #result.unrecognized)
    assert.equal("review", result.status)
  end)

  it("with a 10 MB term is refused at once", function()
    local s = ("a"):rep(10 * 1024 * 1024)
    assert.same({ nil, "medications[1] is 10485760 bytes, longer than the limit of 1000",
      "medications" }, { kb:screen({ medications = { s } }) })
    assert.same({ nil, {} }, { kb:lookup(s) })
  end)

  it("with a term of 1000 bytes, the limit, is screened word by word", function()
    local result = kb:screen({ conditions = { ("depression "):rep(90) } })
    assert.same({}, result.unrecognized)
    assert.same({ "condition.depression", "exact" }, { result.findings[1].id,
      result.findings[1].match })
    -- a long note still raises the critical statement inside it
    local note = ("slept badly, "):rep(20) .. "has suicidal thoughts"
    result = kb:check_symptoms({ note })
    assert.is_true(#note > 255)
    assert.same({ "warning.suicidal_thoughts", "critical", "suicidal thoughts" },
      { result.findings[1].id, result.findings[1].severity, result.findings[1].words })
  end)

  it("with NUL bytes gets them treated as separators, matches marked", function()
    local result = kb:screen({ id = "a\0b", medications = { "Ativan\0", "lora\0zepam" } })
    assert.same({ "drug_class.anxiety_medication synonym",
      "drug_class.anxiety_medication approximate" }, ids(result))
    assert.equal("a\0b", result.patient.id)
    assert.equal("lora\0zepam", result.findings[2].input)
  end)

  it("with invalid UTF-8 in a list term gets it as a separator", function()
    local result = kb:screen({ medications = { "\255\254Ativan\195" },
      conditions = { "depress\255ion" }, symptoms = { "\192\128" } })
    assert.same({ "condition.depression approximate",
      "drug_class.anxiety_medication synonym" }, ids(result))
    assert.equal("\192\128", result.unrecognized[1].input)
  end)

  it("with invalid UTF-8 in a field name or value is refused or kept as given", function()
    assert.same({ nil, "unknown field '\255' (did you mean 'id'?)", "\255" },
      { kb:screen({ ["\255"] = "x" }) })
    local result = kb:screen({ id = "\255\0", sex = "\192" })
    assert.same({ "\255\0", "\192" }, { result.patient.id, result.patient.sex })
    assert.equal("clear", result.status)
  end)

  it("with a field name that is not a string is refused", function()
    local r, err = kb:screen({ [{}] = "x" })
    assert.same({ nil, "unknown field of type table (field names are strings)" }, { r, err })
  end)
end)

describe("a hostile lookup", function()
  it("with invalid UTF-8 or NUL finds nothing or what the letters say", function()
    assert.same({ nil, {} }, { kb:lookup("\255\254") })
    local e, how = kb:lookup("Ativan\0")
    assert.same({ "drug.lorazepam", "synonym" }, { e.id, how })
    assert.same({ nil, {} }, { kb:lookup("\0\0\0") })
  end)

  it("of a long term is answered at once", function()
    assert.same({ nil, {} }, { kb:lookup(("Ativan "):rep(100000)) })
  end)

  it("of a non-string raises", function()
    assert.has_error(function() kb:lookup(setmetatable({}, { __tostring = error })) end,
      "bad argument #1 to 'lookup' (string expected, got table)")
  end)
end)

describe("a hostile knowledge-base file", function()
  local function load(text)
    local path = support.tmpfile(text)
    local k, err = interferon.load({ path })
    return k, err and err:gsub(path:gsub("%p", "%%%0"), "F", 1)
  end
  local head = "format: interferon-kb/1\nentries:\n"

  it("with invalid UTF-8 is refused at the byte", function()
    assert.same({ nil, "F:4:20: invalid leading UTF-8 octet (byte 0xFF)" },
      { load(head .. "  - extends: drug.lorazepam\n    synonyms: [\"Ati\255van\"]\n") })
    assert.same({ nil, "F:3:10: invalid trailing UTF-8 octet (byte 0x41)" },
      { load(head .. "  - id: \195A\n") })
  end)

  it("with a NUL byte is refused at the byte", function()
    assert.same({ nil, "F:4:20: control characters are not allowed (byte 0x00)" },
      { load(head .. "  - extends: drug.lorazepam\n    synonyms: [\"Ati\0van\"]\n") })
  end)

  it("with a 10 MB string is refused by the scalar limit", function()
    assert.same({ nil, "F:4:16: scalar of 10485760 bytes is longer than the limit of 1048576" },
      { load(head .. "  - extends: drug.lorazepam\n    synonyms: [\"" ..
        ("x"):rep(10 * 1024 * 1024) .. "\"]\n") })
  end)

  it("may not replace an entry", function()
    local line = 0
    for l in io.lines("data/kb/60-drugs.yaml") do
      line = line + 1
      if l:find("- id: drug.lorazepam", 1, true) then break end
    end
    assert.same({ nil, "F:3:5: id 'drug.lorazepam' is already defined at " ..
      "data/kb/60-drugs.yaml:" .. line .. ":5 (use 'extends: drug.lorazepam' to add to it)" },
      { load(head .. "  - id: drug.lorazepam\n    kind: drug\n    name: other\n" ..
        "    class: [drug_class.sedatives]\n    sources: [reference.article]\n") })
  end)

  it("may not change an entry's name, kind or id through extends", function()
    assert.same({ nil, "F:4:5: 'name' cannot be changed by 'extends' on a drug" },
      { load(head .. "  - extends: drug.lorazepam\n    name: Lora\n") })
    assert.same({ nil, "F:4:5: 'kind' cannot be changed by 'extends' on a drug" },
      { load(head .. "  - extends: drug.lorazepam\n    kind: supplement\n") })
    assert.same({ nil, "F:4:5: an entry has either 'id' or 'extends', not both" },
      { load(head .. "  - extends: drug.lorazepam\n    id: drug.lorazepam\n") })
  end)

  it("may not lower a severity", function()
    assert.same({ nil, "F:4:5: 'extends' may raise a severity, not lower it " ..
      "('drug_class.sedatives' is 'moderate')" },
      { load(head .. "  - extends: drug_class.sedatives\n    severity: info\n") })
  end)

  it("may not take another entry's name as a synonym", function()
    assert.same({ nil, "F:6:16: 'Ativan' of 'drug.newone' already names 'drug.lorazepam'" },
      { load(head .. "  - id: drug.newone\n    kind: drug\n    name: newone\n" ..
        "    synonyms: [Ativan]\n    class: [drug_class.sedatives]\n" ..
        "    sources: [reference.article]\n") })
  end)
end)

describe("a roster with broken records between good ones", function()
  local roster = table.concat({
    "---", "id: one", "medications: [Ativan]",
    "---", "id: [two", "---", "id: three", "age: .nan",
    "---", "id: four", "bad: &a [1, *a]",
    "---", "id: \"\255\"",
    "---", "id: six", "conditions: [depression]",
    "- not a mapping",
    "---", "id: eight", "",
  }, "\n")

  it("yields every record in order, each bad one with its position", function()
    local path = support.tmpfile(roster)
    local reader = assert(core.open(path))
    local got = {}
    while true do
      local v, err, n = reader:next()
      if v == nil then break end
      got[#got + 1] = v and ("%d %s"):format(n, type(v) == "table" and v.id or tostring(v))
        or ("%d %s"):format(n, (err:gsub("^" .. path:gsub("%p", "%%%0"), "F")))
    end
    assert.same({
      "1 one",
      "2 F:6:1: did not find expected ',' or ']' (while parsing a flow sequence " ..
        "at line 5, column 5) (skipped to line 6)",
      "3 three",
      "4 F:11:13: recursive alias '*a' (the anchor contains itself)",
      "5 F:13:6: invalid leading UTF-8 octet (byte 0xFF) (skipped to line 14)",
      "6 F:17:1: did not find expected key (while parsing a block mapping at line 15, " ..
        "column 1) (skipped to line 18)",
      "7 eight",
    }, got)
  end)

  it("refuses a record that is the value false, and reads on", function()
    local path = support.tmpfile("--- false\n--- {id: a, symptoms: []}\n- false\n")
    local got = {}
    for p, err, n in interferon.patients(path) do
      got[#got + 1] = p and ("%d %s"):format(n, p.id) or ("%d %s"):format(n, err)
    end
    assert.same({ "1 " .. path .. ":1:5: record 1 must be a mapping of patient fields, got a boolean",
      "2 a" }, { got[1], got[2] })
    assert.equal(3, #got)
  end)

  it("stops at the document limit", function()
    local path = support.tmpfile("---\nid: a\n---\nid: b\n---\nid: c\n")
    local reader = assert(core.open(path, { max_documents = 1 }))
    assert.equal("a", reader:next().id)
    local v, err, n = reader:next()
    assert.same({ false, path .. ":3:1: more than 1 document in the input", 2 }, { v, err, n })
    assert.is_nil(reader:next())
  end)
end)

describe("the loader's limits", function()
  local function decode(text, opts)
    return core.decode(text, "x.yaml", opts)
  end

  it("refuses input over max_input before parsing", function()
    assert.same({ nil, "x.yaml:1:1: input of 100 bytes is larger than the limit of 10" },
      { decode(("x"):rep(100), { max_input = 10 }) })
  end)

  it("refuses a scalar over max_scalar", function()
    assert.same({ nil, "x.yaml:1:4: scalar of 2097152 bytes is longer than the limit of 1048576" },
      { decode("a: " .. ("x"):rep(2 * 1024 * 1024)) })
  end)

  it("refuses nesting over max_depth, even 100,000 deep", function()
    assert.same({ nil, "x.yaml:1:65: nesting deeper than the limit of 64" },
      { decode(("["):rep(100000)) })
    assert.same({ nil, "x.yaml:1:5: nesting deeper than the limit of 4" },
      { decode("[[[[[1]]]]]", { max_depth = 4 }) })
  end)

  it("charges each alias its full size against max_nodes", function()
    local lines, prev = { "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]" }, "a"
    for _, n in ipairs({ "b", "c", "d", "e", "f", "g", "h", "i" }) do
      lines[#lines + 1] = ("%s: &%s [%s*%s]"):format(n, n, ("*" .. prev .. ", "):rep(8), prev)
      prev = n
    end
    assert.same({ nil, "x.yaml:7:8: document expands to more than 1000000 nodes " ..
      "(aliases count their full size)" }, { decode(table.concat(lines, "\n")) })
    assert.same({ nil, "x.yaml:2:5: document expands to more than 10 nodes " ..
      "(aliases count their full size)" },
      { decode("a: &a [1, 2, 3, 4]\nb: [*a, *a]\n", { max_nodes = 10 }) })
  end)

  it("refuses recursive aliases", function()
    assert.same({ nil, "x.yaml:1:11: recursive alias '*a' (the anchor contains itself)" },
      { decode("a: &a [1, *a]") })
    assert.same({ nil, "x.yaml:1:15: recursive alias '*a' (the anchor contains itself)" },
      { decode("a: &a {b: {c: *a}}") })
  end)

  it("refuses merge keys", function()
    assert.same({ nil, "x.yaml:3:3: merge keys ('<<') are not supported" },
      { decode("a: &a {x: 1}\nb:\n  <<: *a\n") })
  end)

  it("refuses documents over max_documents", function()
    assert.same({ nil, "x.yaml:3:1: more than 1 document in the input" },
      { decode("---\na\n---\nb\n", { max_documents = 1 }) })
  end)

  it("applies the same limits to knowledge-base files", function()
    local path = support.tmpfile("format: interferon-kb/1\nentries: " ..
      ("["):rep(1000) .. ("]"):rep(1000) .. "\n")
    local k, err = interferon.load({ path })
    assert.same({ nil, path .. ":2:73: nesting deeper than the limit of 64" }, { k, err })
  end)

  it("refuses bad limit options as misuse", function()
    assert.has_error(function() core.decode("a", "x", { max_depth = 0 }) end,
      "option 'max_depth' must be a positive number")
  end)
end)
