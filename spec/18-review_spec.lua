-- The clinical review sheet (issue 13): review.html(kb) and its runner
-- (`make review` runs lua/interferon/review.lua): every entry with its
-- severity, action, evidence, sources and codes, grouped by kind, the
-- version and checksum, a sign-off block, and no input as markup.  That it
-- renders in a browser is in spec/40-chromium_spec.lua.
local interferon = require("interferon")
local review = require("interferon.review")
local core = require("interferon.core")
local command = require("spec.command")
local support = require("spec.support")

local kb = interferon.default()
local page = review.html(kb)

local function esc(s) return core.html_escape(core.text_clean(tostring(s))) end

local function has(s, text) return s:find(text, 1, true) ~= nil end

describe("the review sheet", function()
  teardown(support.cleanup)

  it("is a standalone page naming the version and the checksum", function()
    assert.equal("<!DOCTYPE html>\n", page:sub(1, 16))
    assert.equal("</body>\n</html>\n", page:sub(-16))
    local title = ("Interferon knowledge base %s: clinical review sheet"):format(esc(kb.version))
    assert.truthy(has(page, "<title>" .. title .. "</title>"))
    assert.truthy(has(page, "<h1>" .. title .. "</h1>"))
    assert.truthy(has(page, ("<dt>Checksum</dt><dd><code>%s</code>"):format(kb.checksum)))
    assert.truthy(has(page, ("<dt>Entries</dt><dd>%d: "):format(#kb:list())))
  end)

  it("lists every entry once, under its kind, references last", function()
    local last = 0
    local kinds = {}
    for _, e in ipairs(kb:list()) do kinds[e.kind] = true end
    for _, kind in ipairs({ "interferon_type", "indication", "mechanism", "treatment_setting",
      "route", "side_effect", "side_effect_course", "warning", "condition", "drug_class", "drug",
      "supplement", "advice", "reference" }) do
      if kinds[kind] then
        local at = page:find(('<h2 id="%s">%s (%d)</h2>'):format(kind, kind:gsub("_", " "),
          #kb:list(kind)), 1, true)
        assert.is_true(at ~= nil and at > last, kind)
        last = at
        for _, e in ipairs(kb:list(kind)) do
          local row = (kind == "reference" and '<tr><td><span class="id">' or
            '</strong><br><span class="id">') .. esc(e.id) .. "</span>"
          local first = page:find(row, 1, true)
          assert.is_true(first ~= nil and first > at, e.id)
          assert.is_nil(page:find(row, first + 1, true), e.id .. " twice")
        end
      end
    end
    assert.truthy(has(page, '<section class="signoff">'))
    assert.is_true(page:find('<section class="signoff">', 1, true) > last)
  end)

  it("shows an entry's severity, action, evidence, sources and codes", function()
    local e = kb:get("warning.suicidal_thoughts")
    local row = page:match('<tr><td><strong>' .. esc(e.name):gsub("%p", "%%%0") ..
      '</strong><br><span class="id">warning%.suicidal_thoughts</span>.-</tr>')
    assert.is_string(row)
    assert.truthy(has(row, '<span class="badge critical">critical</span>'))
    assert.truthy(has(row, "<td>" .. esc(e.action) .. "</td>"))
    assert.truthy(has(row, "<td>" .. esc(e.evidence) .. "</td>"))
    assert.truthy(has(row, '<span class="id">reference.article</span><br>'))
    local codes = {}
    for i, c in interferon.ipairs(e.codes) do codes[i] = esc(c) end
    assert.truthy(has(codes[1] and row or "", "<td>" .. table.concat(codes, ", ") .. "</td></tr>"))
    local drug = page:match('<span class="id">drug%.lorazepam</span>.-</tr>')
    assert.truthy(has(drug, "Class: drug_class."))
    assert.truthy(has(page, '<span class="id">reference.kroenke_2001</span></td><td>' ..
      "Kroenke, K., Spitzer, R. L., Williams, J. B. W. The PHQ-9: validity"))
  end)

  it("has a sign-off block for the reviewer", function()
    local block = page:match('<section class="signoff">.-</section>')
    assert.truthy(has(block, ("knowledge base %s (checksum <code>%s</code>)")
      :format(esc(kb.version), kb.checksum)))
    for _, line in ipairs({ "Reviewer's name:", "Role and registration:", "Date:", "Signature:" }) do
      assert.truthy(has(block, '<p class="line"><span>' .. line .. "</span></p>"), line)
    end
  end)

  it("gives the same bytes for the same knowledge base", function()
    assert.equal(page, review.html(kb))
    assert.equal(page, review.html(assert(interferon.load())))
  end)

  it("escapes every string of the knowledge base", function()
    local site = support.tmpfile(support.kb_text([[
  - id: drug.d1
    kind: drug
    name: "<script>alert(1)</script>"
    synonyms: ["<b>bold</b>"]
    severity: high
    action: "Stop & <i>call</i> \"now\""
    summary: "it's <img src=x onerror=alert(2)>"
    codes: ["<X>"]
    sources: [reference.r1]
]]))
    local small = assert(interferon.load({ site }, { bundled = false }))
    local html = review.html(small)
    assert.truthy(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"))
    assert.truthy(has(html, "Also called: &lt;b&gt;bold&lt;/b&gt;"))
    assert.truthy(has(html, "<td>Stop &amp; &lt;i&gt;call&lt;/i&gt; &quot;now&quot;</td>"))
    assert.truthy(has(html, "it&#39;s &lt;img src=x onerror=alert(2)&gt;"))
    assert.truthy(has(html, "<td>&lt;X&gt;</td></tr>"))
    assert.falsy(has(html, "<script"))
    assert.falsy(has(html, "<img"))
    assert.falsy(has(html, "<b>"))
    assert.falsy(has(html, "<i>"))
  end)

  it("raises when not given a knowledge base", function()
    assert.has_error(function() review.html("kb") end,
      "bad argument #1 to 'html' (knowledge base expected, got string)")
    assert.has_error(function() review.html({}) end,
      "bad argument #1 to 'html' (knowledge base expected, got table)")
  end)

  describe("the runner (make review)", function()
    it("writes the bundled knowledge base's sheet", function()
      local out = support.tmpfile("", ".html")
      local r = command.script("lua/interferon/review.lua", { out })
      assert.equal(0, r.status, r.err)
      assert.equal("review sheet: " .. out .. "\n", r.out)
      assert.equal(page, command.slurp(out))
    end)

    it("layers knowledge-base files and refuses a bad one", function()
      local out = support.tmpfile("", ".html")
      local site = support.tmpfile("format: interferon-kb/1\nversion: \"site-1\"\nentries: []\n")
      local r = command.script("lua/interferon/review.lua", { out, site })
      assert.equal(0, r.status, r.err)
      assert.truthy(has(command.slurp(out), "<dt>Version</dt><dd>2026.11.1+site-1</dd>"))
      local bad = support.tmpfile("format: interferon-kb/2\nentries: []\n")
      r = command.script("lua/interferon/review.lua", { out, bad })
      assert.equal(2, r.status)
      assert.equal("review: " .. bad .. ":1:1: 'format' must be 'interferon-kb/1'\n", r.err)
      r = command.script("lua/interferon/review.lua", {})
      assert.equal(2, r.status)
      assert.equal("usage: review.lua OUT.html [KB FILE]...\n", r.err)
    end)
  end)
end)
