--- kb:screen checks a record in one C pass when the schema accepts it as
-- it is (csrc/patient.c), else through patient.check, which cleans it or
-- refuses it (issue 14).  Records that take either path must screen the
-- same, and a record the fast check is unsure of must still be accepted
-- or refused exactly as patient.check says.
local interferon = require("interferon")
local core = require("interferon.core")
local patient = require("interferon.patient")

local kb = interferon.default()

local function plain(p)
  return patient.plain(p)
end

-- a deep copy of a plain value
local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end

local RECORD = {
  id = "MRN-7", sex = "female", age = 41, pregnant = true, breastfeeding = false,
  conditions = { "type 2 diabetes", "F32.A", "hx of depression" },
  medications = { "lorazepam 1 mg tablet", "metformin 500 mg BID", "levothyroxin 75 mcg",
    "oxycodone/acetaminophen 5/325", "sotalol 80 mg", "xyzzyquil" },
  supplements = { "St. John's wort" },
  symptoms = { "tired", "feeling sad" },
}

describe("the fast record check", function()
  it("accepts a plain record and refuses what it is unsure of", function()
    assert.is_true(plain(copy(RECORD)))
    assert.is_true(plain({}))
    assert.is_true(plain({ conditions = {} }))
    local with_null = copy(RECORD)
    with_null.id = core.null
    assert.is_false(plain(with_null))
    assert.is_false(plain(setmetatable(copy(RECORD), {})))
    local list_mt = copy(RECORD)
    setmetatable(list_mt.medications, {})
    assert.is_false(plain(list_mt))
    assert.is_false(plain({ conditions = { "a", nil, "c" } }))
    assert.is_false(plain({ conditions = { [0] = "a" } }))
    assert.is_false(plain({ conditions = { "a", x = "b" } }))
    assert.is_false(plain({ conditions = { [1.5] = "a" } }))
    assert.is_false(plain({ conditions = { "a", 7 } }))
    assert.is_false(plain({ age = 0 / 0 }))
    assert.is_false(plain({ age = -1 }))
    assert.is_false(plain({ age = 151 }))
    assert.is_false(plain({ age = "41" }))
    assert.is_false(plain({ pregnant = "no" }))
    assert.is_false(plain({ id = ("x"):rep(patient.MAX_TERM + 1) }))
    assert.is_false(plain({ conditions = { ("x"):rep(patient.MAX_TERM + 1) } }))
    assert.is_false(plain({ condition = {} }))
    assert.is_false(plain({ [1] = "conditions" }))
    local many = {}
    for i = 1, patient.MAX_ITEMS + 1 do many[i] = "asthma" end
    assert.is_false(plain({ conditions = many }))
    many[#many] = nil
    assert.is_true(plain({ conditions = many }))
    assert.is_true(plain({ age = 0 }))
    assert.is_true(plain({ age = 150 }))
    assert.is_true(plain({ id = ("x"):rep(patient.MAX_TERM) }))
  end)

  it("screens a record the same whichever path it takes", function()
    local fast = assert(kb:screen(copy(RECORD)))
    -- nulls and a harmless metatable send the same record through patient.check
    local slow_input = copy(RECORD)
    slow_input.id, slow_input.sex = core.null, core.null
    setmetatable(slow_input, { __newindex = function() error("no") end })
    setmetatable(slow_input.conditions, { __tostring = function() return "" end })
    assert.is_false(plain(slow_input))
    local slow = assert(kb:screen(slow_input))
    fast.patient.id, fast.patient.sex = nil, nil
    assert.are.same(fast, slow)
    assert.are.equal(interferon.report(fast, "json"), interferon.report(slow, "json"))
    -- the record is neither changed nor kept
    assert.are.equal(core.null, slow_input.id)
    assert.are.equal(6, #slow_input.medications)
  end)

  it("orders many findings as it orders a few (by severity, id, then input)", function()
    local RANK = { critical = 1, high = 2, moderate = 3, low = 4, info = 5 }
    local meds = {}
    for i = 1, 30 do
      for _, m in ipairs({ "zolpidem " .. i .. " mg", "lorazepam " .. i .. " mg", "sertraline" }) do
        meds[#meds + 1] = m
      end
    end
    local r = assert(kb:screen({ conditions = { "F32.A" }, medications = meds }))
    assert.is_true(#r.findings > 64)
    local order = { ["F32.A"] = 0 }
    for i, m in ipairs(meds) do order[m] = order[m] or i end
    for i = 2, #r.findings do
      local a, b = r.findings[i - 1], r.findings[i]
      local ka, kb_ = { RANK[a.severity], a.id, order[a.input] }, { RANK[b.severity], b.id, order[b.input] }
      local before = ka[1] < kb_[1] or (ka[1] == kb_[1] and (ka[2] < kb_[2] or
        (ka[2] == kb_[2] and ka[3] <= kb_[3])))
      assert.is_true(before, ("findings %d and %d out of order"):format(i - 1, i))
    end
    assert.are.equal("condition.depression", r.findings[1].id)
  end)

  it("finds the conditions medicines imply among many findings as among a few", function()
    local function implied(r)
      local out = {}
      for _, f in ipairs(r.findings) do
        if f.match == "implied" then out[#out + 1] = { f.id, f.matched, f.via, f.input } end
      end
      return out
    end
    local few = implied(assert(kb:screen({ medications = { "Betapace 80 mg" } })))
    assert.are.same({ "condition.heart_disease", "drug.sotalol", "Betapace 80 mg" },
      { few[1][2], few[1][3], few[1][4] })
    local meds = {}
    for i = 1, 70 do meds[#meds + 1] = "zolpidem " .. i .. " mg" end
    meds[#meds + 1] = "Betapace 80 mg"
    local r = assert(kb:screen({ medications = meds }))
    assert.is_true(#r.findings > 64)
    assert.are.same(few, implied(r))
  end)

  it("leaves the refusals to patient.check, with their messages and fields", function()
    local function refused(p, message, field)
      local r, err, at = kb:screen(p)
      assert.is_nil(r)
      assert.are.equal(message, err)
      assert.are.equal(field, at)
    end
    refused({ conditions = { "a", nil, "c" } }, "conditions[2] must be a string, got a gap in the list",
      "conditions")
    refused({ age = 151 }, "field 'age' must be between 0 and 150", "age")
    refused({ age = 0 / 0 }, "field 'age' must be between 0 and 150", "age")
    refused({ conditions = { [1.5] = "a" } },
      "field 'conditions' must be a list of strings (it has the key number)", "conditions")
    refused({ condition = { "asthma" } }, "unknown field 'condition' (did you mean 'conditions'?)",
      "condition")
  end)

  it("screens a roster record once it is read, as kb:screen would", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write("id: MRN-8\nid2: ~\n", "---\nid: ~\nconditions: [F32.A, asthma]\n",
      "---\nconditions: [F32.A, asthma]\nmedications: [Xanax 0.5 mg]\n")
    f:close()
    local got = {}
    for p, err, n in interferon.patients(path) do
      got[n] = p and assert(kb:screen(p)).counts.high or err
    end
    os.remove(path)
    assert.are.equal(path .. ":2:1: unknown field 'id2' (did you mean 'id'?)", got[1])
    assert.are.equal(1, got[2])
    assert.are.equal(1, got[3])
  end)
end)
