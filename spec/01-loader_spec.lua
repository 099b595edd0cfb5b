-- The YAML loader and the knowledge-base checks, through interferon.load:
-- every bad input returns nil and "FILE:LINE:COL: message".
local interferon = require("interferon")
local support = require("spec.support")

local function load_text(text)
  local path = support.tmpfile(text)
  local kb, err = interferon.load({ path }, { bundled = false })
  return kb, err and (err:gsub(path:gsub("%p", "%%%0"), "FILE")), path
end

describe("the loader", function()
  after_each(support.cleanup)

  it("loads a minimal knowledge base", function()
    local kb, err = load_text(support.kb_text())
    assert.is_nil(err)
    assert.equal("t1", kb.version)
    assert.equal("Condition one", kb:get("condition.c1").name)
  end)

  it("reads YAML 1.2 core-schema scalars: no stays a string", function()
    local kb = assert(load_text(support.kb_text([[
  - id: condition.c2
    kind: condition
    name: no
    synonyms: [yes, "on", off, "012"]
    sources: [reference.r1]
]])))
    local e = kb:get("condition.c2")
    assert.equal("no", e.name)
    assert.same({ "yes", "on", "off", "012" }, { e.synonyms[1], e.synonyms[2], e.synonyms[3], e.synonyms[4] })
  end)

  local cases = {
    { "broken syntax", "format: interferon-kb/1\nentries: [\n",
      "FILE:3:1: did not find expected node content (while parsing a flow node at line 3, column 1)" },
    { "a tab used for indentation", "format: interferon-kb/1\nentries:\n\t- id: x\n",
      "FILE:3:1: tab characters are not allowed for indentation (use spaces)" },
    -- YAML allows a tab as separating space after "-"; libyaml 0.2.5 does not
    { "a tab after a list's dash", "format: interferon-kb/1\nentries:\n  -\tid: x\n",
      "FILE:3:4: tab characters are not supported here (use spaces)" },
    { "a duplicate key", "format: interferon-kb/1\nformat: interferon-kb/1\n",
      "FILE:2:1: duplicate key 'format'" },
    { "a tag outside the core schema", "format: !!python/object x\n",
      "FILE:1:9: unsupported tag 'tag:yaml.org,2002:python/object'" },
    { "a local tag", "format: !x interferon-kb/1\n", "FILE:1:9: unsupported tag '!x'" },
    { "a recursive alias", "format: interferon-kb/1\nentries: &e [ *e ]\n",
      "FILE:2:15: recursive alias '*e' (the anchor contains itself)" },
    { "an unknown alias", "format: *nope\n", "FILE:1:9: unknown alias '*nope'" },
    { "a merge key", "a: &a {x: 1}\nb:\n  <<: *a\n", "FILE:3:3: merge keys ('<<') are not supported" },
    { "invalid UTF-8", "format: \"interferon\255\"\n", "FILE:1:20: invalid leading UTF-8 octet (byte 0xFF)" },
    { "two documents", "format: interferon-kb/1\n---\nformat: x\n",
      "FILE:2:1: more than 1 document in the input" },
    { "an empty file", "", "FILE:1:1: empty file (expected 'format', 'version' and 'entries')" },
    { "a list at the top", "- a\n", "FILE:1:1: a knowledge-base file must be a mapping" },
    { "an unknown top-level key", "format: interferon-kb/1\nentry: []\n",
      "FILE:2:1: unknown key 'entry' (did you mean 'entries'?)" },
    { "a wrong format", "format: interferon-kb/2\nentries: []\n",
      "FILE:1:1: 'format' must be 'interferon-kb/1'" },
    { "an unquoted numeric version", "format: interferon-kb/1\nversion: 2.1\nentries: []\n",
      "FILE:2:1: 'version' must be a string (quote it)" },
  }
  for _, c in ipairs(cases) do
    it("refuses " .. c[1], function()
      local kb, err = load_text(c[2])
      assert.is_nil(kb)
      assert.equal(c[3], err)
    end)
  end

  it("refuses a depth bomb quickly", function()
    local kb, err = load_text("a: " .. ("["):rep(100000))
    assert.is_nil(kb)
    assert.equal("FILE:1:67: nesting deeper than the limit of 64", err)
  end)

  it("refuses an alias bomb (billion laughs) by charging each alias its size", function()
    local lines = { "a: &a [x, x, x, x, x, x, x, x, x]" }
    local prev = "a"
    for i = 2, 9 do
      local n = string.char(96 + i)
      lines[#lines + 1] = ("%s: &%s [%s]"):format(n, n, ("*" .. prev .. ", "):rep(8) .. "*" .. prev)
      prev = n
    end
    local kb, err = load_text(table.concat(lines, "\n") .. "\n")
    assert.is_nil(kb)
    assert.matches("^FILE:7:%d+: document expands to more than 1000000 nodes %(aliases count their full size%)$", err)
  end)

  local entry_cases = {
    { "an unknown key, with a suggestion", "    synonym: [x]\n",
      "FILE:20:5: unknown key 'synonym' for a condition (did you mean 'synonyms'?)" },
    { "an unknown kind", "", "FILE:17:5: unknown kind 'conditon' (did you mean 'condition'?)", "conditon" },
    { "a missing source", "    sources: [reference.nope]\n", nil },
    { "a wrong type", "    severity: severe\n",
      "FILE:20:5: 'severity' must be one of 'critical', 'high', 'moderate', 'low', 'info'" },
  }
  for _, c in ipairs(entry_cases) do
    it("refuses " .. c[1], function()
      local kind = c[4] or "condition"
      local text = support.kb_text(("  - id: %s.c2\n    kind: %s\n    name: Two\n"):format(kind, kind)
        .. (c[2]:find("sources") and "" or "    sources: [reference.r1]\n") .. c[2])
      local kb, err = load_text(text)
      assert.is_nil(kb)
      if c[3] then
        assert.equal(c[3], err)
      else
        assert.equal("FILE:19:15: source 'reference.nope' of 'condition.c2' is not a reference "
          .. "(did you mean 'reference.r1'?)", err)
      end
    end)
  end

  it("refuses an entry without sources", function()
    local kb, err = load_text(support.kb_text("  - id: condition.c2\n    kind: condition\n    name: Two\n"))
    assert.is_nil(kb)
    assert.equal("FILE:16:5: entry 'condition.c2' has no 'sources'", err)
  end)

  it("refuses empty sources", function()
    local kb, err = load_text(support.kb_text(
      "  - id: condition.c2\n    kind: condition\n    name: Two\n    sources: []\n"))
    assert.is_nil(kb)
    assert.equal("FILE:19:5: 'sources' must not be empty", err)
  end)

  it("refuses an id clash and says how to extend instead", function()
    local kb, err = load_text(support.kb_text(
      "  - id: condition.c1\n    kind: condition\n    name: Again\n    sources: [reference.r1]\n"))
    assert.is_nil(kb)
    assert.equal("FILE:16:5: id 'condition.c1' is already defined at FILE:9:5 "
      .. "(use 'extends: condition.c1' to add to it)", err)
  end)

  it("refuses a synonym that already names another entry", function()
    local kb, err = load_text(support.kb_text(
      "  - id: condition.c2\n    kind: condition\n    name: Two\n    synonyms: [First  Condition]\n"
      .. "    sources: [reference.r1]\n"))
    assert.is_nil(kb)
    assert.equal("FILE:19:16: 'First  Condition' of 'condition.c2' already names 'condition.c1'", err)
  end)

  it("refuses a name too long to index, instead of leaving it out", function()
    local kb, err = load_text(support.kb_text(
      "  - id: condition.c2\n    kind: condition\n    name: Two\n    synonyms: [\""
      .. ("abc "):rep(100) .. "\"]\n    sources: [reference.r1]\n"))
    assert.is_nil(kb)
    assert.equal("FILE:19:16: 'abc abc abc abc abc ...' of 'condition.c2' is longer than 255 bytes "
      .. "once normalised", err)
  end)

  it("refuses an unreadable file", function()
    local kb, err = interferon.load({ "/nonexistent/site.yaml" })
    assert.is_nil(kb)
    assert.equal("/nonexistent/site.yaml:1:1: cannot read file: No such file or directory", err)
  end)

  describe("overlays", function()
    it("extend an entry's lists and raise its severity", function()
      local base = support.tmpfile(support.kb_text())
      local site = support.tmpfile([[
format: interferon-kb/1
version: "site-1"
entries:
  - extends: condition.c1
    synonyms: [local name]
    severity: high
]])
      local kb = assert(interferon.load({ base, site }, { bundled = false }))
      assert.equal("t1+site-1", kb.version)
      assert.equal("high", kb:get("condition.c1").severity)
      assert.equal(kb:get("condition.c1"), (kb:lookup("Local Name")))
    end)

    it("may not lower a severity", function()
      local base = support.tmpfile(support.kb_text())
      local site = support.tmpfile("format: interferon-kb/1\nentries:\n  - extends: condition.c1\n    severity: low\n")
      local kb, err = interferon.load({ base, site }, { bundled = false })
      assert.is_nil(kb)
      assert.equal(site .. ":4:5: 'extends' may raise a severity, not lower it ('condition.c1' is 'moderate')", err)
    end)

    it("may not replace the name of an entry", function()
      local base = support.tmpfile(support.kb_text())
      local site = support.tmpfile("format: interferon-kb/1\nentries:\n  - extends: condition.c1\n    name: Other\n")
      local kb, err = interferon.load({ base, site }, { bundled = false })
      assert.is_nil(kb)
      assert.equal(site .. ":4:5: 'name' cannot be changed by 'extends' on a condition", err)
    end)

    it("must name an entry that exists", function()
      local site = support.tmpfile("format: interferon-kb/1\nentries:\n  - extends: drug.lorazepan\n    synonyms: [x]\n")
      local kb, err = interferon.load({ site })
      assert.is_nil(kb)
      assert.equal(site .. ":3:5: 'extends: drug.lorazepan' names no entry loaded before it "
        .. "(did you mean 'drug.lorazepam'?)", err)
    end)

    it("layer on top of the bundled knowledge base", function()
      local site = support.tmpfile("format: interferon-kb/1\nversion: \"s\"\nentries:\n"
        .. "  - extends: drug.lorazepam\n    synonyms: [Loraz-Site]\n")
      local kb = assert(interferon.load({ site }))
      local e, how = kb:lookup("loraz site")
      assert.equal("drug.lorazepam", e.id)
      assert.equal("synonym", how)
      assert.matches("%+s$", kb.version)
    end)
  end)

  it("computes the checksum over the loaded bytes in load order", function()
    local core = require("interferon.core")
    local text = support.kb_text()
    local kb = assert(load_text(text))
    assert.equal(core.sha256(text), kb.checksum)
    assert.matches("^%x+$", kb.checksum)
    assert.equal(64, #kb.checksum)
  end)

  it("computes SHA-256 as FIPS 180-4 and sha256sum do, however the bytes are split", function()
    local core = require("interferon.core")
    -- the FIPS 180-4 examples (NIST's "SHA256.pdf", "SHA256ShortMsg")
    assert.equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      core.sha256(""))
    assert.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      core.sha256("abc"))
    assert.equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      core.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
    assert.equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      core.sha256(("a"):rep(1000000)))
    assert.equal(core.sha256("abc"), core.sha256("a", "", "bc"))
    -- every length around the block and padding boundaries, against
    -- coreutils' sha256sum, whole and split at a random place
    local state = 14                      -- Park-Miller: exact in every Lua
    local function rng(lo, hi)
      state = state * 16807 % 2147483647
      return lo + state % (hi - lo + 1)
    end
    local path = support.tmpfile("")
    for n = 0, 200 do
      local t = {}
      for i = 1, n do t[i] = string.char(rng(0, 255)) end
      local s = table.concat(t)
      local f = assert(io.open(path, "wb"))
      f:write(s)
      f:close()
      local p = assert(io.popen("sha256sum " .. path))
      local want = p:read("*a"):match("^(%x+)")
      p:close()
      local cut = rng(0, n)
      assert.equal(want, core.sha256(s), n .. " bytes")
      assert.equal(want, core.sha256(s:sub(1, cut), s:sub(cut + 1)), n .. " bytes, split")
    end
  end)
end)
