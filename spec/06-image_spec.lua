-- The build-time image of the bundled knowledge base (issue 14) against a
-- run-time compile of the same files: the same state, the same entries,
-- the same answers to a large sample of lookups, the same reports byte for
-- byte.  interferon.load() and default() read the image; KB.new compiles.
local interferon = require("interferon")
local core = require("interferon.core")
local compile = require("interferon.compile")
local KB = require("interferon.kb")
local util = require("interferon.util")
local corpus = dofile("spec/fixtures/ehr_corpus.lua")

local function bundled_files()
  local files = {}
  for _, f in ipairs(core.bundled()) do
    files[#files + 1] = { name = f.name, text = f.text, bundled = true }
  end
  return files
end

describe("the image of the bundled knowledge base", function()
  local image = core.image()
  local compiled = assert(compile.files(bundled_files()))
  local img = interferon.default()
  local run = assert(KB.new(bundled_files()))

  it("is in the module, made by this Lua for this version of the module", function()
    assert.truthy(image, "the module has no image")
    local jit = rawget(_G, "jit")
    assert.same({ _VERSION, jit and jit.version or "", interferon._VERSION },
      { image.lua, image.jit, image.module })
  end)

  it("is what interferon.load() of the bundled files alone and default() give", function()
    assert.equal(img, interferon.default())            -- cached
    local kb = interferon.load()
    assert.are_not.equal(img, kb)                      -- a knowledge base of its own
    assert.same({ tostring(img), img.checksum }, { tostring(kb), kb.checksum })
  end)

  it("holds the state a run-time compile gives", function()
    local state = image.state
    KB.derive(compiled)
    for _, key in ipairs({ "ids", "number", "names", "concerns", "version", "checksum",
        "flags", "implying", "references" }) do
      assert.same(compiled[key], state[key], key)
    end
    assert.equal(#compiled.ids, #state.names)
    assert.equal(#compiled.ids, #state.ids)
    for _, id in ipairs(compiled.ids) do
      assert.same(compiled.entries[id], state.entries[id], id)
    end
    assert.is_nil(state.entries["condition.no_such_entry"])
    assert.equal(0, (select(2, compiled.index:stats())))  -- no deletions yet
    compiled.index:match("ambienn", 0xFFFF)  -- the first approximate query makes them
    local terms, deletions = compiled.index:stats()
    assert.is_true(terms > 5000 and deletions > 100000)
    local image_terms, image_deletions = image.index:stats()
    assert.same({ terms, deletions }, { image_terms, image_deletions })
  end)

  it("gives the same knowledge base: description, entries, sources", function()
    assert.equal(tostring(run), tostring(img))
    assert.same({ run.version, run.checksum }, { img.version, img.checksum })
    assert.equal(core.sha256(table.concat((function()
      local t = {}
      for _, f in ipairs(core.bundled()) do t[#t + 1] = f.text end
      return t
    end)())), img.checksum)
    local a, b = run:list(), img:list()
    assert.equal(#a, #b)
    for i = 1, #a do assert.same(util.copy(a[i]), util.copy(b[i])) end
    assert.same(util.copy(run.sources), util.copy(img.sources))
    assert.equal(run:explain("condition.depression"), img:explain("condition.depression"))
  end)

  -- every name, synonym and code, three misspellings of each name longer
  -- than four bytes, and
  -- every string of the EHR corpus
  local function sample()
    local terms = {}
    for _, e in ipairs(run:list()) do
      local all = { e.name }
      for _, s in interferon.ipairs(e.synonyms or {}) do all[#all + 1] = s end
      for _, c in interferon.ipairs(e.codes or {}) do all[#all + 1] = c end
      for _, t in ipairs(all) do terms[#terms + 1] = t end
      local n = e.name
      if #n > 4 then
        terms[#terms + 1] = n:sub(1, 2) .. n:sub(4)                 -- a letter left out
        terms[#terms + 1] = n:sub(1, 2) .. n:sub(4, 4) .. n:sub(3, 3) .. n:sub(5)
        terms[#terms + 1] = n .. n:sub(-1)                          -- a letter doubled
      end
    end
    for _, r in ipairs(corpus) do
      if type(r) == "table" and r.input then terms[#terms + 1] = r.input end
    end
    return terms
  end

  it("answers a large sample of lookups as a run-time compile does", function()
    local terms, same, differ, approximate = sample(), 0, {}, 0
    assert.is_true(#terms > 10000, "sample of " .. #terms)
    for _, t in ipairs(terms) do
      local e1, h1 = run:lookup(t)
      local e2, h2 = img:lookup(t)
      local a = e1 and e1.id .. " " .. h1 or "none " .. table.concat(h1, "|")
      local b = e2 and e2.id .. " " .. h2 or "none " .. table.concat(h2, "|")
      if h1 == "approximate" then approximate = approximate + 1 end
      if a == b then same = same + 1 else differ[#differ + 1] = t .. ": " .. a .. " / " .. b end
    end
    assert.same({}, differ)
    assert.equal(#terms, same)
    assert.is_true(approximate > 1000, approximate .. " approximate")
  end)

  it("screens and reports byte for byte as a run-time compile does", function()
    local fields, by = { "conditions", "medications", "supplements", "symptoms" }, {}
    for _, r in ipairs(corpus) do
      if type(r) == "table" and r.input and r.field then
        by[r.field] = by[r.field] or {}
        table.insert(by[r.field], r.input)
      end
    end
    local patients = {}
    for i = 1, 40 do                         -- forty patients of corpus strings
      local p = { id = "p" .. i, age = 30 + i, pregnant = i % 7 == 0 }
      for _, f in ipairs(fields) do
        local list, items = by[f] or {}, {}
        for k = i, #list, 40 * 7 do items[#items + 1] = list[k] end
        if #items > 0 then p[f] = items end
      end
      patients[#patients + 1] = p
    end
    assert.is_true(#patients == 40 and patients[1].medications ~= nil)
    local formats = { "text", "markdown", "json", "html", "cds-hooks", "fhir" }
    local n = 0
    for _, p in ipairs(patients) do
      local r1, r2 = assert(run:screen(p)), assert(img:screen(p))
      for _, f in ipairs(formats) do
        assert.equal(interferon.report(r1, f, { kb = run }),
          interferon.report(r2, f, { kb = img }), p.id .. " " .. f)
        n = n + 1
      end
    end
    local s1 = assert(run:check_symptoms(by.symptoms or { "fatigue" }))
    local s2 = assert(img:check_symptoms(by.symptoms or { "fatigue" }))
    assert.equal(interferon.report(s1, "json", { kb = run }), interferon.report(s2, "json", { kb = img }))
    assert.equal(240, n)
  end)

  it("is refused when made for another Lua or another version of the module", function()
    local other = core.image()
    other.lua = "Lua 4.0"
    local kb, err = KB.from_image(other, interferon._VERSION)
    assert.is_nil(kb)
    assert.matches("^the bundled knowledge base's image was built for Lua 4%.0", err)
    assert.matches("rebuild the module$", err)
    kb, err = KB.from_image(core.image(), "interferon 9.9.9")
    assert.is_nil(kb)
    assert.matches("interferon 9%.9%.9: rebuild the module$", err)
  end)

  it("reads an entry once, when first asked for", function()
    local state = core.image().state
    assert.is_nil(rawget(state.entries, "drug.zolpidem"))
    local e = state.entries["drug.zolpidem"]
    assert.equal("drug.zolpidem", e.id)
    assert.equal(e, rawget(state.entries, "drug.zolpidem"))
    assert.is_nil(state.entries[42])
  end)
end)
