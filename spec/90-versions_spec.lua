-- The same behaviour on Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT: numbers print
-- alike, the first of several problems is the same one, read-only views
-- work with # and interferon.pairs/ipairs.  (`make test-all` also compares
-- the command's output byte for byte across versions: spec/same.)
local interferon = require("interferon")
local core = require("interferon.core")
local util = require("interferon.util")
local support = require("spec.support")

describe("on every Lua version", function()
  after_each(support.cleanup)

  it("decodes YAML integers to numbers that print without a fraction", function()
    local docs = assert(core.decode("a: 42\nb: -7\nc: 0\nd: 41.0\ne: 7.5\n", "t.yaml"))
    local d = docs[1]
    assert.equal("42", tostring(d.a))
    assert.equal("-7", tostring(d.b))
    assert.equal("0", tostring(d.c))
    assert.equal("42", ("%d"):format(d.a))
    assert.equal(41, d.d)
    assert.equal("7.5", tostring(d.e))
  end)

  it("prints counts and ages alike in every report", function()
    local kb = interferon.default()
    for _, age in ipairs({ 41, 41.0 }) do
      local r = assert(kb:screen({ age = age, medications = { "Xanax 0.5mg" } }))
      assert.equal("1", tostring(r.counts.moderate))
      assert.matches("age 41\n", interferon.report(r, "text"))
      assert.matches('"age":41[,}]', interferon.report(r, "json"))
      assert.matches('"moderate":1[,}]', interferon.report(r, "json"))
    end
  end)

  it("gives integer kind bits", function()
    local schema = require("interferon.schema")
    assert.equal("8192", tostring(schema.KIND_BIT.advice))
  end)

  it("reports the first bad key of an entry in file order", function()
    local path = support.tmpfile(support.kb_text([[
  - id: condition.c2
    kind: condition
    name: C2
    zeta: 1
    alpha: 2
    sources: [reference.r1]
]]))
    local kb, err = interferon.load({ path }, { bundled = false })
    assert.is_nil(kb)
    assert.matches(":19:5: unknown key 'zeta' for a condition$", err)
  end)

  it("reports the first bad patient field by name", function()
    local kb = interferon.default()
    local r, err, field = kb:screen({ sex = 1, age = "x", zz = true, medication = {} })
    assert.is_nil(r)
    assert.equal("age", field)
    assert.equal("field 'age' must be a number, got string \"x\"", err)
    r, err = kb:screen({ conditions = { "a", x = 1, b = 2, [0] = "z" } })
    assert.is_nil(r)
    assert.equal("field 'conditions' must be a list of strings (it has the key number)", err)
  end)

  it("orders keys the same way whatever the hash order", function()
    assert.same({ 1, 2, "a", "b", true },
      util.sorted_keys({ b = 1, [2] = 1, a = 1, [true] = 1, [1] = 1 }))
    assert.same({ "z", "a" }, util.sorted_keys({ a = 1, z = 1 }, { z = 1, a = 2 }))
  end)

  it("keeps entries read-only with # and interferon.ipairs/pairs", function()
    local e = interferon.default():get("drug.lorazepam")
    local list = {}
    for i, s in interferon.ipairs(e.synonyms) do list[i] = s end
    assert.equal(#e.synonyms, #list)
    assert.equal(e.synonyms[1], list[1])
    local copy = util.copy(e)
    assert.equal("table", type(copy.synonyms))
    assert.same(list, copy.synonyms)
    assert.has_error(function() e.synonyms[#e.synonyms + 1] = "x" end,
      "attempt to modify a read-only knowledge base (field '" .. (#e.synonyms + 1) .. "')")
  end)

  it("runs the command in-process with numeric exit statuses", function()
    local cli = require("interferon.cli")
    local saved = io.stdout
    local out = io.tmpfile()
    io.stdout = out            -- luacheck: ignore 122
    local status = cli.main({ "--version" })
    io.stdout = saved          -- luacheck: ignore 122
    out:seek("set")
    local text = out:read("*a")
    out:close()
    assert.equal(0, status)
    assert.equal("number", type(status))
    assert.matches("^interferon %d+%.%d+%.%d+", text)
  end)
end)
