-- interferon.patients: one record at a time from YAML documents, a YAML
-- list or a JSON array; every record in is one patient or one positioned
-- error out, and reading goes on after a bad record or a syntax error.
local interferon = require("interferon")
local support = require("spec.support")

-- every (patient or false, message, n) the stream yields for TEXT
local function read_all(text, suffix)
  local path = support.tmpfile(text, suffix)
  local out = {}
  for p, err, n in interferon.patients(path) do
    out[#out + 1] = { p = p, err = err and err:gsub("^.-:(%d+:%d+: )", "F:%1"), n = n }
  end
  return out, path
end

describe("interferon.patients", function()
  after_each(support.cleanup)

  it("yields each document of a YAML stream, with its number", function()
    local out = read_all("id: a\nmedications: [Xanax]\n---\nid: b\nsymptoms: []\n---\nid: c\nage: 40\n" ..
      "pregnant: false\n")
    assert.equals(3, #out)
    assert.same({ id = "a", medications = { "Xanax" } }, out[1].p)
    assert.same({ id = "c", age = 40, pregnant = false }, out[3].p)
    assert.same({ 1, 2, 3 }, { out[1].n, out[2].n, out[3].n })
    assert.is_nil(out[2].err)
  end)

  it("reads a scalar with the non-specific tag ! as a string", function()
    local out = read_all("id: ! 12\nsex: !\nconditions: ! [! 250.00, ! true]\n")
    assert.same({ { p = { id = "12", sex = "", conditions = { "250.00", "true" } }, n = 1 } }, out)
  end)

  it("reads a JSON array and a YAML list one item at a time", function()
    local out = read_all('[{"id": "j1", "conditions": ["E11.9"]}, {"id": "j2", "symptoms": []}]', ".json")
    assert.equals(2, #out)
    assert.same({ id = "j1", conditions = { "E11.9" } }, out[1].p)
    out = read_all("- {id: y1, symptoms: []}\n- {id: y2, symptoms: []}\n- {id: y3, symptoms: []}\n")
    assert.equals(3, #out)
    assert.equals("y3", out[3].p.id)
  end)

  it("reports a bad record at its field, with line and column, and goes on", function()
    local out = read_all([[
id: a
---
id: b
pregnant: "no"
---
id: c
medications: [Ativan, 7]
---
id: d
sypmtoms: [nausea]
---
id: e
conditions: []
]])
    assert.equals(5, #out)
    assert.same({ false, "F:4:1: field 'pregnant' must be true or false, got string \"no\"", 2 },
      { out[2].p, out[2].err, out[2].n })
    assert.same({ false, "F:7:23: medications[2] must be a string, got number", 3 },
      { out[3].p, out[3].err, out[3].n })
    assert.same({ false, "F:10:1: unknown field 'sypmtoms' (did you mean 'symptoms'?)", 4 },
      { out[4].p, out[4].err, out[4].n })
    assert.same({ id = "e", conditions = {} }, out[5].p)
  end)

  it("positions a record that is not a mapping", function()
    local out = read_all("id: a\n---\n42\n---\n- x\n- y\n---\n  \"text\"\n")
    assert.equals("F:3:1: record 2 must be a mapping of patient fields, got a number", out[2].err)
    assert.equals("F:5:3: record 3 must be a mapping of patient fields, got a string", out[3].err)
    assert.equals("F:6:3: record 4 must be a mapping of patient fields, got a string", out[4].err)
    assert.equals("F:8:3: record 5 must be a mapping of patient fields, got a string", out[5].err)
    out = read_all('[{"id": "a"}, [1, 2], null]', ".json")
    assert.equals("F:1:15: record 2 must be a mapping of patient fields, got a list", out[2].err)
    assert.equals("F:1:23: record 3 must be a mapping of patient fields, got null", out[3].err)
  end)

  it("resynchronises at the next document marker after a syntax error", function()
    local out = read_all("id: a\nconditions: []\n---\nid: b\n  bad: [x\n---\nid: c\nconditions: []\n")
    assert.equals(3, #out)
    assert.equals("a", out[1].p.id)
    assert.equals(false, out[2].p)
    assert.matches("^F:5:6: .* %(skipped to line 6%)$", out[2].err)
    assert.equals("c", out[3].p.id)
  end)

  it("yields one error, numbered 0, for a file it cannot open", function()
    local out = {}
    for p, err, n in interferon.patients("no/such/roster.yaml") do out[#out + 1] = { p, err, n } end
    assert.same({ { false, "no/such/roster.yaml:1:1: cannot open file: No such file or directory", 0 } }, out)
  end)

  it("keeps count: as many results and errors out as records in", function()
    local parts = {}
    for i = 1, 500 do
      parts[#parts + 1] = i % 7 == 0 and ("id: %d\n"):format(i)
        or ("id: p%d\nage: %d\nconditions: []\n"):format(i, i % 90)
    end
    local good, bad, last = 0, 0, 0
    for p, _, n in interferon.patients(support.tmpfile(table.concat(parts, "---\n"))) do
      if p then good = good + 1 else bad = bad + 1 end
      assert.equals(last + 1, n)
      last = n
    end
    assert.same({ 500, 71 }, { good + bad, bad })
  end)

  it("raises on a path that is not a string", function()
    assert.has_error(function() interferon.patients(42) end,
      "bad argument #1 to 'patients' (string expected, got number)")
  end)
end)
