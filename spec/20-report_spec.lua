-- Reports through the public API: every format, byte-stable output, input
-- that can never become markup or break JSON, and the C escapes beneath.
local interferon = require("interferon")
local core = require("interferon.core")
local command = require("spec.command")
local support = require("spec.support")

local HOSTILE = {
  id = "MRN-<b>x</b>",
  sex = "female",
  age = 41,
  conditions = { "<script>alert(1)</script>", "depression", "E11.9" },
  medications = { "Xanax 0.5mg", "bad\0nul \255\254 | *x* `y` \27[31mred" },
  supplements = { "St. John's wort" },
}

local function screened() return assert(interferon.screen(HOSTILE)) end

-- whether python3 can check JSON for us
local function python()
  return command.sh("python3 -c 'import json'").status == 0
end

describe("interferon.report", function()
  it("renders each format, and the same result always gives the same bytes", function()
    for _, format in ipairs({ "text", "markdown", "json", "html" }) do
      local a = interferon.report(screened(), format)
      local b = interferon.report(screened(), format)
      assert.is_string(a)
      assert.equals(a, b)
      assert.truthy(a:find("2026.11.1", 1, true), format .. " names the KB version")
      assert.truthy(a:find(screened().kb.checksum, 1, true), format .. " names the checksum")
      assert.truthy(a:find("does not replace, clinical judgement", 1, true), format)
    end
  end)

  it("raises on an unknown format, naming the formats there are", function()
    local formats = "cds-hooks, fhir, html, json, markdown, text"
    assert.equals(formats, table.concat(require("interferon.report").FORMATS, ", "))
    assert.has_error(function() interferon.report(screened(), "pdf") end,
      "bad argument #2 to 'report' (unknown format 'pdf': the formats are " .. formats .. ")")
    assert.has_error(function() interferon.report(screened()) end,
      "bad argument #2 to 'report' (string expected, got nil)")
    assert.has_error(function() interferon.report(42, "text") end,
      "bad argument #1 to 'report' (screening or symptom result expected, got number)")
    assert.has_error(function() interferon.report(screened(), "text", 1) end,
      "bad argument #3 to 'report' (table expected, got number)")
  end)

  describe("text", function()
    it("puts the severity first, in a column of its own, with no colour unless asked", function()
      local text = interferon.report(screened(), "text")
      assert.matches("^Interferon screening: REVIEW\n", text)
      assert.truthy(text:find("\nHIGH      Depression [conditions: \"depression\" -> condition.depression]\n", 1, true))
      assert.truthy(text:find("\nMODERATE  Diabetes [conditions: \"E11.9\" -> condition.diabetes, code]\n", 1, true))
      assert.truthy(text:find("\nUNKNOWN   conditions: \"<script>alert(1)</script>\" is not in the knowledge", 1, true))
      assert.falsy(text:find("\27", 1, true), "no escape sequence, from us or from the input")
      assert.falsy(text:find("\0", 1, true))
      assert.truthy(text:find("\239\191\189", 1, true), "bad bytes shown as U+FFFD")
    end)

    it("colours the severity only when the caller asks", function()
      local text = interferon.report(screened(), "text", { color = true })
      assert.truthy(text:find("\27[31mHIGH      \27[0m", 1, true))
      assert.truthy(text:find("\27[1;33mREVIEW\27[0m", 1, true))
    end)
  end)

  describe("markdown", function()
    it("escapes the patient's terms so that they are text, not markup", function()
      local md = interferon.report(screened(), "markdown")
      assert.matches("^# Interferon screening: review\n", md)
      assert.truthy(md:find("| **high** | Depression:", 1, true))
      assert.truthy(md:find("- conditions: &lt;script&gt;alert(1)&lt;/script&gt;", 1, true))
      assert.truthy(md:find("\\| \\*x\\* \\`y\\`", 1, true))
      assert.truthy(md:find("- Patient: MRN-&lt;b&gt;x&lt;/b&gt;, female, age 41", 1, true))
      assert.falsy(md:find("<script", 1, true))
    end)
  end)

  describe("json", function()
    it("is one line with a schema tag, every finding and every unrecognised term", function()
      local r = screened()
      local json = interferon.report(r, "json")
      assert.matches("^{.*}\n$", json)
      assert.equals(1, select(2, json:gsub("\n", "")))
      assert.truthy(json:find('"schema":"interferon.screening/1"', 1, true))
      assert.equals(#r.findings, select(2, json:gsub('"severity":', "")))
      assert.equals(#r.unrecognized, select(2, json:gsub('"suggestions":', "")))
      assert.truthy(json:find('"input":"bad\\u0000nul \\ufffd\\ufffd | *x* `y` \\u001b[31mred"', 1, true))
      assert.truthy(json:find('"patient":{"age":41,"id":"MRN-<b>x</b>","sex":"female"}', 1, true))
    end)

    it("is valid JSON with sorted keys, as a strict parser reads it #external", function()
      if not python() then
        pending("python3 is not installed: the strict JSON check needs it")
        return
      end
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      f:write(interferon.report(screened(), "json"))
      f:close()
      local r = command.sh("python3 -c " .. command.quote([[
import json, sys
def sorted_keys(pairs):
    keys = [k.encode("utf-8") for k, _ in pairs]
    assert keys == sorted(keys), keys
    return dict(pairs)
text = open(sys.argv[1], encoding="utf-8", errors="strict").read()
json.loads(text, object_pairs_hook=sorted_keys)
sys.stdout.write("valid")
]]) .. " " .. command.quote(path))
      os.remove(path)
      assert.equals(0, r.status, r.err)
      assert.equals("valid", r.out)
    end)

    it("writes an empty patient as {} and empty lists as []", function()
      local json = interferon.report(assert(interferon.screen({})), "json")
      assert.truthy(json:find('"findings":[]', 1, true))
      assert.truthy(json:find('"patient":{}', 1, true))
      assert.truthy(json:find('"status":"clear"', 1, true))
    end)
  end)

  describe("html", function()
    it("is one standalone page, with badges, terms beside their match, sources and the notice", function()
      local html = interferon.report(screened(), "html")
      assert.matches("^<!DOCTYPE html>\n<html lang=\"en\">", html)
      assert.matches("</html>\n$", html)
      assert.truthy(html:find('<span class="badge high">high</span>', 1, true))
      assert.truthy(html:find('<span class="term">Xanax 0.5mg</span>', 1, true))
      assert.truthy(html:find("drug.alprazolam (synonym)", 1, true))
      assert.truthy(html:find("<li><strong>ogbru_2010</strong>: Ogbru, O. Interferons (2010)", 1, true))
      assert.truthy(html:find('<p class="notice">This screening supports', 1, true))
      assert.falsy(html:find("<script", 1, true))
      assert.falsy(html:find("<b>", 1, true))
      assert.falsy(html:find("http://", 1, true) and html:find("<link", 1, true))
    end)

    it("escapes every piece of input", function()
      local html = interferon.report(screened(), "html")
      assert.truthy(html:find("&lt;script&gt;alert(1)&lt;/script&gt;", 1, true))
      assert.truthy(html:find("MRN-&lt;b&gt;x&lt;/b&gt;", 1, true))
      assert.truthy(html:find("St. John&#39;s wort", 1, true))
      assert.falsy(html:find("\0", 1, true))
      assert.falsy(html:find("\255", 1, true))
      assert.falsy(html:find("\27", 1, true))
    end)
  end)

  describe("a symptom result", function()
    it("renders in every format with the advice about unlisted symptoms", function()
      local r = assert(interferon.check_symptoms({ "nausea", "thoughts of suicide", "green ears" }))
      for _, format in ipairs({ "text", "markdown", "json", "html" }) do
        local out = interferon.report(r, format)
        assert.truthy(out:find("report every new or worsening symptom to the care team", 1, true), format)
        assert.truthy(out:find("green ears", 1, true), format)
      end
      assert.matches("^Interferon symptom check: REVIEW\n", interferon.report(r, "text"))
      assert.truthy(interferon.report(r, "text"):find("\nCRITICAL  Suicidal thoughts or behaviour", 1, true))
      assert.truthy(interferon.report(r, "json"):find('"type":"symptoms"', 1, true))
    end)
  end)

  describe("a result from a knowledge base of one's own", function()
    local kb = assert(interferon.load({ support.tmpfile(support.kb_text()) }, { bundled = false }))
    support.cleanup()

    it("cites the sources of the knowledge base that made it, without opts.kb", function()
      local r = assert(kb:screen({ conditions = { "first condition" } }))
      assert.truthy(interferon.report(r, "markdown"):find("\n- r1: A reference\n", 1, true))
      assert.truthy(interferon.report(r, "cds-hooks"):find("**Sources:**\\n\\n- A reference\\n", 1, true))
      assert.equals(interferon.report(r, "html", { kb = kb }), interferon.report(r, "html"))
    end)

    it("renders in every format without loading the bundled knowledge base", function()
      -- in a fresh process: the bundled KB's index alone is about 6 MB of heap
      local r = command.sh(command.lua .. " -e " .. command.quote(("local path = %q"):format(
        support.tmpfile(support.kb_text())) .. [[

        local i = require("interferon")
        local kb = assert(i.load({ path }, { bundled = false }))
        local r = assert(kb:screen({ conditions = { "first condition" } }))
        collectgarbage() collectgarbage()
        local before = collectgarbage("count")
        for _, f in ipairs({ "text", "markdown", "json", "html", "cds-hooks", "fhir" }) do
          i.report(r, f)
        end
        collectgarbage() collectgarbage()
        io.write(("%.0f KB more"):format(collectgarbage("count") - before))
      ]]))
      support.cleanup()
      assert.same({ 0, "" }, { r.status, r.err })
      local kb_more = tonumber(r.out:match("^(%d+) KB more$"))
      assert.is_true(kb_more < 1024, r.out)
    end)

    it("cites ids, not the bundled knowledge base's titles, once copied", function()
      local copy = interferon.report(assert(kb:screen({ conditions = { "X12" } })), "json")
      local r = assert(core.decode(copy, "copy"))[1]
      assert.truthy(interferon.report(r, "markdown"):find("\n- r1: reference.r1\n", 1, true))
    end)
  end)
end)

describe("core.json_encode", function()
  it("sorts keys and prints numbers the same way on every Lua version", function()
    assert.equals('{"a":[1,1,0.1,2.5,-7,9007199254740992],"b":null,"c":true}',
      core.json_encode({ c = true, a = { 1, 1.0, 0.1, 2.5, -7, 2 ^ 53 }, b = core.null }))
    assert.equals("0", core.json_encode(-0.0))
    assert.equals('"\\"\\\\\\n\\t\\u0001\\u007f"', core.json_encode("\"\\\n\t\1\127"))
    assert.equals('"caf\195\169 \\ufffd"', core.json_encode("caf\195\169 \192"))
    assert.equals("[]", core.json_encode({}))
    assert.equals("{}", core.json_encode(setmetatable({}, { __json = "object" })))
  end)

  it("refuses what JSON cannot hold", function()
    local cycle = {}
    cycle.self = cycle
    local deep = {}
    local cur = deep
    for _ = 1, 150 do
      cur[1] = {}
      cur = cur[1]
    end
    assert.has_error(function() core.json_encode({ 0 / 0 }) end, "cannot encode NaN in JSON")
    assert.has_error(function() core.json_encode({ x = 1 / 0 }) end, "cannot encode infinity in JSON")
    assert.has_error(function() core.json_encode(cycle) end, "cannot encode a table that contains itself in JSON")
    assert.has_error(function() core.json_encode(deep) end, "cannot encode tables nested deeper than 100 in JSON")
    assert.has_error(function() core.json_encode({ 1, nil, 3 }) end,
      "cannot encode a sparse array in JSON (keys must be 1..n)")
    assert.has_error(function() core.json_encode({ 1, x = 2 }) end,
      "cannot encode a table with both string and number keys in JSON")
    assert.has_error(function() core.json_encode(print) end, "cannot encode a value of type function in JSON")
  end)

  it("shares a table that appears twice without calling it a cycle", function()
    local t = { 1 }
    assert.equals('{"a":[1],"b":[1]}', core.json_encode({ a = t, b = t }))
  end)
end)

describe("core.html_escape and core.text_clean", function()
  it("turn markup characters into references and bad bytes into U+FFFD", function()
    assert.equals("&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;s\239\191\189\239\191\189\n\tok",
      core.html_escape("<b>x</b> & \"q\" 's\0\255\n\tok"))
    assert.equals("a\239\191\189[31mb\239\191\189c\239\191\189", core.text_clean("a\27[31mb\nc\255"))
    assert.equals("\240\159\146\137 \239\191\189\239\191\189", core.text_clean("\240\159\146\137 \237\160"))
  end)
end)
