-- The knowledge-base API: get, lookup, list, explain, tostring, read-only
-- views, misuse, and a require that leaves _G alone.
describe("require('interferon')", function()
  it("sets no globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded["interferon"] = nil
    package.loaded["interferon.kb"] = nil
    require("interferon")
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)

  it("has a semver _VERSION", function()
    assert.matches("^interferon %d+%.%d+%.%d+$", require("interferon")._VERSION)
  end)
end)

describe("a knowledge base", function()
  local interferon = require("interferon")
  local kb = interferon.default()

  it("is loaded once by default()", function()
    assert.equal(kb, interferon.default())
  end)

  it("describes itself in one line", function()
    local s = tostring(kb)
    assert.matches("^interferon knowledge base [%w.+-]+: %d+ entries %(", s)
    assert.matches("side_effect 20", s)
    assert.is_nil(s:find("\n"))
  end)

  it("has a version, a checksum and its sources", function()
    assert.matches("^%d+%.%d+%.%d+", kb.version)
    assert.matches("^%x+$", kb.checksum)
    assert.is_true(#kb.sources >= 6)
    assert.equal("reference", kb.sources[1].kind)
  end)

  it("gets an entry by id", function()
    local e = kb:get("condition.depression")
    assert.equal("Depression", e.name)
    assert.equal("high", e.severity)
    assert.is_nil(kb:get("condition.nothing"))
  end)

  describe("lookup", function()
    it("ignores case, spacing and punctuation", function()
      for _, t in ipairs({ "ativan", "ATIVAN", "  Ativan ", "Ativan." }) do
        local e, how = kb:lookup(t)
        assert.equal("drug.lorazepam", e.id, t)
        assert.equal("synonym", how)
      end
    end)

    it("tells exact from synonym, code and approximate matches", function()
      assert.same({ "drug.lorazepam", "exact" }, { kb:lookup("Lorazepam").id, select(2, kb:lookup("Lorazepam")) })
      local e, how = kb:lookup("F32.A")
      assert.same({ "condition.depression", "code" }, { e.id, how })
      e, how = kb:lookup("lorazepan")
      assert.same({ "drug.lorazepam", "approximate" }, { e.id, how })
    end)

    it("finds medications written with doses", function()
      local e, how = kb:lookup("Xanax 0.5mg")
      assert.same({ "drug.alprazolam", "synonym" }, { e.id, how })
    end)

    it("returns nil and suggestions for an unknown term", function()
      local e, sugg = kb:lookup("zzzz qqqq")
      assert.is_nil(e)
      assert.same({}, sugg)
      e, sugg = kb:lookup("xnax")
      assert.is_nil(e)
      assert.equal("alprazolam", sugg[1])
    end)
  end)

  describe("list", function()
    it("lists a kind ordered by id", function()
      local list = kb:list("route")
      assert.same({ "route.intramuscular", "route.intravenous", "route.subcutaneous" },
        { list[1].id, list[2].id, list[3].id })
    end)

    it("filters on fields, lists included", function()
      local less = kb:list("side_effect", { frequency = "less_common" })
      assert.is_true(#less >= 5)
      for _, e in ipairs(less) do assert.equal("less_common", e.frequency) end
      local usual = kb:list("route", { usual = true })
      assert.equal(1, #usual)
      assert.equal("route.subcutaneous", usual[1].id)
      local sedating = kb:list("drug", { class = "drug_class.anxiety_medication" })
      assert.is_true(#sedating >= 8)
    end)

    it("computes the members of a drug class", function()
      local cls = kb:get("drug_class.anxiety_medication")
      local found = false
      for _, id in interferon.ipairs(cls.members) do
        found = found or id == "drug.lorazepam"
      end
      assert.is_true(found)
    end)
  end)

  it("explains an entry with its sources", function()
    local text = kb:explain("condition.depression")
    assert.matches("^Depression %(condition%.depression%)\n", text)
    assert.matches("severity: high", text)
    assert.matches("sources:\n  %[reference%.article%] Leukemia Treatment Interferon", text)
    local none, err = kb:explain("condition.depresion")
    assert.is_nil(none)
    assert.equal("unknown id 'condition.depresion' (did you mean 'condition.depression'?)", err)
  end)

  describe("is read-only", function()
    it("refuses assignment to an entry, its lists, and the KB", function()
      local e = kb:get("drug.lorazepam")
      assert.has_error(function() e.name = "x" end,
        "attempt to modify a read-only knowledge base (field 'name')")
      assert.has_error(function() e.synonyms[1] = "x" end,
        "attempt to modify a read-only knowledge base (field '1')")
      assert.has_error(function() kb.version = "x" end,
        "attempt to modify a read-only knowledge base (field 'version')")
      -- an entry is a table from Lua 5.2 on, a userdata on 5.1 and LuaJIT
      assert.has_error(function() setmetatable(e, nil) end, type(e) == "table" and
        "cannot change a protected metatable" or
        "bad argument #1 to 'setmetatable' (table expected, got userdata)")
    end)

    it("still supports #, interferon.ipairs and interferon.pairs", function()
      local e = kb:get("drug.lorazepam")
      local n = 0
      for _ in interferon.ipairs(e.synonyms) do n = n + 1 end
      assert.equal(#e.synonyms, n)
      assert.is_true(n >= 1)
      local keys = {}
      for k in interferon.pairs(e) do keys[k] = true end
      assert.is_true(keys.id and keys.name and keys.sources)
    end)

    it("walks plain tables with interferon.pairs and interferon.ipairs", function()
      local seen = {}
      for i, v in interferon.ipairs({ "a", "b" }) do seen[i] = v end
      for k, v in interferon.pairs({ x = 1 }) do seen[k] = v end
      assert.same({ "a", "b", x = 1 }, seen)
    end)

    -- Lua 5.1 and LuaJIT ignore __pairs and __ipairs on tables
    local builtin = #setmetatable({}, { __len = function() return 1 end }) == 1
    if builtin then
      it("supports the builtin ipairs and pairs from Lua 5.2 on", function()
        local e = kb:get("drug.lorazepam")
        local n = 0
        for _ in ipairs(e.synonyms) do n = n + 1 end
        assert.equal(#e.synonyms, n)
        local keys = {}
        for k in pairs(e) do keys[k] = true end
        assert.is_true(keys.id and keys.name and keys.sources)
      end)
    end

    it("hands out findings the caller may change without harm", function()
      local r = kb:screen({ medications = { "Ativan" } })
      r.findings[1].sources[1] = "changed"
      local again = kb:screen({ medications = { "Ativan" } })
      assert.are_not.equal("changed", again.findings[1].sources[1])
    end)
  end)

  describe("misuse raises", function()
    it("names the bad argument", function()
      assert.has_error(function() kb:lookup(42) end, "bad argument #1 to 'lookup' (string expected, got number)")
      assert.has_error(function() kb:get() end, "bad argument #1 to 'get' (string expected, got nil)")
      assert.has_error(function() kb:list("side_efect") end,
        "bad argument #1 to 'list' (unknown kind 'side_efect') (did you mean 'side_effect'?)")
      assert.has_error(function() kb.lookup({}, "x") end,
        "bad argument #1 to 'lookup' (knowledge base expected, got table)")
      assert.has_error(function() interferon.load("site.yaml") end,
        "bad argument #1 to 'load' (table expected, got string)")
      assert.has_error(function() interferon.screen("patient") end,
        "bad argument #1 to 'screen' (table expected, got string)")
    end)

    it("blames the line that made the call", function()
      -- (no `return`: a tail call would leave no line to blame)
      local calls = {
        function() kb:get(1) end, function() interferon.screen(1) end,
        function() interferon.lookup(1) end, function() interferon.load(1) end,
        function() interferon.patients(1) end, function() kb:list("x") end,
      }
      for _, call in ipairs(calls) do
        local want = ("spec/02-api_spec.lua:%d: bad argument #1 to "):format(
          debug.getinfo(call, "S").linedefined)
        local ok, err = pcall(call)
        assert.is_false(ok)
        assert.equals(want, err:sub(1, #want))
      end
    end)
  end)
end)
